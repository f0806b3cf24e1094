"""The writers' room's "start from a logline" path: dsr develop's steps as a
job, landing a story the editor opens (scripted model)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "develop"))

from develop_fakes import ScriptedModel as DevelopModel  # noqa: E402

from webkit import Server  # noqa: E402
from dsr.story.loader import load_story  # noqa: E402
from dsr.web.app import Config  # noqa: E402

LOGLINE = "A retired lighthouse keeper finds a silent child on the rocks after a storm."


@pytest.fixture
def develop_server(tmp_path):
    model = DevelopModel()
    config = Config(runs_dir=tmp_path / "runs", models={"fake": "fake:develop"}, backend_for=lambda spec: model)
    with Server(config) as server:
        server.model = model
        yield server


def test_a_logline_becomes_a_run_whose_story_opens_in_the_editor(develop_server, tmp_path):
    client = develop_server.client()
    names = [s["name"] for s in client.get("/api/structures").json["structures"]]
    assert names == ["save-the-cat", "short", "three-act", "tv-cold-open-four-acts"]
    reply = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4, "model": "fake"})
    assert reply.status == 202, reply.text
    run_id = reply.json["id"]
    assert run_id == "a-retired-lighthouse-keeper-finds-a"
    job = develop_server.wait_job(run_id)
    assert job["state"] == "done" and job["kind"] == "develop", job
    assert "story.yaml: written" in job["summary"]
    state = client.get(f"/api/runs/{run_id}/develop").json
    assert [s["done"] for s in state["steps"]] == [True] * 4
    story = client.get(f"/api/runs/{run_id}/story").json
    assert story["valid"] and len(story["story"]["scenes"]) == 4
    run_dir = tmp_path / "runs" / run_id
    assert load_story(run_dir / "input" / f"{run_id}.yaml").title == "The Last Ferry"
    assert (run_dir / "develop" / "characters.yaml").is_file()  # the steps stay editable from the terminal
    assert run_id in [r["id"] for r in client.get("/api/runs").json["runs"]]


@pytest.mark.parametrize("body, message", [
    ({"logline": "   "}, "the logline is empty"),
    ({"logline": LOGLINE, "scenes": 1000}, "--scenes must be between 1 and 200"),
    ({"logline": LOGLINE, "structure": "hero"}, "structures: save-the-cat, short, three-act, tv-cold-open-four-acts"),
    ({"logline": LOGLINE, "model": "gpt-9"}, "unknown model 'gpt-9'"),
])
def test_bad_develop_requests_get_one_line_and_make_no_run(develop_server, tmp_path, body, message):
    reply = develop_server.client().post("/api/develop", body)
    assert reply.status == 422 and message in reply.json["error"]
    assert not any((tmp_path / "runs").iterdir())
    assert develop_server.model.requests == []


def test_a_step_that_fails_is_reported_on_the_job(tmp_path):
    model = DevelopModel(overrides={"characters": lambda r: {"characters": []}})
    config = Config(runs_dir=tmp_path / "runs", models={"fake": "fake:develop"}, backend_for=lambda spec: model)
    with Server(config) as server:
        run_id = server.client().post("/api/develop", {"logline": LOGLINE}).json["id"]
        job = server.wait_job(run_id)
    assert job["state"] == "failed" and job["error"].startswith("step characters: no valid cast after 3 attempts")
    assert not (tmp_path / "runs" / run_id / "input").exists()
