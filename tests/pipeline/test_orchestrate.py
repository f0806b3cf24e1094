"""Orchestration with a scripted model: order, outputs, resume by hashes."""

from __future__ import annotations

import json

from pipeline_support import real_calls, run, story_data, write_yaml
from fakes import ScriptedModel

from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate


def test_two_stage_run_writes_every_artifact_in_order(story_file, tmp_path):
    model = ScriptedModel()
    out = tmp_path / "run"
    result = run(story_file, out, model)

    # stage 1 in scene order, directives before prose; stage 2 after its scene's stage 1
    headings = [r.heading for r in model.requests if r.kind == "directives"]
    assert headings == ["INT. KITCHEN - NIGHT", "INT. HALLWAY - NIGHT", "INT. ROOFTOP - NIGHT", "INT. STAIRWELL - NIGHT"]
    kinds = model.kinds()
    for i in range(4):
        scene_kinds = [k for k, r in zip(kinds, model.requests) if r.heading.endswith(headings[i])]
        assert scene_kinds[:2] == ["directives", "prose"]
        assert scene_kinds[2] == "stage2_fountain"

    for name in ("prose.md", "screenplay.fountain", "manifest.json", "story.json", "calls.sqlite", "input/mug.yaml"):
        assert (out / name).exists(), name
    for n in range(1, 5):
        for name in ("directives.json", "prose.md", "screenplay.fountain", "meta.json"):
            assert (out / "scenes" / f"{n:03d}" / name).exists()

    text = (out / "screenplay.fountain").read_text()
    sp = parse(text)
    assert sp.title == "THE MISSING MUG"  # capitals, as the industry title page has it
    assert [el.text for el in sp.elements if el.type == "scene_heading"] == headings
    assert [f for f in validate(sp, text) if f.severity == "error"] == []
    assert "MAYA" in [el.name for el in sp.elements if el.type == "character"]

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mode"] == "two-stage"
    assert manifest["models"] == {**manifest["models"], "stage1": "fake:scripted", "stage2": "fake:scripted"}
    assert manifest["usage_this_run"]["stage 1"]["model_calls"] == 8
    assert manifest["usage_this_run"]["stage 2"]["model_calls"] == 4
    assert manifest["fallbacks"] == []
    assert manifest["prompt_version"]
    assert manifest["packages"]["python"]
    assert "4 scenes" in result.summary and str(out) in result.summary


def test_rerun_is_instant_and_calls_nothing(story_file, tmp_path):
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel())
    calls = real_calls(out)
    before = (out / "screenplay.fountain").read_text()

    again = ScriptedModel()
    result = run(story_file, out, again)
    assert again.requests == []  # every scene skipped by hash: not even a cache lookup
    assert real_calls(out) == calls
    assert "0 model calls" in result.summary
    assert (out / "screenplay.fountain").read_text() == before


def rerun_after_edit(story_file, out, index: int, **changes):
    """Run, change scene ``index`` of the outline, run again; the second run's model and result."""
    run(story_file, out, ScriptedModel())
    data = story_data(4)
    data["scenes"][index].update(changes)
    write_yaml(story_file, data)
    model = ScriptedModel()
    return model, run(story_file, out, model)


def test_editing_one_scene_redoes_it_and_the_context_after_it(story_file, tmp_path):
    model, result = rerun_after_edit(story_file, tmp_path / "run", 1, summary="Maya finds the mug under a coat.")
    stage1 = [r.heading for r in model.requests if r.kind == "directives"]
    stage2 = [r.heading for r in model.requests if r.kind.startswith("stage2")]
    # scene 1 untouched; scene 2 edited; 3 and 4 see scene 2 in their context
    assert stage1 == ["INT. HALLWAY - NIGHT", "INT. ROOFTOP - NIGHT", "INT. STAIRWELL - NIGHT"]
    # the fake's prose for 3 and 4 does not change, so their stage 2 is kept; scene 2's
    # prose tells the new summary: formatted again
    assert stage2 == ["INT. HALLWAY - NIGHT"]
    reused = [(o.stage1_reused, o.stage2_reused) for o in result.pipeline.outcomes]
    assert reused == [(True, True), (False, False), (False, True), (False, True)]


def test_changed_prose_redoes_only_that_scenes_stage2(story_file, tmp_path):
    model, result = rerun_after_edit(story_file, tmp_path / "run", 2, place="BALCONY")
    assert [r.heading for r in model.requests if r.kind.startswith("stage2")] == ["INT. BALCONY - NIGHT"]
    assert "BALCONY" in (tmp_path / "run/screenplay.fountain").read_text()
    # scene 4's context changed (stage 1 again), its prose did not: its stage 2 is kept
    assert [(o.stage1_reused, o.stage2_reused) for o in result.pipeline.outcomes][3] == (False, True)


def test_scene_option_draws_a_new_take_of_one_scene_only(story_file, tmp_path):
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel())
    first = (out / "scenes/002/prose.md").read_text()

    takes_seen = []

    def prose_per_take(request):
        takes_seen.append(request.sample)
        return (f"Take {request.sample}. Rain runs down the glass of the hallway window. A coat hangs on a hook. "
                f"{request.field('What happens:')} "
                f'JONAH steps out of the shadow and says, "It was me, all along, every single night."')

    model = ScriptedModel(overrides={"prose": prose_per_take})
    result = run(story_file, out, model, scene=2)
    assert [r.heading for r in model.requests if r.kind == "directives"] == ["INT. HALLWAY - NIGHT"]
    assert takes_seen == [100]  # take 1 -> sample index 100
    assert (out / "scenes/002/prose.md").read_text() != first
    assert json.loads((out / "takes.json").read_text()) == {"2": 1}
    outcomes = result.pipeline.outcomes
    # scene 3 was written from take 0's ending of scene 2: kept as it is; scene 4's
    # inputs did not change at all
    assert [o.kept_from_earlier_take for o in outcomes] == [False, False, True, False]
    assert [o.stage1_reused for o in outcomes] == [True, False, True, True]

    # and a plain re-run afterwards keeps the new take and calls nothing
    calls = real_calls(out)
    again = ScriptedModel()
    run(story_file, out, again)
    assert again.requests == [] and real_calls(out) == calls
    assert "Take 100" in (out / "prose.md").read_text()


