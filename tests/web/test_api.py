"""The writers' room API over real run directories, with the scripted model."""

from __future__ import annotations

import json
import time
from io import BytesIO

import yaml

from dsr.pipeline.write import write_story
from dsr.pipeline.settings import Settings

from webkit import REPO, create_run, story_data, write_yaml, written_run


def test_story_round_trip_is_the_yaml_dsr_write_reads(server, client, tmp_path):
    run_id = create_run(client)
    story = client.get(f"/api/runs/{run_id}/story").json
    assert story["valid"] and story["story"]["title"] == "The Missing Mug"
    path = tmp_path / "runs" / run_id / "input" / f"{run_id}.yaml"
    assert yaml.safe_load(path.read_text("utf-8"))["scenes"][1]["characters"] == ["MAYA", "JONAH"]

    edited = story["story"]
    edited["scenes"].reverse()
    edited["characters"].append({"name": "RITA", "profile": "The neighbour."})
    edited["scenes"][0]["characters"].append("RITA")
    saved = client.put(f"/api/runs/{run_id}/story", {"story": edited, "base_version": story["version"]})
    assert saved.status == 200, saved.text
    from dsr.story.loader import load_story

    loaded = load_story(path)  # exactly what `dsr write` and `dsr story check` read
    assert [s.place for s in loaded.scenes] == ["HALLWAY", "KITCHEN"]
    assert loaded.scenes[0].characters == ["MAYA", "JONAH", "RITA"]


def test_aliases_extras_and_title_page_survive_a_save_in_the_natural_order(server, client, tmp_path):
    run_id = create_run(client)
    story = client.get(f"/api/runs/{run_id}/story").json
    edited = story["story"]
    # What the page sends: the comma lists already split, the contact as lines of text.
    edited["characters"][0]["aliases"] = ["Mayita", "Ms. Ortega"]
    edited["scenes"][1]["extras"] = ["BARMAN", "a nurse"]
    edited.update(author="Ruth Calder", contact="Ruth Calder\nruth@example.com", draft_date="2026-12-07")
    saved = client.put(f"/api/runs/{run_id}/story", {"story": edited, "base_version": story["version"]})
    assert saved.status == 200, saved.text

    path = tmp_path / "runs" / run_id / "input" / f"{run_id}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert list(data) == ["title", "logline", "language", "author", "contact", "draft_date", "characters", "scenes"]
    assert list(data["characters"][0]) == ["name", "profile", "aliases"]
    assert list(data["scenes"][1]) == ["place", "time", "interior", "characters", "extras", "summary"]
    assert "extras" not in data["scenes"][0] and "aliases" not in data["characters"][1]
    from dsr.story.loader import load_story

    loaded = load_story(path)
    assert loaded.characters[0].aliases == ["Mayita", "Ms. Ortega"]
    assert loaded.scenes[1].extras == ["BARMAN", "a nurse"]
    assert (loaded.author, loaded.contact, loaded.draft_date) == ("Ruth Calder", "Ruth Calder\nruth@example.com", "2026-12-07")
    # Read back for the page as they were typed.
    again = client.get(f"/api/runs/{run_id}/story").json["story"]
    assert again["characters"][0]["aliases"] == ["Mayita", "Ms. Ortega"] and again["scenes"][1]["extras"] == ["BARMAN", "a nurse"]

    # A clash is shown on the field it concerns, and the file is not touched.
    before = path.read_bytes()
    again["characters"][1]["aliases"] = ["Mayita"]
    again["scenes"][0]["extras"] = ["JONAH"]
    reply = client.put(f"/api/runs/{run_id}/story", {"story": again, "base_version": saved.json["version"]})
    assert reply.status == 422
    fields = {f["field"]: f["message"] for f in reply.json["findings"]}
    assert "alias of MAYA" in fields["characters.1.aliases"]
    assert "scenes.0.extras" in fields
    assert path.read_bytes() == before


def test_invalid_story_is_shown_not_saved(server, client, tmp_path):
    run_id = create_run(client)
    story = client.get(f"/api/runs/{run_id}/story").json
    path = tmp_path / "runs" / run_id / "input" / f"{run_id}.yaml"
    before = path.read_bytes()
    bad = json.loads(json.dumps(story["story"]))
    bad["scenes"][0]["summary"] = ""
    bad["scenes"][1]["characters"] = ["MAIA"]
    reply = client.put(f"/api/runs/{run_id}/story", {"story": bad, "base_version": story["version"]})
    assert reply.status == 422
    fields = {f["field"]: f["message"] for f in reply.json["findings"]}
    assert "scenes.0.summary" in fields
    assert "did you mean 'MAYA'" in fields["scenes.1.characters"]
    assert path.read_bytes() == before
    # The live check says the same without saving.
    check = client.post("/api/check", {"story": bad}).json
    assert not check["valid"] and {f["field"] for f in check["findings"]} >= {"scenes.0.summary"}


