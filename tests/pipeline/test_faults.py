"""Bad answers and failing backends: each handled in bounds, or reported in
one line naming the scene, with finished work kept."""

from __future__ import annotations

import json

import pytest
from pipeline_support import real_calls, run
from fakes import ScriptedModel, fail

from dsr.errors import UserError
from dsr.llm.base import Completion, Usage
from dsr.llm.cache import CallJournal
from dsr.pipeline.settings import Settings
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate


def test_truncated_prose_is_asked_again_with_a_higher_limit(story_file, tmp_path):
    def cut_at_first_limit(request):
        if request.params.max_tokens <= 600:
            return Completion("Rain taps on the glass. Maya reaches for the", "length", Usage(1, 700))
        return None  # the default, whole answer

    model = ScriptedModel(overrides={"prose": cut_at_first_limit})
    out = tmp_path / "run"
    run(story_file, out, model)
    limits = [r.params.max_tokens for r in model.requests if r.kind == "prose"]
    assert limits[:2] == [600, 1200]
    prose = (out / "scenes/001/prose.md").read_text()
    assert "reaches for the" not in prose and "Nobody has been" in prose


def test_prose_cut_off_past_the_asked_length_is_not_asked_again(story_file, tmp_path):
    """More room would only buy more words than asked for: the whole
    sentences are kept (flagged) and no second, longer call is made."""
    long_and_cut = lambda r: Completion(  # noqa: E731
        f"{r.field('What happens:')} " + " ".join(f"Maya dries mug number {n} and sets it on the shelf." for n in range(40))
        + " She turns, and the door", "length", Usage(1, r.params.max_tokens))
    model = ScriptedModel(overrides={"prose": long_and_cut})
    out = tmp_path / "run"
    run(story_file, out, model)
    limits = [r.params.max_tokens for r in model.requests if r.kind == "prose"]
    assert limits and set(limits) == {Settings().prose_tokens}  # never a raised limit
    prose = (out / "scenes/001/prose.md").read_text().strip()
    assert prose.endswith("sets it on the shelf.")
    manifest = json.loads((out / "manifest.json").read_text())
    assert "truncated" in manifest["scenes"][0]["flags"]


def test_prose_still_cut_off_keeps_whole_sentences_and_is_flagged(story_file, tmp_path):
    always_cut = lambda r: Completion(  # noqa: E731
        f"{r.field('What happens:')} Rain taps on the glass of the kitchen window, steady and slow. Maya stands at the sink "
        "and dries one mug with a towel. She turns, and the door", "length", Usage(1, r.params.max_tokens))
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": always_cut}))
    prose = (out / "scenes/001/prose.md").read_text().strip()
    assert prose.endswith("with a towel.")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenes"][0]["flags"] == ["truncated"]
    assert any("cut off" in w for w in manifest["warnings"])


def test_think_blocks_chatter_and_fences_are_cleaned(story_file, tmp_path):
    wrapped = lambda r: (  # noqa: E731
        "<think>The user wants prose. Let me plan.</think>\nSure! Here is the scene:\n```\n"
        f'Rain taps on the window. {r.field("What happens:")}\n\nMAYA lifts the mug and says, "Who used this?"\n'
        "```\nLet me know if you want changes.")
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": wrapped}))
    prose = (out / "scenes/001/prose.md").read_text()
    assert prose.startswith("Rain taps on the window.")
    assert "think" not in prose and "Sure" not in prose and "```" not in prose and "Let me know" not in prose


def test_junk_prose_is_asked_again_with_the_findings_then_built_from_the_outline(story_file, tmp_path):
    model = ScriptedModel(overrides={"prose": lambda r: "...", "prose_repair": lambda r: "..."})
    out = tmp_path / "run"
    result = run(story_file, out, model)
    scene1 = [r for r in model.requests if r.kind.startswith("prose") and "KITCHEN" in r.heading]
    assert [r.kind for r in scene1] == ["prose", "prose_repair"]  # --max-attempts 2
    assert "no usable prose" in scene1[1].user
    assert (out / "scenes/001/prose.md").read_text().strip() == "Maya searches the place for the mug, step 1."
    meta = json.loads((out / "scenes/001/meta.json").read_text())["stage1"]
    assert meta["fallback"] == "outline" and meta["attempts"] == 2 and len(meta["rejected"]) == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert "prose_from_outline" in manifest["scenes"][0]["flags"]
    assert manifest["scenes"][0]["fallback"] == "outline" and manifest["built_from_outline"] == [1, 2, 3, 4]
    assert "4 scenes built from the outline" in result.summary
    text = (out / "screenplay.fountain").read_text()
    assert not [f for f in validate(parse(text)) if f.severity == "error"]


def test_bad_directives_fall_back_to_the_outline(story_file, tmp_path):
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"directives": lambda r: "I cannot do JSON, sorry."}))
    directives = json.loads((out / "scenes/001/directives.json").read_text())
    assert directives["action_beats"] == ["Maya searches the place for the mug, step 1."]
    assert "directives_from_outline" in json.loads((out / "manifest.json").read_text())["scenes"][0]["flags"]