def test_direct_mode_marks_the_run_and_writes_no_prose(story_file, tmp_path):
    out = tmp_path / "direct"
    model = ScriptedModel()
    result = run(story_file, out, model, direct=True)
    assert set(model.kinds()) == {"direct_fountain"}
    assert not (out / "prose.md").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mode"] == "direct" and manifest["models"]["stage1"] is None
    sp = parse((out / "screenplay.fountain").read_text())
    assert len([e for e in sp.elements if e.type == "scene_heading"]) == 4
    assert "Direct baseline" in " ".join(sp.title_value("notes") or [])
    assert "direct baseline" in result.summary
    # context: scene 2's request carries the end of scene 1's screenplay
    second = [r for r in model.requests][1]
    assert "The previous scene ends (screenplay)" in second.user


def test_one_run_directory_holds_one_mode(story_file, tmp_path):
    import pytest

    from dsr.errors import UserError

    out = tmp_path / "run"
    run(story_file, out, ScriptedModel())
    with pytest.raises(UserError, match="holds a two-stage run"):
        run(story_file, out, ScriptedModel(), direct=True)


def test_json_mode_for_grammar_backends(story_file, tmp_path):
    out = tmp_path / "run"
    model = ScriptedModel(structured="grammar")
    run(story_file, out, model)
    stage2 = [r for r in model.requests if r.kind.startswith("stage2")]
    assert {r.kind for r in stage2} == {"stage2_json"}
    assert all(r.params.json_schema is not None for r in stage2)
    def cue_names(request):
        return request.params.json_schema["properties"]["elements"]["items"]["anyOf"][1]["properties"]["character"]["enum"]
    # a cue may name the scene's characters only: Jonah is in scene 2, not in scene 1
    assert cue_names(stage2[0]) == ["MAYA"] and cue_names(stage2[1]) == ["MAYA", "JONAH"]
    meta = json.loads((out / "scenes/001/meta.json").read_text())
    assert meta["stage2"]["format"] == "json" and meta["stage2"]["fallback"] is False
    text = (out / "scenes/001/screenplay.fountain").read_text()
    assert text.startswith("INT. KITCHEN - NIGHT\n") and "\nMAYA\nNobody has been in the kitchen all day." in text


def test_stage2_runs_concurrently_and_pipelines_with_stage1(tmp_path):
    """Scene 1's stage 2 overlaps later scenes' stage 1, and stage-2 calls
    run side by side: every stage-2 answer is held back until the last
    scene's stage 1 has been asked, and the calls waiting are counted."""
    import asyncio

    from fakes import request_kind

    scenes = 6
    story = write_yaml(tmp_path / "s.yaml", story_data(scenes))

    class Observed(ScriptedModel):
        def __init__(self):
            super().__init__()
            self.last_stage1 = asyncio.Event()
            self.stage2_waiting = self.max_stage2_waiting = 0
            self.held_back = 0  # stage-2 calls that waited for the last scene's stage 1

        async def complete(self, messages, params, sample=0):
            kind = request_kind(messages)
            if kind == "prose" and self.count("prose") == scenes - 1:
                self.last_stage1.set()
            if kind.startswith("stage2") and not self.last_stage1.is_set():
                self.stage2_waiting += 1
                self.max_stage2_waiting = max(self.max_stage2_waiting, self.stage2_waiting)
                try:
                    # A guard, not a measurement: a run that waited for
                    # stage 2 before going on with stage 1 would never set it.
                    await asyncio.wait_for(self.last_stage1.wait(), 60)
                    self.held_back += 1
                except asyncio.TimeoutError:
                    pass
                finally:
                    self.stage2_waiting -= 1
            return await super().complete(messages, params, sample)

    model = Observed()
    run(story, tmp_path / "run", model, concurrency=scenes)
    assert model.count("prose") == scenes and model.held_back >= 1  # stage 1 went on while stage 2 waited
    assert model.max_stage2_waiting >= 2  # stage-2 calls in flight side by side


def test_scene_option_in_direct_mode_keeps_the_scenes_after_it(story_file, tmp_path):
    out = tmp_path / "direct"
    run(story_file, out, ScriptedModel(), direct=True)
    from fakes import default_answer

    model = ScriptedModel(overrides={"direct_fountain": lambda r: default_answer(r) + f"\nTake {r.sample}.\n"})
    result = run(story_file, out, model, direct=True, scene=2)
    assert [r.sample for r in model.requests] == [100]
    assert [o.kept_from_earlier_take for o in result.pipeline.outcomes] == [False, False, True, False]
    again = ScriptedModel()
    run(story_file, out, again, direct=True)
    assert again.requests == []


def test_a_500_scene_outline_runs_with_bounded_prompts(tmp_path):
    story = write_yaml(tmp_path / "long.yaml", story_data(500))
    model = ScriptedModel()
    result = run(story, tmp_path / "run", model, concurrency=8)
    prompts = [sum(len(m["content"]) for m in r.messages) for r in model.requests if r.kind == "prose"]
    assert len(prompts) == 500
    assert max(prompts) < 1.5 * prompts[10]  # no growth with the scene number
    assert result.summary.startswith("500 scenes, ")
