"""Run directories as the web app sees them: finding one by its id (safely),
listing them, and reading a scene for the page.

A run id is the name of a directory directly under the runs directory.
Nothing the browser sends is ever used as a path: the id must be a plain
name, and the directory it names must resolve (symlinks followed) to a
place inside the runs directory.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

from dsr.errors import UserError
from dsr.files import read_json, sha256_hex
from dsr.locks import lock_holder
from dsr.pipeline.edit import current_take, in_use_by, list_takes, text_version
from dsr.pipeline.run import RunDir
from dsr.screenplay.export.html import body_html
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.story.loader import FORMATS

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class NotFound(UserError):
    def __init__(self, message: str):
        super().__init__(message, exit_code=4)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "story"


def run_path(runs_dir: Path, run_id: str, must_exist: bool = True) -> Path:
    """The directory of run ``run_id``, refused unless it lies inside ``runs_dir``."""
    if not RUN_ID.match(run_id or "") or ".." in run_id:
        raise NotFound(f"no run {run_id!r}: a run id is a plain name such as short-film")
    root = runs_dir.resolve()
    path = runs_dir / run_id
    resolved = path.resolve()
    if resolved.parent != root or (must_exist and not resolved.is_dir()):
        raise NotFound(f"no run {run_id!r} in the runs directory")
    return resolved


def contained(run_dir: Path, path: Path) -> bool:
    """Is ``path`` (symlinks followed) inside ``run_dir``? Links out are not followed.
    ``path`` must lie under ``run_dir`` as written; only a symlink on the way
    (rare) costs a resolve."""
    try:
        parts = path.relative_to(run_dir).parts
    except ValueError:
        return False
    here = run_dir
    for part in parts:
        here = here / part
        if here.is_symlink():
            try:
                return path.resolve().is_relative_to(run_dir.resolve())
            except OSError:
                return False
    return True


def new_run_id(runs_dir: Path, title: str) -> str:
    base = slug(title)
    candidate, n = base, 2
    while (runs_dir / candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def story_path(run_dir: Path) -> Path | None:
    files = sorted(p for p in (run_dir / "input").glob("*")
                   if p.is_file() and p.suffix.lower() in FORMATS and contained(run_dir, p))
    return files[0] if files else None


def run_title(run_dir: Path) -> str | None:
    """The story's title: as last written (manifest, story.json), else from the story file."""
    manifest = read_json(run_dir / "manifest.json") or {}
    title = (manifest.get("story") or {}).get("title") or (read_json(run_dir / "story.json") or {}).get("title")
    if title:
        return title
    path = story_path(run_dir)
    if path is None:
        return None
    from dsr.story.formats import parse_json, parse_markdown_story, parse_yaml

    try:
        parser = {"yaml": parse_yaml, "json": parse_json, "markdown": parse_markdown_story}[FORMATS[path.suffix.lower()]]
        data = parser(path.read_text("utf-8"), path.name).data
    except (UserError, OSError, UnicodeDecodeError):
        return None
    return str(data["title"]) if isinstance(data, dict) and data.get("title") else None


def is_run(path: Path) -> bool:
    """A story in input/, a manifest, or a develop/ folder: a run started from a
    logline is one from the start, also when its develop failed or never finished."""
    return path.is_dir() and (story_path(path) is not None or (path / "manifest.json").exists()
                              or (path / DEVELOP).is_dir())


# ---------------------------------------------------------------- runs started from a logline

DEVELOP = "develop"  # RUN/develop/: dsr develop's folder of a run started from a logline
TITLE_WORDS = 12


def develop_steps(run_dir: Path) -> list[dict]:
    from dsr.develop.project import STEPS

    folder = run_dir / DEVELOP
    return [{"step": step, "done": (folder / f"{step}.yaml").is_file() and contained(run_dir, folder / f"{step}.yaml")}
            for step in STEPS]


def develop_options(run_dir: Path) -> dict:
    """The options develop remembered (logline, structure, scenes, model...), {} when none."""
    state = read_json(run_dir / DEVELOP / "develop.json")
    options = state.get("options") if isinstance(state, dict) else None
    return options if isinstance(options, dict) else {}


def develop_title(run_dir: Path) -> str | None:
    """What a run still being developed is called: its premise's title once
    that step is done, else its logline (clipped), else None."""
    from dsr.develop.documents import load_premise
    from dsr.text import clip_words

    premise = run_dir / DEVELOP / "premise.yaml"
    if premise.is_file() and contained(run_dir, premise):
        try:
            title = load_premise(premise.read_text("utf-8"), premise.name).title
        except (UserError, OSError, UnicodeDecodeError, ValueError):
            title = None
        if title:
            return title
    logline = develop_options(run_dir).get("logline")
    return clip_words(str(logline), TITLE_WORDS) if logline else None


