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


# -- a develop that fails, stops or is cut off by a restart: the run stays, says so, and can be developed again

def junk(_request):
    return "I am sorry, I cannot help with that."  # never a cast, however often asked


def develop_server_with(tmp_path, model, models=None):
    return Server(Config(runs_dir=tmp_path / "runs", models=models or {"fake": "fake:develop"},
                         backend_for=lambda spec: model))


def listed(client, run_id):
    runs = {r["id"]: r for r in client.get("/api/runs").json["runs"]}
    assert run_id in runs, f"{run_id} is not in the runs list: {sorted(runs)}"
    return runs[run_id]


def test_a_failed_develop_stays_in_the_runs_list_marked_with_its_error(tmp_path):
    model = DevelopModel(overrides={"characters": junk})
    with develop_server_with(tmp_path, model) as server:
        client = server.client()
        run_id = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4}).json["id"]
        assert server.wait_job(run_id)["state"] == "failed"
        run = listed(client, run_id)
        assert run["title"] == "The Last Ferry"  # the premise was written before the cast failed
        assert run["develop"]["state"] == "failed"
        assert run["develop"]["error"].startswith("step characters: no valid cast")
        assert [s["done"] for s in run["develop"]["steps"]] == [True, False, False, False]
        opened = client.get(f"/api/runs/{run_id}").json
        assert opened["develop"]["state"] == "failed" and opened["scenes"] == []
        assert client.get(f"/api/runs/{run_id}/develop").json["status"]["steps_done"] == 1
        # Not a run to write: it has no story, and the page is told why.
        write = client.post(f"/api/runs/{run_id}/write", {})
        assert write.status == 409 and "did not finish" in write.json["error"], write.text


def test_after_a_restart_a_partial_develop_is_listed_as_not_finished(tmp_path):
    from dsr.develop.project import DevelopOptions, develop
    from dsr.errors import UserError
    from testkit.scripted import fail

    runs = tmp_path / "runs"
    with pytest.raises(UserError):  # the server that ran it went away mid-job: no job registry knows it now
        develop(runs / "lighthouse" / "develop", DevelopOptions(logline=LOGLINE, structure="short", scenes=4),
                DevelopModel(overrides={"beats": fail("the server went away")}))
    (runs / "just-started" / "develop").mkdir(parents=True)  # cut off before develop wrote anything
    logline_only = runs / "logline-only" / "develop"
    logline_only.mkdir(parents=True)
    (logline_only / "develop.json").write_text(
        '{"version": 1, "options": {"logline": "' + LOGLINE + '"}, "steps": {}}', "utf-8")
    with develop_server_with(tmp_path, DevelopModel()) as server:
        client = server.client()
        run = listed(client, "lighthouse")
        assert run["develop"]["state"] == "unfinished" and run["develop"]["error"] is None
        assert run["develop"]["steps_done"] == 2 and run["title"] == "The Last Ferry"
        assert listed(client, "just-started")["title"] == "just-started"
        assert listed(client, "logline-only")["title"] == "A retired lighthouse keeper finds a silent child on the " \
                                                          "rocks after ..."
        assert listed(client, "just-started")["develop"]["state"] == "unfinished"
        # Developed again after the restart: the premise and cast are kept, the rest is drawn.
        model = server.app.state.config.backend_for("fake:develop")
        assert client.post("/api/runs/lighthouse/develop", {}).status == 202
        job = server.wait_job("lighthouse")
        assert job["state"] == "done", job["error"]
        assert model.kinds()[0] == "beats" and "premise" not in model.kinds() and "characters" not in model.kinds()
        assert client.get("/api/runs/lighthouse/story").json["story"]["logline"] == LOGLINE
        # Cut off before even its logline was written down: nothing to go on.
        refused = client.post("/api/runs/just-started/develop", {})
        assert refused.status == 422 and "logline was not recorded" in refused.json["error"]


