"""The stage-1 fidelity gate in the pipeline (scripted model): repair with
the findings, the outline-built floor, the same gate for --direct, and keys
that hold the exact rendered requests (an edited template redoes exactly
the scenes whose requests changed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pipeline_support import run, word_overlap
from fakes import ScriptedModel, default_answer

from dsr.fidelity.prose import scene_brief
from dsr.pipeline import prompts
from dsr.pipeline.floor import outline_prose, usable_beat
from dsr.story.loader import load_story
from dsr.story.model import SceneDirectives
from dsr.templates import TemplateSet

ARCHIE = 'ARCHIE walks in from the rain and says, "Nobody touched your mug."'


def invents_archie_in_the_hallway(request):
    """The first prose answer for scene 2 brings in a person the story does not have."""
    if "HALLWAY" in request.heading:
        return default_answer(request) + "\n\n" + ARCHIE
    return None


@pytest.fixture
def templates(tmp_path, monkeypatch) -> Path:
    """The pipeline's templates read from an editable copy."""
    folder = tmp_path / "templates"
    shutil.copytree(Path(prompts.__file__).parent / "prompts", folder)

    class CopiedTemplates(TemplateSet):
        def text(self, name: str) -> str:
            return (folder / f"{name}.txt").read_text("utf-8")

    monkeypatch.setattr(prompts, "TEMPLATES", CopiedTemplates("dsr.pipeline", prompts.TEMPLATE_NAMES))
    return folder


def edit(folder: Path, name: str) -> None:
    path = folder / f"{name}.txt"
    path.write_text(path.read_text("utf-8") + "\nBe brief.\n", "utf-8")


def meta(out: Path, scene: int) -> dict:
    return json.loads((out / f"scenes/{scene:03d}/meta.json").read_text())


def test_prose_with_an_invented_speaker_is_asked_again_with_the_findings(story_file, tmp_path):
    model = ScriptedModel(overrides={"prose": invents_archie_in_the_hallway})
    out = tmp_path / "run"
    result = run(story_file, out, model)
    repairs = [r for r in model.requests if r.kind == "prose_repair"]
    assert [r.heading for r in repairs] == ["INT. HALLWAY - NIGHT"]
    assert "ARCHIE" in repairs[0].user and "not in the story" in repairs[0].user
    stage1 = meta(out, 2)["stage1"]
    assert stage1["attempts"] == 2 and stage1["fallback"] is None
    assert {f["code"] for f in stage1["rejected"][0]} == {"invented-character"}
    assert "ARCHIE" not in (out / "prose.md").read_text()
    assert "built from the outline" not in result.summary


def test_editing_a_template_redoes_exactly_the_scenes_whose_requests_changed(story_file, tmp_path, templates):
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": invents_archie_in_the_hallway}))

    def rerun() -> ScriptedModel:
        model = ScriptedModel(overrides={"prose": invents_archie_in_the_hallway})
        run(story_file, out, model)
        return model

    # the prose repair: only scene 2 sent one; its first answers come from the call cache
    edit(templates, "stage1_repair")
    model = rerun()
    assert [(r.kind, r.heading) for r in model.requests] == [("prose_repair", "INT. HALLWAY - NIGHT")]
    # the JSON format reminder: no scene used JSON (a Fountain run): nothing
    edit(templates, "format_reminder_json")
    assert rerun().requests == []
    # stage 2's Fountain request: every scene's stage 2, no stage 1
    edit(templates, "stage2_fountain")
    assert sorted(r.kind for r in rerun().requests) == ["stage2_fountain"] * 4
    # stage 1's prose request: every scene's prose (and scene 2's repair), stage 2 kept: same prose
    edit(templates, "stage1_prose")
    kinds = [r.kind for r in rerun().requests]
    assert sorted(kinds) == ["prose"] * 4 + ["prose_repair"]
    # nothing edited: nothing asked
    assert rerun().requests == []


def test_max_attempts_change_redoes_only_repaired_scenes(story_file, tmp_path):
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"prose": invents_archie_in_the_hallway}))
    model = ScriptedModel(overrides={"prose": invents_archie_in_the_hallway})
    run(story_file, out, model, max_attempts=3)
    assert model.requests == []  # the repair answered from the cache, same prose: no call reaches the model
    stage1 = [meta(out, n)["stage1"] for n in (1, 2, 3, 4)]
    assert [m["repair_key"] is not None for m in stage1] == [False, True, False, False]


