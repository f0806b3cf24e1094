"""Editing a finished run one scene at a time (the web app's operations; any
program can use them): re-convert a scene from edited prose (stage 2 only),
draw a new take, choose among the takes kept, save a hand-edited screenplay
scene, and re-assemble the outputs.

Every operation ends in ``write_story`` over the same run directory, so the
outputs (screenplay.fountain, prose.md, the PDF, manifest.json) are made by
the same code as ``dsr write``, and a later ``dsr write`` of the run finds
everything done. What makes that work is the ``--scene N`` machinery: a run
anchored at scene N keeps every later scene whose own inputs did not change,
even though the scene before it now ends differently. Anchoring at N without
drawing a new take means giving ``write_story`` the take before the wanted
one (it adds one for ``--scene N``).

Takes: the scene directory holds the take in use; every take that is
replaced (by a redraw or a choice) is first copied to
``scenes/NNN/takes/T/``, so a writer can compare them and go back.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from dsr.errors import UserError
from dsr.files import atomic_write_json, atomic_write_text, read_json, sha256_hex
from dsr.llm.base import ChatModel
from dsr.locks import lock_holder
from dsr.pipeline.run import RunDir
from dsr.pipeline.settings import Settings
from dsr.pipeline.write import WriteResult, write_story
from dsr.progress import Reporter
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.story.loader import FORMATS

TAKE_FILES = ("directives.json", "prose.md", "screenplay.fountain", "meta.json")
MAX_SCENE_CHARS = 200_000  # a scene of prose or screenplay; a feature film is about 180,000


def story_file(run_dir: Path | str) -> Path:
    """The story the run was written from: the one file in ``input/``."""
    files = sorted(p for p in (Path(run_dir) / "input").glob("*") if p.is_file() and p.suffix.lower() in FORMATS)
    if not files:
        raise UserError(f"{run_dir}: no story in input/ (write it once with dsr write or save the story first)")
    return files[0]


def run_settings(run_dir: Path | str, **changes) -> Settings:
    """The settings the run was last written with (manifest.json), with ``changes``."""
    saved = (read_json(Path(run_dir) / "manifest.json") or {}).get("parameters") or {}
    known = {k: v for k, v in saved.items() if k in Settings.field_names()}
    known.update(scene=None)
    settings = Settings(**known)
    return replace(settings, **changes).check()


def in_use_by(run_dir: Path | str) -> int | None:
    """The pid of another live process writing the run, or None (this
    process's own jobs are the caller's to track)."""
    pid = lock_holder(run_dir)
    return pid if pid != os.getpid() else None


def text_version(text: str | None) -> str:
    """What a client sends back to say which text it edited (see ``check_version``)."""
    return sha256_hex(text or "", 16)


def check_version(current: str | None, base_version: str | None, what: str) -> None:
    if base_version is not None and base_version != text_version(current):
        raise UserError(f"{what} changed since you opened it; reload to see the new version, "
                        "then make your change again", exit_code=5)


# ---------------------------------------------------------------- takes

def current_take(run_dir: Path | str, index: int) -> int:
    return RunDir(run_dir).takes().get(index, 0)


def list_takes(run_dir: Path | str, index: int) -> list[int]:
    """Every take of scene ``index`` (0-based) there is to show: the kept ones and the current one."""
    run = RunDir(run_dir)
    kept = run.scene_dir(index) / "takes"
    takes = {int(p.name) for p in kept.iterdir() if p.is_dir() and p.name.isdigit()} if kept.is_dir() else set()
    if (run.scene_dir(index) / "screenplay.fountain").exists():
        takes.add(current_take(run_dir, index))
    return sorted(takes)


def read_take(run_dir: Path | str, index: int, take: int) -> dict:
    """Prose, screenplay and directives of one take (the current one from the scene directory)."""
    run = RunDir(run_dir)
    if take == current_take(run_dir, index):
        where = run.scene_dir(index)
    else:
        where = run.scene_dir(index) / "takes" / str(take)
    if not (where / "screenplay.fountain").exists():
        raise UserError(f"scene {index + 1} has no take {take}; takes: {list_takes(run_dir, index)}", exit_code=4)

    def read(name: str) -> str | None:
        try:
            return (where / name).read_text("utf-8")
        except OSError:
            return None

    return {"take": take, "prose": read("prose.md"), "screenplay": read("screenplay.fountain"),
            "directives": read_json(where / "directives.json"), "meta": read_json(where / "meta.json") or {}}


def keep_current_take(run_dir: Path | str, index: int) -> None:
    """Copy the scene's current files to ``takes/T/`` before they are replaced."""
    run = RunDir(run_dir)
    scene = run.scene_dir(index)
    if not (scene / "screenplay.fountain").exists():
        return
    target = scene / "takes" / str(current_take(run_dir, index))
    staging = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in TAKE_FILES:
        if (scene / name).exists():
            shutil.copy2(scene / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


# ---------------------------------------------------------------- operations

def _rewrite_at(run_dir: Path, index: int, take: int, settings: Settings,
                backends: dict[str, ChatModel] | None, reporter: Reporter | None) -> WriteResult:
    """``write_story`` anchored at scene ``index`` with take ``take`` (see the module docstring)."""
    run = RunDir(run_dir)
    takes = run.takes()
    takes[index] = take - 1
    run.save_takes(takes)
    try:
        return write_story(story_file(run_dir), run_dir, replace(settings, scene=index + 1), reporter, backends)
    finally:
        if run.takes().get(index) == take - 1:  # it stopped before taking the take over: put it back
            takes = run.takes()
            takes[index] = take
            run.save_takes(takes)


def _scene_index(run_dir: Path, scene: int) -> int:
    """1-based scene number -> 0-based index, checked against the run."""
    count = len((read_json(run_dir / "story.json") or {}).get("scenes") or [])
    if not 1 <= scene <= count:
        raise UserError(f"scene {scene}: the run has scenes 1 to {count}", exit_code=4)
    if not (RunDir(run_dir).scene_dir(scene - 1) / "prose.md").exists():
        raise UserError(f"scene {scene} has not been written yet", exit_code=4)
    return scene - 1


def _not_in_use(run_dir: Path) -> None:
    pid = in_use_by(run_dir)
    if pid is not None:
        raise UserError(f"{run_dir.name} is being written by another process (pid {pid}); "
                        "wait for it to finish", exit_code=3)


def reconvert_scene(run_dir: Path | str, scene: int, prose: str, settings: Settings,
                    base_version: str | None = None, backends: dict[str, ChatModel] | None = None,
                    reporter: Reporter | None = None) -> WriteResult:
    """Replace scene ``scene``'s (1-based) prose with ``prose`` and convert
    that scene again (stage 2 only); the other scenes stay as they are."""
    run_dir = Path(run_dir)
    index = _scene_index(run_dir, scene)
    _not_in_use(run_dir)
    run = RunDir(run_dir)
    prose = "\n".join(line.rstrip() for line in prose.replace("\r\n", "\n").strip().split("\n"))
    if not prose:
        raise UserError(f"scene {scene}: the prose is empty; write what the camera sees and hears")
    if len(prose) > MAX_SCENE_CHARS:
        raise UserError(f"scene {scene}: {len(prose):,} characters of prose is too long (limit {MAX_SCENE_CHARS:,})")
    check_version(run.read_scene_file(index, "prose.md"), base_version, f"scene {scene}'s prose")
    run.write_scene_file(index, "prose.md", prose + "\n")
    run.update_scene_meta(index, "edited", {**run.scene_meta(index).get("edited", {}),
                                            "prose": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return _rewrite_at(run_dir, index, current_take(run_dir, index), settings, backends, reporter)


def redraw_scene(run_dir: Path | str, scene: int, settings: Settings,
                 backends: dict[str, ChatModel] | None = None, reporter: Reporter | None = None) -> WriteResult:
    """Draw a new take of scene ``scene`` (1-based): stage 1 and 2 with the
    next unused sample index; the take it replaces is kept."""
    run_dir = Path(run_dir)
    index = _scene_index(run_dir, scene)
    _not_in_use(run_dir)
    keep_current_take(run_dir, index)
    new_take = max(list_takes(run_dir, index), default=0) + 1
    run = RunDir(run_dir)
    meta = run.scene_meta(index)
    if meta.pop("edited", None) is not None:  # the writer's edits belong to the take kept, not to the new one
        atomic_write_json(run.scene_dir(index) / "meta.json", meta)
    return _rewrite_at(run_dir, index, new_take, settings, backends, reporter)


def choose_take(run_dir: Path | str, scene: int, take: int, settings: Settings,
                backends: dict[str, ChatModel] | None = None, reporter: Reporter | None = None) -> WriteResult:
    """Make take ``take`` of scene ``scene`` (1-based) the one in the screenplay."""
    run_dir = Path(run_dir)
    index = _scene_index(run_dir, scene)
    _not_in_use(run_dir)
    if take not in list_takes(run_dir, index):
        raise UserError(f"scene {scene} has no take {take}; takes: {list_takes(run_dir, index)}", exit_code=4)
    if take != current_take(run_dir, index):
        keep_current_take(run_dir, index)
        run = RunDir(run_dir)
        source = run.scene_dir(index) / "takes" / str(take)
        for name in TAKE_FILES:
            if (source / name).exists():
                atomic_write_text(run.scene_dir(index) / name, (source / name).read_text("utf-8"))
    return _rewrite_at(run_dir, index, take, settings, backends, reporter)


def check_scene_text(fountain: str, scene: int) -> tuple[str, list[dict]]:
    """A hand-edited screenplay scene, normalised, and its findings; raises
    ``UserError`` when it is not one valid scene (starting with its heading)."""
    text = fountain.replace("\r\n", "\n").strip() + "\n"
    if len(text) > MAX_SCENE_CHARS:
        raise UserError(f"scene {scene}: {len(text):,} characters is too long for one scene (limit {MAX_SCENE_CHARS:,})")
    sp = parse(text)
    if sp.title_page:
        raise UserError(f"scene {scene}: starts with a title page ('Key: value' lines); start with the scene heading")
    headings = [el for el in sp.elements if el.type == "scene_heading"]
    printable = [el for el in sp.elements if el.type not in ("note", "boneyard", "section", "synopsis")]
    if not printable or printable[0].type != "scene_heading":
        raise UserError(f"scene {scene}: start with the scene heading, e.g. INT. KITCHEN - NIGHT")
    if len(headings) > 1:
        raise UserError(f"scene {scene}: holds {len(headings)} scene headings (line {headings[1].line}); "
                        "a scene has one: add scenes in the story outline")
    findings = [f.to_dict() for f in validate(sp, text)]
    errors = [f for f in findings if f["severity"] == "error"]
    if errors:
        listed = "; ".join(f"line {f['line']}: {f['message']}" for f in errors[:5])
        raise UserError(f"scene {scene}: {len(errors)} format error{'s' * (len(errors) != 1)}: {listed}")
    return text, findings


def save_screenplay_scene(run_dir: Path | str, scene: int, fountain: str, settings: Settings,
                          base_version: str | None = None, backends: dict[str, ChatModel] | None = None,
                          reporter: Reporter | None = None) -> WriteResult:
    """Replace scene ``scene``'s (1-based) screenplay with hand-edited
    Fountain, validated first, and re-assemble the outputs (no model calls)."""
    run_dir = Path(run_dir)
    index = _scene_index(run_dir, scene)
    _not_in_use(run_dir)
    run = RunDir(run_dir)
    text, _findings = check_scene_text(fountain, scene)
    check_version(run.read_scene_file(index, "screenplay.fountain"), base_version, f"scene {scene}'s screenplay")
    run.write_scene_file(index, "screenplay.fountain", text)
    run.update_scene_meta(index, "edited", {**run.scene_meta(index).get("edited", {}),
                                            "screenplay": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return _rewrite_at(run_dir, index, current_take(run_dir, index), settings, backends, reporter)
