"""End to end on real backends (few, small token limits)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pipeline_support import story_data, write_yaml

from dsr.evaluate.coverage import outline_coverage
from dsr.fidelity.prose import scene_brief, screenplay_findings
from dsr.llm.cache import CallJournal
from dsr.pipeline.settings import Settings
from dsr.pipeline.write import write_story
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.screenplay.writer import write
from dsr.story.loader import load_story

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TWO_SCENES = REPO / "examples" / "two_scenes.yaml"
SMALL = dict(directives_tokens=160, prose_tokens=220, stage2_tokens=400, max_attempts=1, temperature=0.5)


def assert_valid_screenplay(run_dir: Path, headings: list[str]) -> None:
    text = (run_dir / "screenplay.fountain").read_text()
    sp = parse(text)
    assert [f for f in validate(sp, text) if f.severity == "error"] == []
    assert [el.text for el in sp.elements if el.type == "scene_heading"] == headings
    assert any(el.type == "action" for el in sp.elements)


def assert_keeps_the_outline(run_dir: Path) -> None:
    """Whatever the 135M model wrote, the screenplay tells the outline's story
    with the outline's cast: each scene names its characters (the evaluation's
    character coverage, 100 %), and nobody else speaks or acts."""
    story = load_story(TWO_SCENES)
    sp = parse((run_dir / "screenplay.fountain").read_text())
    starts = [i for i, el in enumerate(sp.elements) if el.type == "scene_heading"] + [len(sp.elements)]
    scenes = [write(Screenplay(title_page={}, elements=sp.elements[a:b])) for a, b in zip(starts, starts[1:])]
    assert outline_coverage(story, scenes)["character_coverage"] == 1.0
    assert {el.name for el in sp.elements if el.type == "character"} <= {"JUNE", "MR. OKAFOR"}
    for index, scene in enumerate(scenes):
        body = [el for el in parse(scene).elements if el.type != "scene_heading"]
        found = {f.code for f in screenplay_findings(body, scene_brief(story, index))}
        assert not found & {"missing-character", "invented-character", "absent-character"}, (index, found, scene)


def test_embedded_model_end_to_end(tmp_path):
    out = tmp_path / "run"
    result = write_story(TWO_SCENES, out, Settings(**SMALL))
    assert_valid_screenplay(out, ["INT. LANDING OUTSIDE JUNE'S FLAT - MORNING", "INT. MR. OKAFOR'S FLAT - CONTINUOUS"])
    assert (out / "screenplay.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["models"]["stage1"] == "embedded"
    assert manifest["usage_this_run"]["stage 1"]["completion_tokens"] > 0
    for n in (1, 2):
        meta = json.loads((out / f"scenes/00{n}/meta.json").read_text())
        assert meta["stage2"]["format"] in ("json", "fallback")  # the 135M model is asked for JSON
    prose = (out / "prose.md").read_text()
    assert prose.count("## ") == 2 and len(prose.split()) > 40
    assert "2 scenes" in result.summary
    assert_keeps_the_outline(out)

    calls = CallJournal(out / "calls.sqlite").real_calls()
    again = write_story(TWO_SCENES, out, Settings(**SMALL))
    assert "0 model calls" in again.summary and CallJournal(out / "calls.sqlite").real_calls() == calls


def test_openai_backend_against_llama_cpp_server(tmp_path, llama_server):
    spec = f"openai:smollm2@{llama_server}#structured=json_object"
    out = tmp_path / "run"
    # Smaller still than SMALL: every token goes through HTTP to a 2-core server.
    write_story(TWO_SCENES, out, Settings(stage1_model=spec, stage2_model=spec, pdf=False, directives_tokens=120,
                                          prose_tokens=160, stage2_tokens=240, max_attempts=1, temperature=0.5))
    assert_valid_screenplay(out, ["INT. LANDING OUTSIDE JUNE'S FLAT - MORNING", "INT. MR. OKAFOR'S FLAT - CONTINUOUS"])
    journal = CallJournal(out / "calls.sqlite")
    assert journal.real_calls(spec=f"openai:smollm2@{llama_server}") >= 6
    meta = json.loads((out / "scenes/001/meta.json").read_text())["stage2"]
    assert meta["attempts"] >= 1


def test_kill_minus_9_then_resume_repeats_no_finished_call(tmp_path, sim_server):
    # The server answers 7 calls and holds the rest: the run is mid-way when
    # killed however slowly this machine polls.
    server = sim_server(ttft=0.15, tps=200, answer_tokens=40, slots=4, answer_limit=7)
    story = write_yaml(tmp_path / "story.yaml", story_data(6))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "dsr", "write", str(story), "-o", str(out), "--no-pdf",
               "--model", f"openai:sim@{server.url}", "--max-attempts", "2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    journal = CallJournal(out / "calls.sqlite")

    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # a generous bound, reached only if the run is stuck
    while journal.real_calls() < 7 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    made_before = journal.real_calls()
    assert made_before == 7 and not (out / "manifest.json").exists()
    server.server.config.answer_limit = 0  # answer the resumed run in full

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "6 scenes" in done.stdout
    assert journal.repeated_keys() == {}  # nothing answered before the kill was asked again
    assert journal.real_calls() > made_before
    assert_valid_screenplay(out, [f"INT. {p} - NIGHT" for p in ("KITCHEN", "HALLWAY", "ROOFTOP", "STAIRWELL", "GARAGE", "CELLAR")])