def test_hopeless_prose_is_built_from_the_outline_with_every_character_named(story_file, tmp_path):
    hopeless = lambda r: ARCHIE + " Rain drums on a tin roof somewhere far away, and the sea is loud."  # noqa: E731
    model = ScriptedModel(overrides={"prose": hopeless, "prose_repair": hopeless})
    out = tmp_path / "run"
    result = run(story_file, out, model)
    prose = (out / "scenes/002/prose.md").read_text()
    assert "Maya searches the place for the mug, step 2." in prose and "JONAH" in prose and "ARCHIE" not in prose
    assert meta(out, 2)["stage1"]["fallback"] == "outline"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["built_from_outline"] == [1, 2, 3, 4]
    assert {s["fallback"] for s in manifest["scenes"]} == {"outline"}
    assert "4 scenes built from the outline" in result.summary
    screenplay = (out / "screenplay.fountain").read_text()
    assert "ARCHIE" not in screenplay and "JONAH" in screenplay.split("INT. HALLWAY")[1]


def test_one_attempt_means_no_repair(story_file, tmp_path):
    model = ScriptedModel(overrides={"prose": invents_archie_in_the_hallway})
    out = tmp_path / "run"
    run(story_file, out, model, max_attempts=1)
    assert "prose_repair" not in model.kinds()
    assert meta(out, 2)["stage1"]["fallback"] == "outline" and meta(out, 1)["stage1"]["fallback"] is None


def test_stage2_that_drops_a_character_is_repaired(story_file, tmp_path):
    def drops_jonah(request):
        return default_answer(request).replace("Jonah watches her from the door.", "")
    model = ScriptedModel(overrides={"stage2_fountain": drops_jonah})
    out = tmp_path / "run"
    run(story_file, out, model)
    stage2 = meta(out, 2)["stage2"]
    assert stage2["attempts"] == 2 and {f["code"] for f in stage2["rejected"][0]} == {"missing-character"}
    assert meta(out, 1)["stage2"]["attempts"] == 1  # scene 1 has no Jonah to drop
    assert "Jonah" in (out / "scenes/002/screenplay.fountain").read_text()


def test_stage2_that_talks_about_the_scene_is_repaired(story_file, tmp_path):
    def narrates(request):
        return default_answer(request).replace("Rain taps", "The scene begins with rain. Rain taps", 1)
    model = ScriptedModel(overrides={"stage2_fountain": narrates})
    out = tmp_path / "run"
    run(story_file, out, model)
    stage2 = meta(out, 1)["stage2"]
    assert {f["code"] for f in stage2["rejected"][0]} == {"scene-narration"}
    assert "The scene begins" not in (out / "scenes/001/screenplay.fountain").read_text()


def test_the_elements_schema_allows_only_real_transitions():
    """A free transition string let the embedded model write "The scene ends
    with Captain Ib" (cut at the string's length limit); llama.cpp must
    accept the schema as a grammar."""
    from llama_cpp import LlamaGrammar

    from dsr.pipeline.scene import TRANSITIONS, elements_from_json, elements_schema

    schema = elements_schema(["NELL", "TESS"])
    transition = schema["properties"]["elements"]["items"]["anyOf"][2]["properties"]["text"]
    assert transition == {"enum": list(TRANSITIONS)}
    LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    parsed = elements_from_json({"elements": [{"type": "action", "text": "Nell runs."},
                                              *({"type": "transition", "text": t} for t in TRANSITIONS)]})
    assert [el.type for el in parsed] == ["action"] + ["transition"] * len(TRANSITIONS)


def test_direct_gets_the_same_gate(story_file, tmp_path):
    def invented_actor(request):
        return default_answer(request) + "\nARCHIE walks in and sits at the table.\n"
    model = ScriptedModel(overrides={"direct_fountain": invented_actor})
    out = tmp_path / "direct"
    run(story_file, out, model, direct=True)
    direct = meta(out, 1)["direct"]
    assert direct["attempts"] == 2 and {f["code"] for f in direct["rejected"][0]} == {"invented-character"}
    assert "ARCHIE" not in (out / "screenplay.fountain").read_text()


def test_direct_answers_that_never_keep_the_outline_are_built_from_it(story_file, tmp_path):
    off_story = lambda r: "INT. KITCHEN - NIGHT\n\nA spaceship lands in a field.\n\nARCHIE\nTake me to your leader.\n"  # noqa: E731
    model = ScriptedModel(overrides={"direct_fountain": off_story, "direct_fountain_repair": off_story})
    out = tmp_path / "direct"
    result = run(story_file, out, model, direct=True)
    assert meta(out, 2)["direct"]["fallback"] == "outline"
    screenplay = (out / "scenes/002/screenplay.fountain").read_text()
    assert "Maya searches the place for the mug, step 2." in screenplay and "JONAH" in screenplay
    assert "ARCHIE" not in (out / "screenplay.fountain").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["built_from_outline"] == [1, 2, 3, 4] and manifest["fallbacks"] == []
    assert "4 scenes built from the outline" in result.summary