def develop_status(run_dir: Path) -> dict | None:
    """Where the develop of a run started from a logline stands, as far as
    the folder tells (None once the run has its story, or never had a
    develop/): the steps done, and ``state`` "developing" while a dsr
    develop (of another process: a terminal) holds the folder's lock, else
    "unfinished". The app knows its own jobs and says "developing" or
    "failed" for them."""
    if story_path(run_dir) is not None or not (run_dir / DEVELOP).is_dir():
        return None
    holder = lock_holder(run_dir / DEVELOP)
    steps = develop_steps(run_dir)
    return {"state": "developing" if holder is not None and holder != os.getpid() else "unfinished",
            "error": None, "new_draws": False, "steps": steps, "steps_done": sum(s["done"] for s in steps),
            "logline": develop_options(run_dir).get("logline"), "title": develop_title(run_dir) or run_dir.name}


def summary(runs_dir: Path, path: Path) -> dict:
    """One line of the runs list."""
    manifest = read_json(path / "manifest.json") or {}
    story = read_json(path / "story.json") or {}
    title = run_title(path) or develop_title(path)
    scenes_total = (manifest.get("story") or {}).get("scenes") or len(story.get("scenes") or outline_scenes(path))
    written = sum(1 for d in (path / "scenes").glob("[0-9][0-9][0-9]") if (d / "screenplay.fountain").exists()) \
        if (path / "scenes").is_dir() else 0
    models = manifest.get("models") or {}
    try:
        changed = max(p.stat().st_mtime for p in (path / "manifest.json", path / "story.json", path) if p.exists())
    except OSError:
        changed = 0.0
    return {
        "id": path.name,
        "title": title or path.name,
        "finished_at": manifest.get("finished_at"),
        "changed": changed,
        "mode": manifest.get("mode"),
        "models": {"stage1": models.get("stage1"), "stage2": models.get("stage2")},
        "scenes": scenes_total,
        "scenes_written": written,
        "fallbacks": manifest.get("fallbacks") or [],
        "pages": (manifest.get("outputs") or {}).get("pdf_pages"),
        "in_use": in_use_by(path) is not None,
        "develop": develop_status(path),
    }


def list_runs(runs_dir: Path) -> list[dict]:
    if not runs_dir.is_dir():
        return []
    root = runs_dir.resolve()
    out = []
    for child in runs_dir.iterdir():
        if not RUN_ID.match(child.name) or child.resolve().parent != root or not is_run(child):
            continue  # symlinks out of the runs directory are not runs of ours
        out.append(summary(runs_dir, child))
    out.sort(key=lambda r: r["changed"], reverse=True)
    return out


# ---------------------------------------------------------------- scenes

def scene_signature(run_dir: Path, index: int) -> str:
    """Changes whenever anything the page shows of the scene changes on disk."""
    scene = RunDir(run_dir).scene_dir(index)
    parts = []
    for name in ("meta.json", "prose.md", "screenplay.fountain", "directives.json"):
        try:
            st = os.stat(scene / name)
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    return sha256_hex("|".join(parts), 12)


def scene_state(meta: dict, prose: str | None, fountain: str | None) -> str:
    if fountain is not None and any(k in meta for k in ("stage2", "direct")):
        return "done"
    if prose is not None and "stage1" in meta:
        return "prose"
    return "waiting"


def _findings(meta: dict, fountain: str | None) -> list[dict]:
    """The validator's findings on the scene as it is now, then whatever
    checks recorded in meta.json (fidelity, continuity...)."""
    out: list[dict] = []
    if fountain:
        for f in validate(parse(fountain), fountain):
            out.append({"source": "format", **f.to_dict()})
    for section, data in meta.items():
        if section in ("stage2", "direct") or not isinstance(data, dict):
            continue  # stage 2's own findings are of the text as it was made; the live ones are above
        for f in data.get("findings") or []:
            if isinstance(f, dict):
                out.append({"source": section, "severity": f.get("severity", "warning"), "code": f.get("code", ""),
                            "message": f.get("message") or str(f), "line": f.get("line")})
            elif isinstance(f, str):
                out.append({"source": section, "severity": "warning", "code": "", "message": f, "line": None})
    return out


def continuity_findings(run_dir: Path) -> list[dict]:
    """The continuity findings of the last assembly (manifest.json), each naming its scenes."""
    manifest = read_json(run_dir / "manifest.json") or {}
    return [f for f in manifest.get("continuity") or [] if isinstance(f, dict)]


