"""A develop directory and ``develop()``, the whole of ``dsr develop``.

Layout::

    DIR/
      premise.yaml  characters.yaml  beats.yaml  story.yaml   the steps, in order
      develop.json     options, and per step: input hash, file hash, take, attempts, findings, flags
      calls.sqlite     every model call (cache and journal)
      takes/           earlier versions of a step's file, kept when it is drawn again
      .lock            pid of the dsr develop using the directory

The hash rule (as in a ``dsr write`` run directory): a step's input hash
covers what it was made from (the files before it, as data, and its own
options). A step is redone when its file is missing or its input hash
changed, so editing a file redoes exactly the steps after it. A file whose
bytes differ from what dsr wrote was edited by hand: it is kept as the
writer's, never overwritten by a re-run (``--redo STEP`` draws it again and
keeps the edited one under ``takes/``), and every later step's prompt says
what the writer changed.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from dsr.develop import documents as docs
from dsr.develop.asking import Answer, ask_valid
from dsr.develop.scenes import (TOKENS_PER_SCENE, PlannedScene, check_scenes, complete_story, plan_parts,
                                scenes_messages, scenes_schema, story_text)
from dsr.develop.steps import (CHARACTERS_TOKENS, PREMISE_TOKENS, TEMPLATES, characters_schema, premise_schema,
                               TOKENS_PER_BEAT, Context, PremiseGiven, beats_edits, beats_messages, beats_schema,
                               characters_edits, characters_messages, check_beats, check_characters,
                               check_premise, premise_edits, premise_messages, word_style)
from dsr.develop.structures import load_structure, structure_names
from dsr.errors import UserError
from dsr.files import atomic_write_json, atomic_write_text, hash_of, read_json, sha256_hex
from dsr.llm.base import ChatModel, Completion, LLMError, Params
from dsr.locks import directory_lock
from dsr.story.loader import load_story_text, story_warnings
from dsr.story.model import Story, normalize_language

STEPS = ("premise", "characters", "beats", "story")
MAX_LOGLINE_WORDS = 200
MIN_SCENES, MAX_SCENES = 1, 200
DEFAULT_MODEL = "embedded"
DEFAULT_STRUCTURE = "three-act"
STATE_VERSION = 1


@dataclass
class DevelopOptions:
    """What the command line gives; None means "as last time, else the default"."""

    logline: str | None = None
    scenes: int | None = None
    structure: str | None = None
    genre: str | None = None
    language: str | None = None
    style: str | None = None
    model: str | None = None
    temperature: float = 0.7
    seed: int = 0
    max_attempts: int = 3
    redo: str | None = None
    until: str | None = None


@dataclass
class StepReport:
    step: str
    action: str  # written, kept, unchanged, not run
    detail: str = ""

    def line(self, root: Path) -> str:
        return f"{root / (self.step + '.yaml')}: {self.action}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class DevelopResult:
    root: Path
    reports: list[StepReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def story_path(self) -> Path:
        return self.root / "story.yaml"

    def summary(self) -> str:
        lines = [r.line(self.root) for r in self.reports]
        lines += [f"flag: {f}" for f in self.flags]
        lines += [f"warning: {w}" for w in self.warnings]
        if any(r.step == "story" and r.action != "not run" for r in self.reports):
            lines.append(f"next: dsr story check {self.story_path} --strict; dsr write {self.story_path}")
        return "\n".join(lines)


# -- checking the options --------------------------------------------------------------

def check_logline(text: str) -> str:
    logline = " ".join(text.split())
    if not logline:
        raise UserError("the logline is empty; give one or two sentences: who wants what, and what stands in the way")
    count = len(logline.split())
    if count > MAX_LOGLINE_WORDS:
        raise UserError(f"the logline has {count:,} words; the limit is {MAX_LOGLINE_WORDS} (a logline is a sentence "
                        "or two; put a longer synopsis into premise.yaml once it is written)")
    return logline


def check_step_name(option: str, value: str | None) -> str | None:
    if value is not None and value not in STEPS:
        raise UserError(f"{option} {value!r}: steps are {', '.join(STEPS)}")
    return value


def check_options(o: DevelopOptions) -> DevelopOptions:
    if o.logline is not None:
        o = replace(o, logline=check_logline(o.logline))
    if o.scenes is not None and not MIN_SCENES <= o.scenes <= MAX_SCENES:
        raise UserError(f"--scenes must be between {MIN_SCENES} and {MAX_SCENES}, not {o.scenes:,}")
    if o.structure is not None:
        load_structure(o.structure)  # unknown: the list of those that exist
    if o.language is not None:
        try:
            o = replace(o, language=normalize_language(o.language))
        except ValueError as exc:
            raise UserError(f"--language: {exc}") from None
    if not 0.0 <= o.temperature <= 2.0:
        raise UserError(f"--temperature must be between 0 and 2, not {o.temperature}")
    if not 1 <= o.max_attempts <= 10:
        raise UserError(f"--max-attempts must be between 1 and 10, not {o.max_attempts}")
    check_step_name("--redo", o.redo)
    check_step_name("--until", o.until)
    if o.redo and o.until and STEPS.index(o.until) < STEPS.index(o.redo):
        raise UserError(f"--until {o.until} stops before --redo {o.redo}")
    for name in ("genre", "style"):
        value = getattr(o, name)
        if value is not None and len(value.split()) > 80:
            raise UserError(f"--{name} is too long ({len(value.split())} words; at most 80)")
    return o


# -- the directory -----------------------------------------------------------------------

class DevelopDir:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def file(self, step: str) -> Path:
        return self.root / f"{step}.yaml"

    @property
    def state_path(self) -> Path:
        return self.root / "develop.json"

    @property
    def calls_db(self) -> Path:
        return self.root / "calls.sqlite"

    def read(self, step: str) -> str | None:
        try:
            return self.file(step).read_text("utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            raise UserError(f"{self.file(step)}: not UTF-8 text; save it as UTF-8") from None
        except OSError as exc:
            raise UserError(f"{self.file(step)}: cannot read it: {exc.strerror}") from None

    def state(self) -> dict[str, Any]:
        data = read_json(self.state_path)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return {"version": STATE_VERSION, "options": {}, "steps": {}}
        data.setdefault("options", {})
        data.setdefault("steps", {})
        return data

    def save_state(self, state: dict[str, Any]) -> None:
        atomic_write_json(self.state_path, state)

    def keep_take(self, step: str, edited: bool) -> Path | None:
        """Move the step's current file under takes/ before it is drawn again."""
        current = self.file(step)
        if not current.exists():
            return None
        folder = self.root / "takes"
        folder.mkdir(exist_ok=True)
        number = 1
        while any(folder.glob(f"{step}.{number}.*yaml")):
            number += 1
        kept = folder / f"{step}.{number}{'.edited' if edited else ''}.yaml"
        os.replace(current, kept)
        return kept

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One ``dsr develop`` per directory; a lock left by a killed run is taken over."""
        with directory_lock(self.root, "dsr develop", what="develop directory"):
            yield


# -- running the steps --------------------------------------------------------------------

class Developer:
    """One ``dsr develop`` over one directory."""

    def __init__(self, folder: DevelopDir, options: DevelopOptions, backend: ChatModel | None,
                 reporter: Any = None):
        self.dir = folder
        self.options = options
        self.backend = backend
        self.reporter = reporter
        self.model: ChatModel | None = None
        self.state = folder.state()
        self.settings = self._settings()
        self.ctx = Context(logline=self.settings["logline"], language=self.settings["language"] or "en")
        self.result = DevelopResult(folder.root)

    def _settings(self) -> dict[str, Any]:
        stored = self.state["options"]
        given = {k: getattr(self.options, k) for k in ("logline", "scenes", "structure", "genre", "language",
                                                        "style", "model")}
        merged = {k: (v if v is not None else stored.get(k)) for k, v in given.items()}
        merged["structure"] = merged["structure"] or DEFAULT_STRUCTURE
        merged["model"] = merged["model"] or DEFAULT_MODEL
        return merged

    def _params(self, max_tokens: int) -> Params:
        return Params(temperature=self.options.temperature, max_tokens=max_tokens, top_p=0.95,
                      seed=self.options.seed)

    def _chat_model(self) -> ChatModel:
        if self.model is None:
            from dsr.llm.cache import CachedModel
            from dsr.llm.registry import resolve_model

            try:
                self.model = CachedModel(self.backend or resolve_model(self.settings["model"]), self.dir.calls_db)
            except LLMError as exc:
                raise UserError(f"model: {exc}") from None
        return self.model

    def _on_answer(self, stage: str) -> Callable[[Completion], None]:
        def report(completion: Completion) -> None:
            if self.reporter is not None:
                self.reporter.completion(stage, completion)
        return report

    async def _ask(self, step: str, what: str, messages, schema, check, tokens: int, take: int) -> Answer:
        return await ask_valid(self._chat_model(), messages, schema, check, self._params(tokens), step=step,
                               what=what, take=take, attempts=self.options.max_attempts, templates=TEMPLATES,
                               on_answer=self._on_answer(step))

    # -- per step: what it is made from, how it is drawn, how its file is read ----------

    def step_input(self, step: str) -> dict[str, Any]:
        ctx, s = self.ctx, self.settings
        if step == "premise":
            return {"logline": s["logline"], "genre": s["genre"], "language": s["language"], "style": s["style"]}
        if step == "characters":
            return {"premise": ctx.premise.model_dump()}
        if step == "beats":
            structure = load_structure(s["structure"])
            return {"premise": ctx.premise.model_dump(), "characters": _cast_data(ctx.characters),
                    "structure": [vars(b) for b in structure.beats], "structure_name": structure.name}
        return {"premise": ctx.premise.model_dump(), "characters": _cast_data(ctx.characters),
                "beats": ctx.beats.model_dump(), "scenes": self.scene_count()}

    def scene_count(self) -> int:
        if self.settings["scenes"]:
            return int(self.settings["scenes"])
        name = self.ctx.beats.structure if self.ctx.beats and self.ctx.beats.structure in structure_names() \
            else self.settings["structure"]
        return load_structure(name).default_scenes

    def load(self, step: str, text: str) -> Any:
        source = str(self.dir.file(step))
        if step == "premise":
            return docs.load_premise(text, source)
        if step == "characters":
            return docs.load_characters(text, source)
        if step == "beats":
            return docs.load_beats(text, source)
        return load_story_text(text, "yaml", source)

    def apply(self, step: str, value: Any) -> None:
        if step == "premise":
            self.ctx.premise = value
        elif step == "characters":
            self.ctx.characters = value
        elif step == "beats":
            self.ctx.beats = value

    def edits(self, step: str, written: Any, value: Any) -> list[str]:
        if step == "premise":
            return premise_edits(written, value)
        if step == "characters":
            return characters_edits(written, value)
        if step == "beats":
            return beats_edits(written, value)
        return []

    async def draw(self, step: str, take: int) -> tuple[Any, str, dict[str, Any]]:
        """Ask for the step; returns (value, file text, record details)."""
        if step == "story":
            return await self.draw_story(take)
        if self.reporter is not None:
            self.reporter.start(step, 1)
        drawn = await self._draw_one(step, take)
        if self.reporter is not None:
            self.reporter.item_done(step, 0, False)
        return drawn

    async def _draw_one(self, step: str, take: int) -> tuple[Any, str, dict[str, Any]]:
        if step == "premise":
            s = self.settings
            given = PremiseGiven(genre=s["genre"] or "", language=s["language"] or "en", style=s["style"] or "")
            answer = await self._ask(step, "premise", premise_messages(self.ctx, given),
                                     premise_schema(word_style(given.language)),
                                     lambda d: check_premise(d, self.ctx.logline, given), PREMISE_TOKENS, take)
            return answer.value, docs.premise_text(answer.value), _details(answer)
        if step == "characters":
            answer = await self._ask(step, "cast", characters_messages(self.ctx), characters_schema(self.ctx.words),
                                     check_characters, CHARACTERS_TOKENS, take)
            return answer.value, docs.characters_text(answer.value), _details(answer)
        if step == "beats":
            structure = load_structure(self.settings["structure"])
            answer = await self._ask(step, "beat sheet", beats_messages(self.ctx, structure),
                                     beats_schema(structure, self.ctx.words), lambda d: check_beats(d, structure),
                                     TOKENS_PER_BEAT * len(structure.beats) + 100, take)
            return answer.value, docs.beats_text(answer.value), _details(answer)
        raise ValueError(step)

    async def draw_story(self, take: int) -> tuple[Story, str, dict[str, Any]]:
        ctx, total = self.ctx, self.scene_count()
        cast = ctx.characters
        names = [c.name for c in cast]
        planned: list[PlannedScene] = []
        details: dict[str, Any] = {"attempts": [], "rejected": [], "notes": [], "flags": []}
        if self.reporter is not None:
            self.reporter.start("story", total)
        for part in plan_parts(ctx.beats, total):
            earlier = [p.scene for p in planned]
            what = f"scenes {part.first + 1}-{part.first + part.count}" if part.count > 1 else f"scene {part.first + 1}"
            answer = await self._ask(
                "story", f"{what} (beat: {', '.join(ctx.beats.beats[b].name for b in part.beats)})",
                scenes_messages(ctx, part, total, earlier), scenes_schema(part.count, names, ctx.words),
                lambda d, part=part, earlier=earlier: check_scenes(d, part.count, cast, earlier),
                TOKENS_PER_SCENE * part.count + 100, take)
            weak = [f"kept with a weakness no answer was free of: {flag}" for flag in answer.flags]
            planned.extend(PlannedScene(scene, part.beats, weak if n == 0 else [])
                           for n, scene in enumerate(answer.value))
            details["flags"].extend(f"{what}: {flag}" for flag in weak)
            details["attempts"].append(answer.attempts)
            details["rejected"].extend(answer.rejected)
            details["notes"].extend(answer.notes)
            if self.reporter is not None:
                for n in range(part.count):
                    self.reporter.item_done("story", part.first + n, False)
        details["flags"].extend(complete_story(planned, ctx.beats, cast))
        p = ctx.premise
        story = Story(title=p.title, logline=p.logline, genre=p.genre, language=p.language, style=p.style,
                      characters=cast, scenes=[item.scene for item in planned])
        text = story_text(story, planned, ctx.beats)
        checked = load_story_text(text, "yaml", str(self.dir.file("story")))  # what dsr write will read
        details["attempts"] = sum(details["attempts"])
        return checked, text, details

    # -- the run -----------------------------------------------------------------------

    async def run(self) -> DevelopResult:
        steps = self.state["steps"]
        # Remembered before any step: a run that fails or is killed resumes with its own logline and
        # options (they are part of every step's input hash), from the terminal or the writers' room.
        self._save_options()
        for step in STEPS:
            text = self.dir.read(step)
            record = steps.get(step)
            edited = text is not None and (record is None or record.get("file_hash") != sha256_hex(text))
            value = self.load(step, text) if text is not None else None
            if step == "premise":
                self.ctx.logline = self.settings["logline"] or ""
                if value is not None and not self.options.logline and (edited or not self.ctx.logline):
                    self.ctx.logline = value.logline  # the writer's logline in premise.yaml: draw from it
                if not self.ctx.logline:
                    raise UserError("give a LOGLINE (or --logline-file FILE) to start a new develop directory")
            if edited:
                self.ctx.edits[f"{step}.yaml"] = self.edits(step, (record or {}).get("written"), value)
            take = (record or {}).get("take", 0)
            input_hash = hash_of({"step": step, "input": self.step_input(step), "take": take})
            if self.options.redo == step:
                value = await self._write(step, take + 1, edited)
                self.result.reports.append(StepReport(
                    step, "written", f"take {take + 2}; the one before is kept under takes/"))
            elif text is None:
                value = await self._write(step, take, False)
                self.result.reports.append(StepReport(step, "written", self._detail(step)))
            elif edited:
                detail = "edited by hand"
                if record is not None and record.get("input_hash") != input_hash:
                    detail += (f", although what it was made from changed: --redo {step} draws it again "
                               "(your version is then kept under takes/)")
                self.result.reports.append(StepReport(step, "kept", detail))
                if step == "story":
                    self.result.warnings.extend(story_warnings(value))
            elif record is not None and record.get("input_hash") == input_hash:
                self.result.reports.append(StepReport(step, "unchanged"))
            else:
                value = await self._write(step, take, False)
                self.result.reports.append(StepReport(step, "written", self._detail(step, "what it is made from changed")))
            self.apply(step, value)
            if self.options.until == step:
                self.result.reports.extend(
                    StepReport(s, "not run", f"--until {step}" + ("; the file there was not brought up to date"
                                                                  if self.dir.file(s).exists() else ""))
                    for s in STEPS[STEPS.index(step) + 1:])
                break
        self._save_options()
        return self.result

    def _detail(self, step: str, why: str = "") -> str:
        record = self.state["steps"][step]
        attempts = record.get("attempts", 1)
        parts = [why] if why else []
        parts.append(f"{attempts} answer{'s' if attempts != 1 else ''}" if step != "story"
                     else f"{record.get('scenes', 0)} scenes, {attempts} answers")
        if record.get("flags"):
            parts.append(f"{len(record['flags'])} flagged")
        return "; ".join(parts)

    async def _write(self, step: str, take: int, edited: bool) -> Any:
        input_hash = hash_of({"step": step, "input": self.step_input(step), "take": take})
        value, text, details = await self.draw(step, take)
        self.dir.keep_take(step, edited)
        atomic_write_text(self.dir.file(step), text)
        record = {
            "input_hash": input_hash,
            "file_hash": sha256_hex(text),
            "take": take,
            "model": self._chat_model().spec,
            "prompt_version": TEMPLATES.version,
            "attempts": details.get("attempts"),
            "rejected": details.get("rejected", []),
            "notes": details.get("notes", []),
            "flags": details.get("flags", []),
            "written": _written(step, value),
        }
        self.result.flags.extend(f"{step}.yaml: {flag}" for flag in record["flags"])
        if step == "story":
            record["scenes"] = len(value.scenes)
            self.result.warnings.extend(story_warnings(value))
        self.state["steps"][step] = record
        # A step redrawn makes the later steps' records stale; their hashes say so.
        self.ctx.edits.pop(f"{step}.yaml", None)
        self.dir.save_state(self.state)
        return value

    def _save_options(self) -> None:
        self.state["options"] = {k: v for k, v in self.settings.items() if v is not None}
        self.dir.save_state(self.state)

    def close(self) -> None:
        close = getattr(self.model, "close", None)
        if close is not None:
            close()


def _cast_data(characters) -> list[dict[str, Any]]:
    return [docs.character_data(c) for c in characters]


def _written(step: str, value: Any) -> Any:
    if step == "characters":
        return _cast_data(value)
    if step == "story":
        return None  # nothing reads it back: the story file itself is the record
    return value.model_dump()


def _details(answer: Answer) -> dict[str, Any]:
    return {"attempts": answer.attempts, "rejected": answer.rejected, "notes": answer.notes,
            "flags": [f"kept with a weakness no answer was free of: {flag}" for flag in answer.flags]}


def develop(root: Path | str, options: DevelopOptions, backend: ChatModel | None = None,
            reporter: Any = None) -> DevelopResult:
    """Run ``dsr develop``. ``backend`` replaces the model spec (tests pass a scripted model)."""
    options = check_options(options)
    folder = DevelopDir(root)
    with folder.lock():
        developer = Developer(folder, options, backend, reporter)
        try:
            return asyncio.run(developer.run())
        finally:
            developer.close()