def test_the_floor_keeps_only_the_directives_beats_about_the_scene(story_file, tmp_path):
    beats = lambda r: json.dumps({  # noqa: E731
        "pacing": "slow", "revelation": "none", "emotional_trajectory": "flat",
        "action_beats": ["2. Maya searches the hallway for the mug.",  # about the summary (list mark dropped)
                         "The scene is one sentence only.",  # an echo of the instructions
                         "7. A man with a knife, a woman with a cat - 8 different people who eat her food.",
                         "Maya searches the place for the mug under every coat.",  # a thing the outline lacks
                         "ARCHIE walks in and sits down."]})  # somebody the story does not have
    hopeless = lambda r: "..."  # noqa: E731
    out = tmp_path / "run"
    run(story_file, out, ScriptedModel(overrides={"directives": beats, "prose": hopeless, "prose_repair": hopeless}))
    prose = (out / "scenes/002/prose.md").read_text()
    assert prose == ("JONAH is there.\n\nMaya searches the place for the mug, step 2.\n\n"
                     "Maya searches the hallway for the mug.\n")


LOW_WATER = Path(__file__).resolve().parents[2] / "examples/short_film.yaml"
JUNK_BEATS = [
    "7. A man with a knife, a woman with a cat - 8 different people who eat her food.",  # a real 135M beat
    "The scene shows the audience the tension between the sisters.",  # an echo of the instructions
    "Write one sentence only, with pacing that reveals the sand.",  # an echo, with the summary's words
    "1. Nell 2. Tess 3. Archie",  # a list of the cast
    "Nell meets Daniel at the lighthouse.",  # a person and a place the outline does not have
    "Tess pulls a gun from her bag on the sand.",  # a thing the outline does not have
    "Three fishermen watch the bell from the sand.",  # a count and people the summary does not mention
]
GOOD_BEATS = [
    "- Archie chalks the safe time on the tide board and rings the bell.",
    "Nell checks the diver's watch and sets off across the sand.",
]


@pytest.mark.parametrize("beat", JUNK_BEATS)
def test_the_floor_leaves_out_a_small_models_junk_beats(beat):
    story = load_story(LOW_WATER)
    assert not usable_beat(beat, scene_brief(story, 0), word_overlap)
    prose = outline_prose(story, 0, SceneDirectives(action_beats=[beat]), word_overlap)
    assert prose == " ".join(story.scenes[0].summary.split())


@pytest.mark.parametrize("beat", GOOD_BEATS)
def test_the_floor_keeps_a_beat_that_restates_a_summary_event(beat):
    story = load_story(LOW_WATER)
    assert usable_beat(beat, scene_brief(story, 0), word_overlap)
    prose = outline_prose(story, 0, SceneDirectives(action_beats=[*JUNK_BEATS, beat]), word_overlap)
    assert prose.split("\n\n")[1] == beat.lstrip("- ")


def test_narration_or_a_transition_given_to_a_character_is_not_dialogue():
    from dsr.pipeline.scene import Source, fidelity_findings
    from dsr.screenplay.model import Element

    prose = ('Tomas knocks on the glass. Rosa does not open the hatch. "Let me in," Tomas says. '
             "Rosa tells him the last ferry is full.")
    source = Source.of(["ROSA", "TOMAS"], prose)

    def spoken(text):
        return [Element("action", "Tomas knocks on the glass.", 1), Element("character", "TOMAS", 2, name="TOMAS"),
                Element("dialogue", text, 3)]

    def codes(text):
        return {f.code for f in fidelity_findings(spoken(text), source)}

    assert "narration-as-dialogue" in codes("Rosa does not open the hatch.")
    assert "transition-in-dialogue" in codes("CUT TO: Rosa does not open the")
    for speech in ("Let me in.", "The last ferry is full.", "Cut to the chase, Rosa.", "Fade in, fade out, that is the job."):
        assert codes(speech) & {"narration-as-dialogue", "transition-in-dialogue"} == set(), speech


@pytest.mark.parametrize("prose", [
    "Tomas bangs on the glass. 'Let me in, Rosa, please.' Rosa does not move.",
    "Tomas bangs on the glass. \u00ab Let me in, Rosa, please. \u00bb Rosa does not move.",
    "Tomas bangs on the glass.\n\u2014Let me in, Rosa, please.\nRosa does not move.",
    'Tomas bangs on the glass and shouts, "Let me in, Rosa, please.\n\nRosa does not move.',
])
def test_speech_in_any_quoting_style_may_become_dialogue(prose):
    from dsr.pipeline.scene import Source, fidelity_findings
    from dsr.screenplay.model import Element

    body = [Element("action", "Tomas bangs on the glass. Rosa does not move.", 1),
            Element("character", "TOMAS", 2, name="TOMAS"), Element("dialogue", "Let me in, Rosa, please.", 3)]
    found = {f.code for f in fidelity_findings(body, Source.of(["ROSA", "TOMAS"], prose))}
    assert "narration-as-dialogue" not in found
