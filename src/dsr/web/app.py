"""The writers' room: an ASGI app (Starlette) over run directories.

JSON API under ``/api``, the page itself as static files (``static/``: plain
HTML, CSS and a little JavaScript; nothing from the internet). Every run is
a directory under the runs directory, made and used exactly as ``dsr write``
makes and uses it; the app keeps no state of its own apart from the jobs
running now, so runs survive a restart and the terminal and the page can
take turns on one run.

Safety: nothing the browser sends becomes a path (run ids are plain names
checked against the runs directory, see ``runs.run_path``); bodies are read
up to a limit; with a token every request but the page shell and the login
carries it (a session cookie set by ``/api/login``, or ``Authorization:
Bearer``); requests whose Host is not the server's own (DNS rebinding) or
that come from another origin are refused; model specs go out with
``redact`` applied and never a key (specs name key variables, not keys).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import time
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dsr.errors import UserError
from dsr.files import atomic_write_text, read_json, sha256_hex
from dsr.llm.base import ChatModel
from dsr.llm.specs import redact
from dsr.locks import lock_holder
from dsr.pipeline import edit
from dsr.pipeline.run import RunDir
from dsr.pipeline.settings import Settings
from dsr.pipeline.write import write_story
from dsr.screenplay.export.html import stylesheet
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.story.loader import FORMATS
from dsr.web import runs as runs_mod
from dsr.web import stories
from dsr.web.jobs import JobBusy, Jobs
from dsr.web.pages import pages_html
from dsr.web.runs import NotFound, outline_scenes, run_path, scene_signature, scene_view, story_path

MAX_BODY_BYTES = 2 * 1024 * 1024  # a story upload or an edit; a 500-scene outline is about 0.3 MiB
COOKIE = "dsr_session"
EVENT_POLL_S = 0.1
NO_VALID_ANSWER = re.compile(r"^step \w+: no valid ")  # develop's 'no answer passed' (asking.ask_valid)
KEEPALIVE_S = 15.0
STATIC = files("dsr.web").joinpath("static")
EXAMPLES = files("dsr.web").joinpath("examples")


@dataclass
class Config:
    runs_dir: Path
    token: str | None = None
    models: dict[str, str] = field(default_factory=lambda: {"embedded": "embedded"})  # name -> spec
    backend_for: Callable[[str], ChatModel] | None = None  # spec -> backend (tests: scripted models)
    settings: dict = field(default_factory=dict)  # write options for new runs (Settings fields)
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")
    check_host: bool = True


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def _status_of(exc: UserError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, JobBusy) or exc.exit_code == 3:
        return 409
    if exc.exit_code == 5:
        return 409  # changed since you opened it
    if exc.exit_code == 4:
        return 404
    return 422


def create_app(config: Config) -> Starlette:
    config.runs_dir = Path(config.runs_dir)
    config.runs_dir.mkdir(parents=True, exist_ok=True)
    runs_root = str(config.runs_dir.resolve())
    jobs = Jobs(tidy=lambda text: text.replace(runs_root + "/", "").replace(str(config.runs_dir) + "/", ""))
    session_value = sha256_hex(f"dsr-serve-session:{config.token}") if config.token else None

    # ------------------------------------------------------------ helpers
    def api(handler):
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return JSONResponse({"error": exc.message, **exc.extra}, status_code=exc.status)
            except stories.InvalidStory as exc:
                return JSONResponse({"error": str(exc), "findings": exc.findings}, status_code=422)
            except UserError as exc:
                return JSONResponse({"error": str(exc)}, status_code=_status_of(exc))
        return wrapped

    async def body_bytes(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
        declared = request.headers.get("content-length")
        too_big = ApiError(413, f"the upload is too large: limit {limit // 1024 // 1024} MiB")
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    async def body_json(request: Request) -> dict:
        raw = await body_bytes(request)
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "the request body is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return data

    def run_dir_of(request: Request) -> Path:
        return run_path(config.runs_dir, request.path_params["run_id"])

    def scene_number(request: Request, run_dir: Path) -> int:
        raw = request.path_params["n"]
        count = len(outline_scenes(run_dir))
        if not raw.isdigit() or not 1 <= int(raw) <= count:
            raise NotFound(f"no scene {raw} in {run_dir.name}: it has scenes 1 to {count}")
        return int(raw)

    def models_public() -> list[dict]:
        return [{"name": name, "spec": redact(spec.partition("#")[0])} for name, spec in config.models.items()]

    def spec_of(name: str | None, default: str) -> str:
        if not name:
            return default
        if name not in config.models:
            raise ApiError(422, f"unknown model {name!r}; configured: {', '.join(config.models)}")
        return config.models[name]

    def backends(settings: Settings) -> dict[str, ChatModel] | None:
        if config.backend_for is None:
            return None
        return {"stage1": config.backend_for(settings.stage1_model), "stage2": config.backend_for(settings.stage2_model)}

    def model_name(spec: str | None) -> str | None:
        for name, known in config.models.items():
            if known == spec:
                return name
        return None

    def settings_for(run_dir: Path, data: dict) -> Settings:
        base = edit.run_settings(run_dir) if (run_dir / "manifest.json").exists() else Settings(**config.settings)
        changes = {}
        if data.get("stage1_model"):
            changes["stage1_model"] = spec_of(data.get("stage1_model"), base.stage1_model)
        if data.get("stage2_model"):
            changes["stage2_model"] = spec_of(data.get("stage2_model"), base.stage2_model)
        for spec in (changes.get("stage1_model", base.stage1_model), changes.get("stage2_model", base.stage2_model)):
            if spec not in config.models.values():
                # The run was written with a model this server does not offer: use the first configured one.
                changes.update(stage1_model=next(iter(config.models.values())),
                               stage2_model=next(iter(config.models.values())))
                break
        return replace(base, **changes).check()

    def refuse_if_busy(run_id: str, run_dir: Path) -> None:
        if jobs.running(run_id):
            job = jobs.get(run_id)
            raise JobBusy(f"{run_id} is already being written ({job.kind}); wait for it to finish")
        pid = edit.in_use_by(run_dir)
        if pid is not None:
            raise JobBusy(f"{run_id} is being written by another dsr (pid {pid}); wait for it to finish")

    def develop_status(run_dir: Path) -> dict | None:
        """Where a run started from a logline stands before it has its story
        (None after): the folder's steps, and what this server's job says."""
        status = runs_mod.develop_status(run_dir)
        if status is None:
            return None
        status["model"] = model_name(runs_mod.develop_options(run_dir).get("model"))  # a name, never a spec
        job = jobs.get(run_dir.name)
        if job is not None and job.kind == "develop" and job.state != "done" and status["state"] != "developing":
            status["state"] = "developing" if job.state == "running" else "failed"
            status["error"] = (job.error or "").strip().splitlines()[0] if job.error else None
        # No answer passed (rather than a call that failed): the same model answers the same from the
        # cache, so developing again should draw the failed step anew.
        status["new_draws"] = bool(status["error"] and NO_VALID_ANSWER.match(status["error"]))
        return status

    def refuse_while_developing(run_dir: Path, what: str) -> None:
        status = develop_status(run_dir)
        if status is not None and status["state"] == "developing":
            raise JobBusy(f"{run_dir.name} is still being developed from its logline; {what} once its story is written")

    # ------------------------------------------------------------ pages and session
    async def index(request: Request) -> Response:
        return FileResponse(str(STATIC.joinpath("index.html")), headers={"Cache-Control": "no-store"})

    async def screenplay_css(request: Request) -> Response:
        return Response(stylesheet(), media_type="text/css")

    async def login(request: Request) -> Response:
        data = await body_json(request)
        if not config.token:
            return JSONResponse({"ok": True, "token_needed": False})
        given = str(data.get("token") or "")
        if not hmac.compare_digest(given.encode(), config.token.encode()):
            await asyncio.sleep(0.5)  # slows guessing down
            raise ApiError(401, "wrong token")
        response = JSONResponse({"ok": True})
        response.set_cookie(COOKIE, session_value, httponly=True, samesite="strict", path="/")
        return response

    async def session(request: Request) -> Response:
        return JSONResponse({"token_needed": bool(config.token), "models": models_public(),
                             "runs_dir": config.runs_dir.name})

    # ------------------------------------------------------------ stories
    async def examples(request: Request) -> Response:
        names = sorted(p.name for p in EXAMPLES.iterdir() if p.name.endswith(".yaml"))
        return JSONResponse({"examples": [{"name": n, "title": _title_of(EXAMPLES.joinpath(n).read_text("utf-8"))}
                                          for n in names]})

    async def example(request: Request) -> Response:
        name = request.path_params["name"]
        names = {p.name for p in EXAMPLES.iterdir() if p.name.endswith(".yaml")}
        if name not in names:
            raise NotFound(f"no example {name!r}; examples: {', '.join(sorted(names))}")
        text = EXAMPLES.joinpath(name).read_text("utf-8")
        story, findings = stories.check(text, "yaml", name)
        return JSONResponse({"story": story, "findings": findings})

    async def check_story(request: Request) -> Response:
        data = await body_json(request)
        story, findings = stories.check(stories.to_yaml(data.get("story") or {}), "yaml", "story")
        return JSONResponse({"valid": story is not None, "findings": findings})

    async def create_run(request: Request) -> Response:
        """A new run directory from a story the page built (or an example)."""
        data = await body_json(request)
        story = data.get("story")
        if not isinstance(story, dict):
            raise ApiError(400, "send {\"story\": {...}}")
        text = stories.to_yaml(story)
        normalised, findings = stories.check(text, "yaml", "story")
        if normalised is None:
            raise stories.InvalidStory(findings)
        run_id = runs_mod.new_run_id(config.runs_dir, normalised["title"])
        run_dir = run_path(config.runs_dir, run_id, must_exist=False)
        atomic_write_text(run_dir / "input" / f"{run_id}.yaml", text)
        return JSONResponse({"id": run_id, **stories.read_story(run_dir / "input" / f"{run_id}.yaml")}, status_code=201)

    async def import_story(request: Request) -> Response:
        """A story file uploaded as the request body; ``?name=`` its file name (for the format)."""
        raw = await body_bytes(request)
        name = Path(request.query_params.get("name") or "story.yaml").name
        suffix = Path(name).suffix.lower()
        fmt = FORMATS.get(suffix)
        if fmt is None:
            raise ApiError(422, f"{name}: not a story file; use .yaml, .yml, .json or .md")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(422, f"{name}: not UTF-8 text; save the file as UTF-8") from None
        normalised, findings = stories.check(text, fmt, name)
        if normalised is None:
            return JSONResponse({"error": f"{name}: not imported: the story has problems",
                                 "findings": findings, "story": stories.raw_data(text, fmt, name)}, status_code=422)
        run_id = runs_mod.new_run_id(config.runs_dir, normalised["title"])
        run_dir = run_path(config.runs_dir, run_id, must_exist=False)
        atomic_write_text(run_dir / "input" / f"{runs_mod.slug(Path(name).stem)}{suffix}", text)
        return JSONResponse({"id": run_id}, status_code=201)

    # ------------------------------------------------------------ from a logline (dsr develop)
    async def structures(request: Request) -> Response:
        from dsr.develop.structures import load_structure, structure_names

        listed = [load_structure(name) for name in structure_names()]
        return JSONResponse({"structures": [{"name": s.name, "description": s.description, "beats": len(s.beats),
                                             "default_scenes": s.default_scenes} for s in listed]})

    async def develop_run(request: Request) -> Response:
        """A new run from a logline: ``dsr develop``'s four steps as a job in
        RUN/develop/; its story.yaml becomes the run's story when they pass."""
        from dsr.develop.project import DevelopOptions, check_options

        data = await body_json(request)
        scenes = data.get("scenes")
        if scenes not in (None, "") and (isinstance(scenes, bool) or not isinstance(scenes, int)):
            raise ApiError(422, "scenes must be a whole number")
        spec = spec_of(data.get("model"), next(iter(config.models.values())))
        options = check_options(DevelopOptions(
            logline=str(data.get("logline") or ""), scenes=scenes or None, structure=data.get("structure") or None,
            genre=data.get("genre") or None, language=data.get("language") or None, model=spec))
        run_id = runs_mod.new_run_id(config.runs_dir, " ".join(options.logline.split()[:6]))
        run_dir = run_path(config.runs_dir, run_id, must_exist=False)
        run_dir.mkdir(parents=True)
        (run_dir / runs_mod.DEVELOP).mkdir()  # a run from now on: listed, whatever becomes of develop
        job = jobs.start(run_id, "develop", develop_work(run_dir, options))
        return JSONResponse({"id": run_id, "job": job.to_dict()}, status_code=202)

    def develop_work(run_dir: Path, options) -> Callable[[], object]:
        """dsr develop into RUN/develop/; its story.yaml becomes the run's story when all steps pass."""
        from dsr.develop.project import develop

        backend = config.backend_for(options.model) if config.backend_for and options.model else None

        def work():
            result = develop(run_dir / runs_mod.DEVELOP, options, backend)
            atomic_write_text(run_dir / "input" / f"{run_dir.name}.yaml", result.story_path.read_text("utf-8"))
            return _Done(result.summary())
        return work

    async def develop_again(request: Request) -> Response:
        """Develop a run whose develop failed or did not finish once more: the
        steps done are kept (develop's hash rule), the rest are drawn, with the
        model chosen now (``model``) or the one it was started with;
        ``new_draws``: the first step not done is drawn anew (develop's
        ``--redo``), where a re-run would get the cached answers again."""
        from dsr.develop.project import DevelopOptions, check_options

        run_dir = run_dir_of(request)
        data = await body_json(request)
        if story_path(run_dir) is not None:
            raise ApiError(409, f"{run_dir.name} already has its story; edit it in the story editor")
        status = develop_status(run_dir)
        if status is None:
            raise NotFound(f"{run_dir.name} was not started from a logline; there is nothing to develop")
        refuse_if_busy(run_dir.name, run_dir)
        holder = lock_holder(run_dir / runs_mod.DEVELOP)
        if holder is not None and holder != os.getpid():
            raise JobBusy(f"{run_dir.name} is being developed by another dsr (pid {holder}); wait for it to finish")
        remembered = runs_mod.develop_options(run_dir)
        if not remembered.get("logline") and not status["steps"][0]["done"]:
            raise ApiError(422, f"{run_dir.name}'s logline was not recorded; start a new run from the logline")
        if data.get("model"):
            spec = spec_of(data.get("model"), "")
        elif remembered.get("model") in config.models.values():
            spec = remembered["model"]
        else:
            spec = next(iter(config.models.values()))
        redo = next((s["step"] for s in status["steps"] if not s["done"]), None) if data.get("new_draws") else None
        options = check_options(DevelopOptions(model=spec, redo=redo))  # the logline and the rest: as remembered
        job = jobs.start(run_dir.name, "develop", develop_work(run_dir, options))
        return JSONResponse({"id": run_dir.name, "job": job.to_dict()}, status_code=202)

    async def develop_state(request: Request) -> Response:
        run_dir = run_dir_of(request)
        job = jobs.get(run_dir.name)
        status = develop_status(run_dir)
        return JSONResponse({"steps": status["steps"] if status else runs_mod.develop_steps(run_dir),
                             "status": status, "job": job.to_dict() if job else None})

    async def get_story(request: Request) -> Response:
        run_dir = run_dir_of(request)
        path = story_path(run_dir)
        if path is None:
            if develop_status(run_dir) is not None:
                raise NotFound(f"{run_dir.name} has no story yet: its develop from the logline has not finished; "
                               "open the run to see its steps")
            raise NotFound(f"{run_dir.name} has no story file in input/")
        return JSONResponse({"id": run_dir.name, **stories.read_story(path)})

    async def put_story(request: Request) -> Response:
        run_dir = run_dir_of(request)
        data = await body_json(request)
        refuse_while_developing(run_dir, "edit the story")  # develop would write over it
        path = story_path(run_dir) or run_dir / "input" / f"{run_dir.name}.yaml"
        _target, saved = stories.save_story(path, data.get("story"), data.get("base_version"))
        return JSONResponse({"id": run_dir.name, **saved})

    # ------------------------------------------------------------ runs
    async def list_runs(request: Request) -> Response:
        listed = runs_mod.list_runs(config.runs_dir)
        for run in listed:
            job = jobs.get(run["id"])
            run["job"] = job.to_dict() if job else None
            if run["develop"] is not None:
                run["develop"] = develop_status(config.runs_dir / run["id"])
        return JSONResponse({"runs": listed})

    async def get_run(request: Request) -> Response:
        run_dir = run_dir_of(request)
        outline = outline_scenes(run_dir)
        manifest = read_json(run_dir / "manifest.json") or {}
        job = jobs.get(run_dir.name)
        with_html = request.query_params.get("html") != "0"
        continuity = runs_mod.continuity_findings(run_dir)
        scenes = [scene_view(run_dir, i, scene, with_html=with_html, continuity=continuity)
                  for i, scene in enumerate(outline)]
        path = story_path(run_dir)
        return JSONResponse({
            "id": run_dir.name,
            "title": runs_mod.run_title(run_dir) or runs_mod.develop_title(run_dir) or run_dir.name,
            "summary": runs_mod.summary(config.runs_dir, run_dir),
            "story_file": path.name if path else None,
            "settings": {"stage1_model": model_name((manifest.get("models") or {}).get("stage1")),
                         "stage2_model": model_name((manifest.get("models") or {}).get("stage2"))},
            "warnings": manifest.get("warnings") or [],
            "outputs": {name: (run_dir / "screenplay.fountain").exists() for name in ("fountain", "pdf", "fdx")},
            "job": job.to_dict() if job else None,
            "develop": develop_status(run_dir),
            "scenes": scenes,
        })

    async def get_scene(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        return JSONResponse(scene_view(run_dir, n - 1, outline_scenes(run_dir)[n - 1]))

    async def get_take(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        raw = request.path_params["take"]
        if not raw.isdigit():
            raise NotFound(f"no take {raw!r}")
        take = edit.read_take(run_dir, n - 1, int(raw))
        take["screenplay_html"] = runs_mod.scene_html(take["screenplay"]) if take["screenplay"] else None
        take.pop("meta", None)
        return JSONResponse(take)

    def start(run_dir: Path, kind: str, work: Callable[[], object], scene: int | None = None) -> Response:
        refuse_if_busy(run_dir.name, run_dir)
        job = jobs.start(run_dir.name, kind, work, scene)
        return JSONResponse({"job": job.to_dict()}, status_code=202)

    async def write_run(request: Request) -> Response:
        run_dir = run_dir_of(request)
        data = await body_json(request)
        path = story_path(run_dir)
        if path is None:
            refuse_while_developing(run_dir, "write it")
            status = develop_status(run_dir)
            if status is not None:
                raise ApiError(409, f"{run_dir.name} has no story to write: its develop from the logline did not "
                                    "finish; develop it again, then write")
            raise NotFound(f"{run_dir.name} has no story to write; save the story first")
        stories_ok, findings = stories.check(path.read_text("utf-8"), FORMATS[path.suffix.lower()], path.name)
        if stories_ok is None:
            raise stories.InvalidStory(findings)
        settings = settings_for(run_dir, data)
        return start(run_dir, "write", lambda: write_story(path, run_dir, settings, None, backends(settings)))

    async def put_prose(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        data = await body_json(request)
        prose = data.get("prose")
        if not isinstance(prose, str):
            raise ApiError(400, "send {\"prose\": \"...\", \"base_version\": \"...\"}")
        settings = settings_for(run_dir, data)
        refuse_if_busy(run_dir.name, run_dir)
        # Check the version now, so a stale edit is refused before any work starts.
        edit.check_version(edit_read(run_dir, n, "prose.md"), data.get("base_version"), f"scene {n}'s prose")
        return start(run_dir, "reconvert", lambda: edit.reconvert_scene(
            run_dir, n, prose, settings, data.get("base_version"), backends(settings)), n)

    async def put_screenplay(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        data = await body_json(request)
        text = data.get("screenplay")
        if not isinstance(text, str):
            raise ApiError(400, "send {\"screenplay\": \"...\", \"base_version\": \"...\"}")
        refuse_if_busy(run_dir.name, run_dir)
        edit.check_version(edit_read(run_dir, n, "screenplay.fountain"), data.get("base_version"),
                           f"scene {n}'s screenplay")
        try:
            edit.check_scene_text(text, n)
        except UserError as exc:
            fountain = text.replace("\r\n", "\n")
            findings = [f.to_dict() for f in validate(parse(fountain), fountain)]
            raise ApiError(422, str(exc), findings=findings) from None
        settings = settings_for(run_dir, {})
        return start(run_dir, "save", lambda: edit.save_screenplay_scene(
            run_dir, n, text, settings, data.get("base_version"), backends(settings)), n)

    async def redraw(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        data = await body_json(request)
        settings = settings_for(run_dir, data)
        return start(run_dir, "redraw", lambda: edit.redraw_scene(run_dir, n, settings, backends(settings)), n)

    async def choose_take(request: Request) -> Response:
        run_dir = run_dir_of(request)
        n = scene_number(request, run_dir)
        data = await body_json(request)
        take = data.get("take")
        if not isinstance(take, int) or take not in edit.list_takes(run_dir, n - 1):
            raise NotFound(f"scene {n} has no take {take!r}; takes: {edit.list_takes(run_dir, n - 1)}")
        settings = settings_for(run_dir, {})
        return start(run_dir, "take", lambda: edit.choose_take(run_dir, n, take, settings, backends(settings)), n)

    async def get_job(request: Request) -> Response:
        run_dir = run_dir_of(request)
        job = jobs.get(run_dir.name)
        return JSONResponse({"job": job.to_dict() if job else None})

    async def pages(request: Request) -> Response:
        run_dir = run_dir_of(request)
        fountain = run_dir / "screenplay.fountain"
        if not fountain.exists() or not runs_mod.contained(run_dir, fountain):
            raise NotFound(f"{run_dir.name} has no screenplay yet; write it first")
        paper = edit.run_settings(run_dir).paper if (run_dir / "manifest.json").exists() else "letter"
        html, count = pages_html(parse(fountain.read_text("utf-8")), paper)
        return JSONResponse({"html": html, "pages": count})

    async def download(request: Request) -> Response:
        run_dir = run_dir_of(request)
        fmt = request.path_params["fmt"]
        fountain = run_dir / "screenplay.fountain"
        stem = runs_mod.slug((read_json(run_dir / "story.json") or {}).get("title") or run_dir.name)
        if fmt not in ("fountain", "pdf", "fdx"):
            raise NotFound(f"no download {fmt!r}; there are fountain, pdf and fdx")
        if not fountain.exists() or not runs_mod.contained(run_dir, fountain):
            raise NotFound(f"{run_dir.name} has no screenplay yet; write it first")
        disposition = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
        if fmt == "fountain":
            return Response(fountain.read_bytes(), media_type="text/plain; charset=utf-8", headers=disposition)
        if fmt == "pdf":
            pdf = run_dir / "screenplay.pdf"
            if not pdf.exists() or not runs_mod.contained(run_dir, pdf) or pdf.stat().st_mtime < fountain.stat().st_mtime:
                pdf_bytes = await asyncio.to_thread(_pdf_bytes, fountain, run_dir)
                return Response(pdf_bytes, media_type="application/pdf", headers=disposition)
            return Response(pdf.read_bytes(), media_type="application/pdf", headers=disposition)
        from dsr.screenplay.export.fdx import to_fdx

        return Response(to_fdx(parse(fountain.read_text("utf-8"))), media_type="application/xml", headers=disposition)

    # ------------------------------------------------------------ live progress
    async def events(request: Request) -> Response:
        """Server-sent events: ``sigs`` once (every scene's signature, so the
        page fetches what it lacks), then ``scene`` with the whole scene when
        one changes on disk, and ``job`` when the run's job changes."""
        run_dir = run_dir_of(request)

        async def stream():
            sent: dict[int, str] = {}
            last_job = None
            last_beat = time.monotonic()
            count = len(outline_scenes(run_dir))
            sigs = {i: scene_signature(run_dir, i) for i in range(count)}
            sent.update(sigs)
            yield _event("sigs", {str(i + 1): s for i, s in sigs.items()})
            outline, outline_stamp = None, None
            while True:
                if await request.is_disconnected():
                    return
                stamp = _stamp(run_dir / "story.json")
                if outline is None or stamp != outline_stamp:  # re-read only when it changed
                    outline, outline_stamp = outline_scenes(run_dir), stamp
                for i in range(len(outline)):
                    sig = scene_signature(run_dir, i)
                    if sent.get(i) != sig:
                        sent[i] = sig
                        view = await asyncio.to_thread(scene_view, run_dir, i, outline[i])
                        yield _event("scene", view)
                job = jobs.get(run_dir.name)
                state = job.to_dict() if job else None
                if state != last_job:
                    last_job = state
                    yield _event("job", {"job": state})
                if time.monotonic() - last_beat > KEEPALIVE_S:
                    last_beat = time.monotonic()
                    yield ": keep-alive\n\n"
                await asyncio.sleep(EVENT_POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def not_found(request: Request) -> Response:
        raise NotFound(f"no such page: {request.url.path}")

    def edit_read(run_dir: Path, n: int, name: str) -> str | None:
        try:
            return (RunDir(run_dir).scene_dir(n - 1) / name).read_text("utf-8")
        except OSError:
            return None

    routes = [
        Route("/", index),
        Route("/screenplay.css", screenplay_css),
        Route("/api/login", api(login), methods=["POST"]),
        Route("/api/session", api(session)),
        Route("/api/examples", api(examples)),
        Route("/api/examples/{name}", api(example)),
        Route("/api/check", api(check_story), methods=["POST"]),
        Route("/api/runs", api(list_runs)),
        Route("/api/runs", api(create_run), methods=["POST"]),
        Route("/api/import", api(import_story), methods=["POST"]),
        Route("/api/structures", api(structures)),
        Route("/api/develop", api(develop_run), methods=["POST"]),
        Route("/api/runs/{run_id}/develop", api(develop_state)),
        Route("/api/runs/{run_id}/develop", api(develop_again), methods=["POST"]),
        Route("/api/runs/{run_id}", api(get_run)),
        Route("/api/runs/{run_id}/story", api(get_story)),
        Route("/api/runs/{run_id}/story", api(put_story), methods=["PUT"]),
        Route("/api/runs/{run_id}/write", api(write_run), methods=["POST"]),
        Route("/api/runs/{run_id}/job", api(get_job)),
        Route("/api/runs/{run_id}/events", api(events)),
        Route("/api/runs/{run_id}/pages", api(pages)),
        Route("/api/runs/{run_id}/download/{fmt}", api(download)),
        Route("/api/runs/{run_id}/scenes/{n}", api(get_scene)),
        Route("/api/runs/{run_id}/scenes/{n}/prose", api(put_prose), methods=["PUT"]),
        Route("/api/runs/{run_id}/scenes/{n}/screenplay", api(put_screenplay), methods=["PUT"]),
        Route("/api/runs/{run_id}/scenes/{n}/redraw", api(redraw), methods=["POST"]),
        Route("/api/runs/{run_id}/scenes/{n}/take", api(choose_take), methods=["POST"]),
        Route("/api/runs/{run_id}/scenes/{n}/takes/{take}", api(get_take)),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        Route("/{path:path}", api(not_found), methods=["GET", "POST", "PUT", "DELETE"]),
    ]
    # Compressed answers: a 120-scene run is about 0.9 MiB of JSON, a seventh of that gzipped.
    app = Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=4096, compresslevel=5)])
    app.state.jobs = jobs
    app.state.config = config
    return Guard(app, config, session_value)


class Guard:
    """ASGI middleware: Host and Origin checks, and the token."""

    OPEN_PATHS = ("/", "/api/login", "/screenplay.css")

    def __init__(self, app: Starlette, config: Config, session_value: str | None):
        self.app, self.config, self.session_value = app, config, session_value
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self.refuse(scope, headers)
        if refusal is not None:
            status, message = refusal
            response = JSONResponse({"error": message}, status_code=status)
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def refuse(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        if self.config.check_host and not self.config.token and hostname not in self.config.allowed_hosts:
            # Loopback without a token: a page elsewhere could point a DNS name at us.
            return 403, f"this server answers requests for {', '.join(self.config.allowed_hosts[:2])} only"
        origin = headers.get("origin")
        if origin and scope["method"] not in ("GET", "HEAD") and urlsplit(origin).netloc != host:
            return 403, "requests from other sites are refused"
        if self.session_value is None:
            return None
        path = scope["path"]
        if path in self.OPEN_PATHS or path.startswith("/static/"):
            return None
        cookie = _cookie(headers.get("cookie", ""), COOKIE)
        bearer = headers.get("authorization", "")
        token = bearer[7:] if bearer.lower().startswith("bearer ") else None
        if cookie and hmac.compare_digest(cookie, self.session_value):
            return None
        if token and self.config.token and hmac.compare_digest(token.encode(), self.config.token.encode()):
            return None
        return 401, "this server needs its token: enter it on the page, or send Authorization: Bearer TOKEN"


@dataclass
class _Done:
    summary: str  # what a finished job shows


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _event(name: str, data) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _title_of(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("title:"):
            return line.partition(":")[2].strip()
    return ""


def _pdf_bytes(fountain: Path, run_dir: Path) -> bytes:
    import io

    from dsr.screenplay.export.pdf import write_pdf

    buffer = io.BytesIO()
    paper = edit.run_settings(run_dir).paper if (run_dir / "manifest.json").exists() else "letter"
    write_pdf(parse(fountain.read_text("utf-8")), buffer, paper=paper)
    return buffer.getvalue()