_VIEWS: OrderedDict[tuple, dict] = OrderedDict()  # (run, scene, what it was made from) -> view
_VIEWS_LOCK = threading.Lock()
VIEWS_KEPT = 2000


def scene_view(run_dir: Path, index: int, outline: dict | None = None, with_html: bool = True,
               continuity: list[dict] | None = None) -> dict:
    """Everything the page shows of one scene. ``continuity``: the run's
    continuity findings (read from manifest.json when not given).

    Views are kept in memory by what they were made from (the scene's files'
    sizes and times, the takes, its outline, the findings naming it), so a
    page opened again renders and validates nothing that has not changed."""
    if continuity is None:
        continuity = continuity_findings(run_dir)
    mine = [f for f in continuity if index + 1 in (f.get("scenes") or [])]
    takes_file = run_dir / "takes.json"
    key = (str(run_dir), index, with_html, scene_signature(run_dir, index), _file_stamp(takes_file),
           _file_stamp(RunDir(run_dir).scene_dir(index) / "takes"), json.dumps([outline, mine], sort_keys=True))
    with _VIEWS_LOCK:
        view = _VIEWS.get(key)
        if view is not None:
            _VIEWS.move_to_end(key)
            return view
    view = _scene_view(run_dir, index, outline, with_html, mine)
    with _VIEWS_LOCK:
        _VIEWS[key] = view
        while len(_VIEWS) > VIEWS_KEPT:
            _VIEWS.popitem(last=False)
    return view


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}"


def _scene_view(run_dir: Path, index: int, outline: dict | None, with_html: bool, continuity: list[dict]) -> dict:
    run = RunDir(run_dir)
    scene_dir = run.scene_dir(index)
    if scene_dir.exists() and not all(contained(run_dir, p) for p in (scene_dir, *scene_dir.iterdir())):
        raise NotFound(f"scene {index + 1} of {run_dir.name} links outside the run; it is not shown")
    meta = run.scene_meta(index)
    prose = run.read_scene_file(index, "prose.md")
    fountain = run.read_scene_file(index, "screenplay.fountain")
    outline = outline or {}
    stage1 = meta.get("stage1") or {}
    stage2 = meta.get("stage2") or meta.get("direct") or {}
    view = {
        "n": index + 1,
        "heading": _heading(outline),
        "summary": outline.get("summary", ""),
        "characters": outline.get("characters", []),
        "state": scene_state(meta, prose, fountain),
        "sig": scene_signature(run_dir, index),
        "directives": read_json(run.scene_dir(index) / "directives.json"),
        "prose": prose.strip() if prose is not None else None,
        "prose_version": text_version(prose) if prose is not None else None,
        "screenplay": fountain,
        "screenplay_version": text_version(fountain) if fountain is not None else None,
        # Stage 1's flags are about its prose: once the writer has rewritten it they no longer apply.
        "flags": [] if (meta.get("edited") or {}).get("prose") else stage1.get("flags") or [],
        # The fallback note is about stage 2's text: a screenplay the writer edited since is theirs.
        "fallback": bool(stage2.get("fallback")) and not (meta.get("edited") or {}).get("screenplay"),
        "attempts": stage2.get("attempts"),
        "format": stage2.get("format"),
        "edited": meta.get("edited") or {},
        "take": current_take(run_dir, index),
        "takes": list_takes(run_dir, index),
        "findings": (_findings(meta, fountain) if fountain or meta else []) + [
            {"source": "continuity", "severity": f.get("severity", "warning"), "code": f.get("code", ""),
             "message": f.get("message", ""), "line": None}
            for f in continuity],
    }
    if with_html:
        view["screenplay_html"] = scene_html(fountain) if fountain else None
    return view


def scene_html(fountain: str) -> str:
    sp = parse(fountain)
    sp.title_page = {}
    return body_html(sp, title_page_too=False)


def _heading(outline: dict) -> str:
    if not outline:
        return ""
    prefix = {True: "INT.", False: "EXT.", "both": "INT./EXT."}.get(outline.get("interior", True), "INT.")
    return f"{prefix} {(outline.get('place') or 'UNKNOWN').upper()} - {(outline.get('time') or 'DAY').upper()}"


def outline_scenes(run_dir: Path) -> list[dict]:
    """The outline the run was written from (story.json), else the story file as it stands."""
    story = read_json(run_dir / "story.json")
    if story is None:
        from dsr.story.loader import load_story

        path = story_path(run_dir)
        try:
            story = load_story(path).model_dump(mode="json") if path else {}
        except UserError:
            story = {}
    return story.get("scenes") or []