def test_concurrent_story_edit_is_refused(server, client):
    run_id = create_run(client)
    first_tab = client.get(f"/api/runs/{run_id}/story").json
    second_tab = client.get(f"/api/runs/{run_id}/story").json
    first_tab["story"]["logline"] = "One."
    assert client.put(f"/api/runs/{run_id}/story", {"story": first_tab["story"], "base_version": first_tab["version"]}).status == 200
    second_tab["story"]["logline"] = "Two."
    reply = client.put(f"/api/runs/{run_id}/story", {"story": second_tab["story"], "base_version": second_tab["version"]})
    assert reply.status == 409
    assert "changed since you opened it" in reply.json["error"]
    assert client.get(f"/api/runs/{run_id}/story").json["story"]["logline"] == "One."


def test_write_then_read_scenes_pages_and_downloads(server, client, tmp_path):
    run_id = written_run(server, client)
    run = client.get(f"/api/runs/{run_id}").json
    assert [s["state"] for s in run["scenes"]] == ["done", "done"]
    scene = run["scenes"][0]
    assert "Rain taps" in scene["prose"]
    assert 'class="scene-heading"' in scene["screenplay_html"] and "INT. KITCHEN - NIGHT" in scene["screenplay_html"]
    assert run["settings"] == {"stage1_model": "fake", "stage2_model": "fake"}
    summary = run["job"]["summary"]
    assert summary.startswith("2 scenes") and f"{run_id}/screenplay.pdf" in summary and str(tmp_path) not in summary

    listed = client.get("/api/runs").json["runs"]
    assert listed[0]["id"] == run_id and listed[0]["scenes_written"] == 2 and listed[0]["title"] == "The Missing Mug"

    pages = client.get(f"/api/runs/{run_id}/pages").json
    assert pages["pages"] >= 2 and 'aria-label="Title page"' in pages["html"] and "KITCHEN" in pages["html"]

    pdf = client.get(f"/api/runs/{run_id}/download/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.body)).pages)
    assert "INT. HALLWAY - NIGHT" in text
    fdx = client.get(f"/api/runs/{run_id}/download/fdx")
    assert fdx.status == 200 and b"<FinalDraft" in fdx.body
    fountain = client.get(f"/api/runs/{run_id}/download/fountain")
    assert fountain.text == (tmp_path / "runs" / run_id / "screenplay.fountain").read_text("utf-8")


def test_runs_survive_a_restart_and_cli_runs_show(tmp_path, model):
    from webkit import Server
    from dsr.web.app import Config

    runs = tmp_path / "runs"
    story = write_yaml(tmp_path / "mug.yaml", story_data(3))
    write_story(story, runs / "from-cli", Settings(pdf=False), backends={"stage1": model, "stage2": model})
    config = Config(runs_dir=runs, models={"fake": "fake:scripted"}, backend_for=lambda spec: model)
    with Server(config) as srv:
        listed = srv.client().get("/api/runs").json["runs"]
        assert [(r["id"], r["scenes_written"], r["scenes"]) for r in listed] == [("from-cli", 3, 3)]
        assert listed[0]["models"]["stage1"] == "fake:scripted"


def test_reconvert_edited_prose_runs_stage2_of_that_scene_only(server, client, model, tmp_path):
    run_id = written_run(server, client, story_data(3))
    scene = client.get(f"/api/runs/{run_id}/scenes/2").json
    before_other = client.get(f"/api/runs/{run_id}/scenes/3").json["screenplay"]
    model.requests.clear()
    prose = 'The hallway light flickers. MAYA stops at a door.\n\nMAYA says, "Jonah, open up."'
    reply = client.put(f"/api/runs/{run_id}/scenes/2/prose", {"prose": prose, "base_version": scene["prose_version"]})
    assert reply.status == 202, reply.text
    assert server.wait_job(run_id)["state"] == "done"
    assert {r.kind.replace("_repair", "") for r in model.requests} <= {"stage2_fountain", "stage2_json"}
    assert model.requests, "stage 2 of the edited scene was not asked"
    after = client.get(f"/api/runs/{run_id}/scenes/2").json
    assert after["prose"] == prose and after["edited"].get("prose")
    assert client.get(f"/api/runs/{run_id}/scenes/3").json["screenplay"] == before_other
    assert "Jonah, open up." in (tmp_path / "runs" / run_id / "screenplay.fountain").read_text("utf-8")
    # The same edit again, from a tab opened before it: refused.
    stale = client.put(f"/api/runs/{run_id}/scenes/2/prose", {"prose": "x", "base_version": scene["prose_version"]})
    assert stale.status == 409 and "changed since you opened it" in stale.json["error"]
    # A new take of the edited scene is not "edited"; the edited take is kept as it was.
    assert client.post(f"/api/runs/{run_id}/scenes/2/redraw", {}).status == 202
    assert server.wait_job(run_id)["state"] == "done"
    redrawn = client.get(f"/api/runs/{run_id}/scenes/2").json
    assert redrawn["take"] == 1 and not redrawn["edited"] and redrawn["prose"] != prose
    assert client.get(f"/api/runs/{run_id}/scenes/2/takes/0").json["prose"].strip() == prose


def test_redraw_keeps_takes_and_choose_switches_back(server, client, tmp_path):
    run_id = written_run(server, client)
    first = client.get(f"/api/runs/{run_id}/scenes/1").json
    assert first["takes"] == [0]
    assert client.post(f"/api/runs/{run_id}/scenes/1/redraw", {}).status == 202
    assert server.wait_job(run_id)["state"] == "done"
    second = client.get(f"/api/runs/{run_id}/scenes/1").json
    assert second["take"] == 1 and second["takes"] == [0, 1]
    old = client.get(f"/api/runs/{run_id}/scenes/1/takes/0").json
    assert old["screenplay"] == first["screenplay"] and "screenplay_html" in old
    assert client.post(f"/api/runs/{run_id}/scenes/1/take", {"take": 0}).status == 202
    assert server.wait_job(run_id)["state"] == "done"
    back = client.get(f"/api/runs/{run_id}/scenes/1").json
    assert back["take"] == 0 and back["takes"] == [0, 1] and back["screenplay"] == first["screenplay"]
    assert client.post(f"/api/runs/{run_id}/scenes/1/take", {"take": 7}).status == 404


def test_edit_screenplay_is_validated_on_save(server, client, model, tmp_path):
    bad = lambda r: "not a scene"  # noqa: E731  (every stage-2 answer fails: the fallback makes the scene)
    model.overrides = {kind: bad for kind in ("stage2_json", "stage2_fountain", "stage2_json_repair", "stage2_fountain_repair")}
    run_id = written_run(server, client)
    assert client.get(f"/api/runs/{run_id}/scenes/1").json["fallback"]
    scene = client.get(f"/api/runs/{run_id}/scenes/1").json
    bad = scene["screenplay"] + "\nMAYA: Where is it?\n"
    reply = client.put(f"/api/runs/{run_id}/scenes/1/screenplay", {"screenplay": bad, "base_version": scene["screenplay_version"]})
    assert reply.status == 422 and "NAME: speech" in reply.json["error"] and reply.json["findings"]
    good = scene["screenplay"] + "\nMAYA\nWhere is it?\n"
    reply = client.put(f"/api/runs/{run_id}/scenes/1/screenplay", {"screenplay": good, "base_version": scene["screenplay_version"]})
    assert reply.status == 202, reply.text
    assert server.wait_job(run_id)["state"] == "done"
    assert "Where is it?" in (tmp_path / "runs" / run_id / "screenplay.fountain").read_text("utf-8")
    edited = client.get(f"/api/runs/{run_id}/scenes/1").json
    assert edited["edited"].get("screenplay") and not edited["fallback"]


def test_second_start_is_refused_and_failure_names_scene_and_stage(tmp_path):
    from webkit import Server
    from fakes import ScriptedModel, fail
    from dsr.web.app import Config

    slow = ScriptedModel(delay=0.3)
    config = Config(runs_dir=tmp_path / "runs", models={"fake": "fake:scripted"}, backend_for=lambda spec: slow)
    with Server(config) as srv:
        client = srv.client()
        run_id = create_run(client)
        assert client.post(f"/api/runs/{run_id}/write", {}).status == 202
        again = client.post(f"/api/runs/{run_id}/write", {})
        assert again.status == 409 and "already" in again.json["error"]
        assert srv.wait_job(run_id)["state"] == "done"

        slow.delay = 0
        slow.overrides = {"prose": lambda r: fail()(r) if "HALLWAY" in r.heading else None}
        story = client.get(f"/api/runs/{run_id}/story").json
        story["story"]["scenes"][1]["summary"] = "Maya hears a noise in the hallway."
        client.put(f"/api/runs/{run_id}/story", {"story": story["story"], "base_version": story["version"]})
        client.post(f"/api/runs/{run_id}/write", {})
        job = srv.wait_job(run_id)
        assert job["state"] == "failed" and job["failed_scene"] == 2 and job["failed_stage"] == "stage 1"
        assert "is the server running?" in job["error"]
        # Retry after the server is back: resumes and finishes.
        slow.overrides = {}
        client.post(f"/api/runs/{run_id}/write", {})
        assert srv.wait_job(run_id)["state"] == "done"


def test_events_stream_scene_as_it_lands_on_disk(server, client, tmp_path):
    import http.client

    run_id = written_run(server, client)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", f"/api/runs/{run_id}/events")
    response = conn.getresponse()
    assert response.getheader("content-type").startswith("text/event-stream")

    def next_event():
        name, data = None, []
        while True:
            line = response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and name:
                return name, json.loads("".join(data))

    name, sigs = next_event()
    assert name == "sigs" and set(sigs) == {"1", "2"}
    assert next_event()[0] == "job"
    prose_path = tmp_path / "runs" / run_id / "scenes" / "002" / "prose.md"
    time.sleep(0.05)
    prose_path.write_text("MAYA opens the hallway cupboard.\n", "utf-8")  # as a terminal run would
    name, scene = next_event()
    assert name == "scene" and scene["n"] == 2 and scene["prose"] == "MAYA opens the hallway cupboard."
    conn.close()


def test_import_story_file_and_examples(server, client):
    text = (REPO / "examples" / "short_film.yaml").read_bytes()
    reply = client.post("/api/import?name=short_film.yaml", raw=text, headers={"Content-Type": "application/octet-stream"})
    assert reply.status == 201, reply.text
    story = client.get(f"/api/runs/{reply.json['id']}/story").json
    assert story["valid"] and story["has_comments"] and story["file"] == "short-film.yaml"
    bad = client.post("/api/import?name=x.yaml", raw=b"title: X\nscnes: []\n", headers={"Content-Type": "text/plain"})
    assert bad.status == 422 and any("did you mean 'scenes'" in f["message"] for f in bad.json["findings"])
    examples = client.get("/api/examples").json["examples"]
    assert {"name": "two_scenes.yaml", "title": "The Spare Key"} in examples
    assert client.get("/api/examples/two_scenes.yaml").json["story"]["scenes"][1]["time"] == "CONTINUOUS"


def test_a_failed_scene_operation_leaves_the_take_as_it_was(server, client, tmp_path):
    run_id = written_run(server, client)
    story_file = next((tmp_path / "runs" / run_id / "input").iterdir())
    story_file.write_text("title: broken\n", "utf-8")  # edited by hand meanwhile, now invalid
    scene = client.get(f"/api/runs/{run_id}/scenes/1").json
    client.put(f"/api/runs/{run_id}/scenes/1/prose", {"prose": "MAYA waits.", "base_version": scene["prose_version"]})
    job = server.wait_job(run_id)
    assert job["state"] == "failed" and "problem" in job["error"] and job["failed_scene"] == 1
    assert client.get(f"/api/runs/{run_id}/scenes/1").json["take"] == 0


def test_an_invalid_story_with_a_yaml_date_is_still_shown(server, client, tmp_path):
    run_id = create_run(client)
    path = tmp_path / "runs" / run_id / "input" / f"{run_id}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["scenes"][0]["extras"] = ["MAYA"]  # a clash, so the page gets the file as written
    path.write_text(yaml.safe_dump(data, sort_keys=False) + "draft_date: 2026-05-01\n", "utf-8")
    reply = client.get(f"/api/runs/{run_id}/story")
    assert reply.status == 200, reply.text
    assert not reply.json["valid"] and reply.json["story"]["draft_date"] == "2026-05-01"
    assert any(f["field"] == "scenes.0.extras" for f in reply.json["findings"])
