"""The writers' room with a 120-scene finished run, in headless Chromium.

The run is a real run directory: ``dsr write`` with the pipeline tests'
scripted model (no model time), then every scene's screenplay replaced by a
scene of the corpus (../shared/corpus) under the outline's heading and its
prose by that scene's action and dialogue, and the outputs assembled again,
so the page carries real screenplay-sized scenes.

Measured, for the run page (``#/run/ID``) over ``dsr serve`` on loopback:

- navigation timing: first contentful paint, DOMContentLoaded, load, and
  "interactive": every scene card rendered (the page's own data fetched and
  drawn), each the median of --loads page loads in a fresh page;
- payload: bytes the page loaded (HTML, CSS, JS, the run's JSON);
- live delay: a scene's prose rewritten on disk (as a running ``dsr write``
  does) to the new text showing on the open page, --changes times;
  goal under 1 s at the 95th percentile.

Usage: python bench/web.py [--scenes 120] [--loads 5] [--changes 40]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
_HEADING = re.compile(r"^(?:INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", re.IGNORECASE)


def scripted_model():
    """The pipeline tests' scripted model (tests/ is not a package: loaded by path)."""
    for folder in (REPO / "tests", REPO / "tests" / "pipeline"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("dsr_bench_fakes", REPO / "tests" / "pipeline" / "fakes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ScriptedModel()


def corpus_scenes(limit: int) -> list[str]:
    """Scene bodies (without their headings) from the corpus that validate on their own."""
    from dsr.screenplay.parser import parse
    from dsr.screenplay.validate import validate

    bodies = []
    for path in sorted(CORPUS.glob("*.fountain")):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        starts = [i for i, line in enumerate(lines) if _HEADING.match(line) and (i == 0 or not lines[i - 1].strip())]
        for a, b in zip(starts, [*starts[1:], len(lines)]):
            body = "\n".join(lines[a + 1:b]).strip()
            text = f"INT. PLACE - DAY\n\n{body}\n"
            sp = parse(text)
            if body and 200 < len(body) < 6000 and sum(el.type == "scene_heading" for el in sp.elements) == 1 \
                    and not any(f.severity == "error" for f in validate(sp, text)):
                bodies.append(body)
    if not bodies:
        raise SystemExit(f"no corpus scenes in {CORPUS}")
    return [bodies[i % len(bodies)] for i in range(limit)]


def build_run(runs: Path, scenes: int) -> str:
    import yaml

    from dsr.pipeline.run import RunDir
    from dsr.pipeline.settings import Settings
    from dsr.pipeline.write import write_story
    from dsr.screenplay.parser import parse

    story = {
        "title": "A Long Night",
        "characters": [{"name": "MAYA", "profile": "Thirty, precise."}, {"name": "JONAH", "profile": "Her brother."}],
        "scenes": [{"place": f"ROOM {i + 1}", "time": "NIGHT", "characters": ["MAYA", "JONAH"],
                    "summary": f"Maya looks for the mug, step {i + 1}."} for i in range(scenes)],
    }
    story_path = runs / "long-night.yaml"
    story_path.write_text(yaml.safe_dump(story, sort_keys=False), "utf-8")
    run_dir = runs / "long-night"
    model = scripted_model()
    settings = Settings(pdf=False, concurrency=8)
    write_story(story_path, run_dir, settings, backends={"stage1": model, "stage2": model})
    run = RunDir(run_dir)
    for i, body in enumerate(corpus_scenes(scenes)):
        heading = f"INT. ROOM {i + 1} - NIGHT"
        run.write_scene_file(i, "screenplay.fountain", f"{heading}\n\n{body}\n")
        prose = "\n\n".join(el.text for el in parse(body).elements if el.type in ("action", "dialogue"))
        run.write_scene_file(i, "prose.md", prose + "\n")
    # Stage 1 artifacts are found by their key, so the new prose stands; stage 2
    # would redo the scenes from it, so only the assembly is redone here.
    from dsr.pipeline.assemble import write_outputs
    from dsr.pipeline.orchestrate import Models, Pipeline
    from dsr.story.loader import load_story

    pipe = Pipeline(load_story(story_path), run, Models(model, model), settings)
    for o in pipe.outcomes:
        o.prose = run.read_scene_file(o.index, "prose.md")
        o.fountain = run.read_scene_file(o.index, "screenplay.fountain")
    write_outputs(pipe)
    return "long-night"


def serve(runs: Path):
    import uvicorn

    from dsr.web.app import Config, create_app

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Config(runs_dir=runs)), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=120)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--keep", metavar="DIR", help="build the run in DIR once and reuse it on later calls")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(args.keep) if args.keep else Path(tmp) / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        run_id = "long-night"
        if not (runs / run_id / "manifest.json").exists():
            run_id = build_run(runs, args.scenes)
            print(f"run: {args.scenes} scenes built in {time.perf_counter() - started:.1f}s")
        print(f"run: {args.scenes} scenes, {(runs / run_id / 'screenplay.fountain').stat().st_size / 1024:.0f} KiB of Fountain")
        server, url = serve(runs)
        page_url = f"{url}/#/run/{run_id}"
        last = f"#scene-card-{args.scenes}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            loads = []
            for _ in range(args.loads):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(page_url)
                page.wait_for_selector(last, state="attached", timeout=120_000)
                figures = page.evaluate("""() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                    const resources = performance.getEntriesByType('resource');
                    return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                            interactive: performance.now(),
                            bytes: nav.encodedBodySize + resources.reduce((a, r) => a + (r.encodedBodySize || 0), 0),
                            decoded: nav.decodedBodySize + resources.reduce((a, r) => a + (r.decodedBodySize || 0), 0),
                            requests: 1 + resources.length,
                            data: Math.max(...resources.filter((r) => r.name.includes('/api/runs/')).map((r) => r.responseEnd))};
                }""")
                loads.append(figures)
                page.close()
            for label, group in ((f"first load (server's scene views cold)", loads[:1]),
                                 (f"median of {len(loads) - 1} loads after", loads[1:] or loads[:1])):
                med = {k: statistics.median(f[k] for f in group) for k in group[0] if group[0][k] is not None}
                print(f"run page, {label}: first contentful paint {med['fcp']:.0f} ms, "
                      f"DOMContentLoaded {med['dcl']:.0f} ms, load {med['load']:.0f} ms, "
                      f"interactive (all {args.scenes} scenes drawn) {med['interactive']:.0f} ms, the run's data "
                      f"in at {med['data']:.0f} ms")
            print(f"payload: {med['bytes'] / 1024:.0f} KiB over {med['requests']:.0f} requests "
                  f"({med['decoded'] / 1024:.0f} KiB before gzip)")

            # Live delay: disk -> open page.
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_url)
            page.wait_for_selector(last, state="attached", timeout=120_000)
            page.wait_for_timeout(500)  # the event stream is open
            from dsr.pipeline.run import RunDir

            run = RunDir(runs / run_id)
            delays = []
            for k in range(args.changes):
                index = (k * 37) % args.scenes
                marker = f"MARKER{k}X"
                page.evaluate("""([n, marker]) => new Promise((resolve) => {
                    window.__seen = null;
                    const check = () => {
                        const el = document.getElementById('prose-' + n);
                        if (el && el.textContent.includes(marker)) { window.__seen = performance.timeOrigin + performance.now(); observer.disconnect(); }
                    };
                    const observer = new MutationObserver(check);
                    observer.observe(document.querySelector('.scene-list'), {childList: true, subtree: true, characterData: true});
                    resolve();
                })""", [index + 1, marker])
                written = time.time() * 1000
                run.write_scene_file(index, "prose.md", f"{marker} The door opens.\n")
                page.wait_for_function("() => window.__seen !== null", timeout=30_000)
                delays.append(page.evaluate("() => window.__seen") - written)
                page.wait_for_timeout(50)
            print(f"disk -> page, {args.changes} scene changes: median {statistics.median(delays):.0f} ms, "
                  f"p95 {pct(delays, 0.95):.0f} ms, max {max(delays):.0f} ms (goal: p95 under 1000 ms)")
            browser.close()
        server.should_exit = True


if __name__ == "__main__":
    main()