def test_stage2_repairs_with_the_validator_findings(story_file, tmp_path):
    def colon_cue_first(request):
        if request.kind == "stage2_fountain":
            return "INT. KITCHEN - NIGHT\n\nRain taps on the window. A kettle starts to hum.\n\nMAYA: Nobody has been here all day.\n"
        return None

    model = ScriptedModel(overrides={"stage2_fountain": colon_cue_first})
    out = tmp_path / "run"
    run(story_file, out, model)
    repairs = [r for r in model.requests if r.kind == "stage2_fountain_repair"]
    assert repairs, model.kinds()
    assert "line" in repairs[0].user and ("cue" in repairs[0].user.lower() or "dialogue" in repairs[0].user.lower())
    meta = json.loads((out / "scenes/001/meta.json").read_text())["stage2"]
    assert meta["attempts"] == 2 and meta["fallback"] is False and meta["rejected"]


def test_hopeless_stage2_answers_end_in_the_fallback_flagged(story_file, tmp_path):
    junk = lambda r: "I am sorry, I cannot help with that."  # noqa: E731
    model = ScriptedModel(overrides={k: junk for k in (
        "stage2_fountain", "stage2_fountain_repair", "stage2_json", "stage2_json_repair")})
    out = tmp_path / "run"
    result = run(story_file, out, model, max_attempts=3)
    per_scene = [r.kind for r in model.requests if "kitchen" in r.messages[1]["content"] and r.kind.startswith("stage2")]
    assert per_scene == ["stage2_fountain", "stage2_fountain_repair", "stage2_json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["fallbacks"] == [1, 2, 3, 4]
    assert "4 scenes used the fallback" in result.summary
    text = (out / "screenplay.fountain").read_text()
    sp = parse(text)
    assert not [f for f in validate(sp, text) if f.severity == "error"]
    # the fallback kept the prose's words: Maya's line is dialogue under her cue
    assert any(el.type == "dialogue" and "Nobody has been in the kitchen all day." in el.text for el in sp.elements)


def test_unreachable_server_names_the_scene_and_keeps_finished_work(story_file, tmp_path):
    out = tmp_path / "run"
    calls = {"n": 0}

    def third_scene_fails(request):
        if "ROOFTOP" in request.heading:
            raise_it = fail()
            raise_it(request)
        return None

    model = ScriptedModel(overrides={"*": third_scene_fails})
    with pytest.raises(UserError) as info:
        run(story_file, out, model)
    message = str(info.value)
    assert message.startswith("scene 3 (INT. ROOFTOP - NIGHT): stage 1: cannot reach http://127.0.0.1:9/v1")
    assert "\n" not in message and info.value.exit_code == 4
    # scenes 1 and 2 are finished on disk, both stages
    for n in (1, 2):
        assert (out / f"scenes/00{n}/screenplay.fountain").exists()
    assert not (out / "scenes/003/prose.md").exists()
    assert not (out / ".lock").exists()
    done = real_calls(out)

    # the server is back: resume repeats no finished call
    model = ScriptedModel()
    run(story_file, out, model)
    assert [r.heading for r in model.requests if r.kind == "directives"] == ["INT. ROOFTOP - NIGHT", "INT. STAIRWELL - NIGHT"]
    journal = CallJournal(out / "calls.sqlite")
    assert journal.repeated_keys() == {}
    assert journal.real_calls() == done + 6


def test_stage2_failure_names_the_scene_and_stage(story_file, tmp_path):
    def second_scene(request):
        if "HALLWAY" in request.heading:
            fail("HTTP 500 from http://127.0.0.1:9/v1 after 4 retries")(request)

    model = ScriptedModel(overrides={"stage2_fountain": second_scene})
    with pytest.raises(UserError, match=r"^scene 2 \(INT\. HALLWAY - NIGHT\): stage 2: HTTP 500"):
        run(story_file, tmp_path / "run", model)
    assert (tmp_path / "run/scenes/001/screenplay.fountain").exists()


def test_a_looping_answer_is_not_given_more_room_and_is_deduplicated(story_file, tmp_path):
    looping = lambda r: Completion(  # noqa: E731
        f"{r.field('What happens:')} Rain hits the window of the kitchen. Maya stands by the sink and waits for the kettle to boil over. "
        + "She looks at herself. " * 40,
        "length", Usage(1, r.params.max_tokens))
    model = ScriptedModel(overrides={"prose": looping})
    out = tmp_path / "run"
    run(story_file, out, model)
    assert [r.params.max_tokens for r in model.requests if r.kind == "prose"][:2] == [600, 600]  # next scene
    prose = (out / "scenes/001/prose.md").read_text().strip()
    assert prose == ("Maya searches the place for the mug, step 1. Rain hits the window of the kitchen. Maya stands by the sink and waits for the kettle to boil "
                     "over. She looks at herself.")
    assert json.loads((out / "manifest.json").read_text())["scenes"][0]["flags"] == ["truncated"]


def test_a_looping_json_answer_is_not_given_more_room_and_ends_in_the_fallback(story_file, tmp_path):
    element = '{"type": "action", "text": "The scene is set on a small island in the middle of the sea."}, '
    looping = lambda r: Completion('{"elements": [' + element * 30, "length", Usage(1, r.params.max_tokens))  # noqa: E731
    model = ScriptedModel(structured="grammar", overrides={"stage2_json": looping, "stage2_json_repair": looping})
    out = tmp_path / "run"
    run(story_file, out, model)
    json_calls = [r for r in model.requests if r.kind.startswith("stage2_json")]
    assert len(json_calls) == 8  # 4 scenes x 2 attempts, none asked again with a higher limit
    assert len({r.params.max_tokens for r in json_calls}) == 1
    assert json_calls[0].params.json_schema["properties"]["elements"]["maxItems"] == 10  # 6 prose sentences + 4
    assert json.loads((out / "manifest.json").read_text())["fallbacks"] == [1, 2, 3, 4]


def test_json_made_of_other_words_than_the_prose_is_rejected(story_file, tmp_path):
    invented = lambda r: json.dumps({"elements": [  # noqa: E731
        {"type": "action", "text": "Spaceships descend over a burning metropolis while sirens wail."},
        {"type": "dialogue", "character": "MAYA", "text": "Nobody has been in the kitchen all day."}]})
    model = ScriptedModel(structured="grammar", overrides={"stage2_json": invented, "stage2_json_repair": invented})
    out = tmp_path / "run"
    run(story_file, out, model)
    meta = json.loads((out / "scenes/001/meta.json").read_text())["stage2"]
    assert meta["fallback"] is True
    assert "added-content" in {f["code"] for f in meta["rejected"][0]}


def test_the_fallback_may_keep_a_speaker_the_prose_names_in_capitals(story_file, tmp_path):
    prose = lambda r: (f"{r.field('What happens:')} The kitchen is dark and quiet. A radio plays low on the shelf.\n\n"  # noqa: E731
                       "WAITER: Your table is ready, madam, whenever you are.")
    junk = lambda r: "no"  # noqa: E731
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": prose, "stage2_fountain": junk, "stage2_fountain_repair": junk}))
    assert "\nWAITER\nYour table is ready" in (out / "scenes/001/screenplay.fountain").read_text()


def test_prose_that_parrots_the_prompt_loses_those_sentences(story_file, tmp_path):
    parrot = lambda r: (  # noqa: E731
        "Write scene 1 of the film as prose for the screen, in English, present tense. "
        "Maya searches the place for the mug, step 1. Rain taps on the window and the kettle hums.\n\n"
        "Only what a camera sees and a microphone hears: no thoughts, no feelings that are not shown. "
        'MAYA opens the cupboard and says, "It was here this morning, I am sure of it."')
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": parrot}))
    prose = (out / "scenes/001/prose.md").read_text()
    assert "Write scene" not in prose and "microphone" not in prose
    assert prose.startswith("Maya searches the place for the mug, step 1.")  # the summary may be quoted
    assert "It was here this morning" in prose


def test_json_that_repeats_the_prose_twice_is_rejected(story_file, tmp_path):
    twice = lambda r: json.dumps({"elements": [  # noqa: E731
        {"type": "action", "text": "MAYA crosses to the table and lifts a mug. She turns it over."},
        {"type": "dialogue", "character": "MAYA", "text": "MAYA crosses to the table and lifts a mug."}]})
    model = ScriptedModel(structured="grammar", overrides={"stage2_json": twice, "stage2_json_repair": twice})
    run(story_file, tmp_path / "run", model)
    meta = json.loads((tmp_path / "run/scenes/001/meta.json").read_text())["stage2"]
    assert "repeated-text" in {f["code"] for f in meta["rejected"][0]}


def test_run_on_loops_and_echoed_plan_labels_are_cut_from_the_prose():
    from dsr.pipeline.stage1 import clean_prose

    loop = "The story was about the sisters and " + "a little girl who would be " * 12 + "happy."
    text = clean_prose(f"Rain falls on the causeway. {loop}\n\nRevelation: the tin holds the ashes. Nell waits.")
    assert text == ("Rain falls on the causeway. The story was about the sisters and a little girl who would "
                    "be a little girl who would be ...\n\nNell waits.")


def test_direct_answers_that_repeat_themselves_are_rejected_and_cleaned(story_file, tmp_path):
    looping = lambda r: ("INT. KITCHEN - NIGHT\n\n" + "Maya searches the place for the mug, step 1. " * 6  # noqa: E731
                         + "\n\nMAYA\nWhere is the mug?\n")
    out = tmp_path / "direct"
    run(story_file, out, ScriptedModel(overrides={"direct_fountain": looping, "direct_fountain_repair": looping}),
        direct=True)
    meta = json.loads((out / "scenes/001/meta.json").read_text())["direct"]
    assert meta["fallback"] is True and "repeated-text" in {f["code"] for f in meta["rejected"][0]}
    text = (out / "scenes/001/screenplay.fountain").read_text()
    # the action once (it was six times) and Maya's line once
    assert text == "INT. KITCHEN - NIGHT\n\nMaya searches the place for the mug, step 1.\n\nMAYA\nWhere is the mug?\n"