def test_developing_again_resumes_without_redoing_the_steps_done(tmp_path):
    from testkit.scripted import fail

    model = DevelopModel(overrides={"beats": fail("cannot reach http://127.0.0.1:9/v1: is the server running?")})
    with develop_server_with(tmp_path, model) as server:
        client = server.client()
        run_id = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4}).json["id"]
        job = server.wait_job(run_id)
        assert job["state"] == "failed" and "is the server running?" in job["error"]
        assert listed(client, run_id)["develop"]["steps_done"] == 2
        model.step_overrides.clear()  # the server is back
        asked_before = len(model.requests)
        again = client.post(f"/api/runs/{run_id}/develop", {})
        assert again.status == 202, again.text
        assert server.wait_job(run_id)["state"] == "done"
        asked = model.kinds()[asked_before:]
        assert "premise" not in asked and "characters" not in asked and asked[0] == "beats"
        story = client.get(f"/api/runs/{run_id}/story").json
        assert story["valid"] and story["story"]["logline"] == LOGLINE and len(story["story"]["scenes"]) == 4
        run = listed(client, run_id)
        assert run["develop"] is None and run["title"] == "The Last Ferry"
        # Done: there is nothing left to develop.
        assert client.post(f"/api/runs/{run_id}/develop", {}).status == 409


def test_developing_again_with_another_model(tmp_path):
    bad, good = DevelopModel(overrides={"characters": junk}, spec="fake:bad"), DevelopModel(spec="fake:good")
    config = Config(runs_dir=tmp_path / "runs", models={"bad": "fake:bad", "good": "fake:good"},
                    backend_for=lambda spec: {"fake:bad": bad, "fake:good": good}[spec])
    with Server(config) as server:
        client = server.client()
        run_id = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4,
                                              "model": "bad"}).json["id"]
        assert server.wait_job(run_id)["state"] == "failed"
        assert client.post(f"/api/runs/{run_id}/develop", {"model": "nope"}).status == 422
        assert client.post(f"/api/runs/{run_id}/develop", {"model": "good"}).status == 202
        assert server.wait_job(run_id)["state"] == "done"
        assert good.kinds()[0] == "characters"
        assert client.get(f"/api/runs/{run_id}/story").json["valid"]


def test_a_run_still_developing_is_not_written_edited_or_developed_twice(tmp_path):
    import threading

    gate = threading.Event()

    def wait_then_answer(_request):
        assert gate.wait(60), "the test never opened the gate"
        return None  # then the usual cast

    model = DevelopModel(overrides={"characters": wait_then_answer})
    with develop_server_with(tmp_path, model) as server:
        client = server.client()
        run_id = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4}).json["id"]
        try:
            run = listed(client, run_id)
            assert run["develop"]["state"] == "developing"
            write = client.post(f"/api/runs/{run_id}/write", {})
            assert write.status == 409 and "still being developed" in write.json["error"], write.text
            put = client.put(f"/api/runs/{run_id}/story", {"story": {"title": "Mine", "scenes": []}})
            assert put.status == 409 and "still being developed" in put.json["error"], put.text
            twice = client.post(f"/api/runs/{run_id}/develop", {})
            assert twice.status == 409 and "already" in twice.json["error"], twice.text
        finally:
            gate.set()
        assert server.wait_job(run_id)["state"] == "done"
        assert listed(client, run_id)["develop"] is None
        assert client.get(f"/api/runs/{run_id}/story").json["story"]["title"] == "The Last Ferry"


def test_developing_again_with_new_draws_when_no_answer_passed(tmp_path):
    model = DevelopModel(overrides={"characters": lambda r: junk(r) if r.sample < 100 else None})  # take 0: junk
    with develop_server_with(tmp_path, model) as server:
        client = server.client()
        run_id = client.post("/api/develop", {"logline": LOGLINE, "structure": "short", "scenes": 4}).json["id"]
        assert server.wait_job(run_id)["state"] == "failed"
        assert listed(client, run_id)["develop"]["new_draws"] is True  # the page ticks "new draws" for it
        asked = len(model.requests)
        # The same questions again: the cached answers, the same failure, and no new call.
        assert client.post(f"/api/runs/{run_id}/develop", {}).status == 202
        assert server.wait_job(run_id)["state"] == "failed" and len(model.requests) == asked
        assert client.post(f"/api/runs/{run_id}/develop", {"new_draws": True}).status == 202
        assert server.wait_job(run_id)["state"] == "done"
        again = model.requests[asked:]
        assert again[0].kind == "characters" and again[0].sample >= 100 and "premise" not in model.kinds()[asked:]
        assert client.get(f"/api/runs/{run_id}/story").json["valid"]
