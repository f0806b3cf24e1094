"""Continuity findings on hand-made screenplays and stories: drift caught and
legitimate variants left alone, presence against the scene's outline, time
and place words against the heading."""

from __future__ import annotations

import pytest

from dsr.fidelity.continuity import SceneCountError, check_screenplay
from dsr.fidelity.names import Cast, near_miss
from dsr.screenplay.parser import parse
from dsr.story.model import Story

CAST = [{"name": "NELL", "profile": "the elder sister"}, {"name": "TESS"}, {"name": "ARCHIE MUIR"}]


def story(*scenes: dict, characters=CAST) -> Story:
    return Story.model_validate({"title": "Low Water", "characters": characters, "scenes": list(scenes)})


def scene(place: str, time: str = "DAY", characters=("NELL", "TESS"), **more) -> dict:
    return {"place": place, "time": time, "interior": False, "characters": list(characters),
            "summary": "Something happens.", **more}


def screenplay(st: Story, *bodies: str, headings: list[str] | None = None):
    headings = headings or [s.heading() for s in st.scenes]
    return parse("\n\n".join(f"{h}\n\n{b.strip()}\n" for h, b in zip(headings, bodies)))


def findings(st: Story, *bodies: str, **kw) -> list:
    return check_screenplay(st, screenplay(st, *bodies, **kw))


def codes(found) -> list[tuple[str, tuple[int, ...]]]:
    return [(f.code, f.scenes) for f in found]


TWO = story(scene("CAUSEWAY CAR PARK"), scene("THE CAUSEWAY"))


# ---------------------------------------------------------------- name drift

def test_a_drifting_cue_and_a_drifting_name_in_action_are_one_finding_with_their_scenes():
    found = findings(TWO, "NELL\nLate again.\n\nTESS\nBus.",
                     "Nelly marches ahead, and Tess follows Nelly.\n\nNELLY\nChapel ruin.\n\nTESS\nSeal rocks.")
    assert codes(found) == [("name-drift", (2,))]
    assert "NELLY looks like NELL" in found[0].message and found[0].line == 12  # the action line that first says Nelly


@pytest.mark.parametrize("variant", ["NEL", "NELLIE", "NELLY"])
def test_near_miss_cues_are_drift(variant):
    found = findings(TWO, f"{variant}\nLate again.", "TESS\nBus.")
    assert codes(found) == [("name-drift", (1,))] and found[0].message.startswith(f"{variant} looks like NELL")


def test_drift_in_a_multi_word_name_and_by_one_edit():
    found = findings(TWO, "ARCHIE MUIRR\nTide's turning.\n\nTESA\nI know.", "NELL\nFine.",)
    assert sorted(f.message.split(" looks like ")[1].split(" under")[0] for f in found
                  if f.code == "name-drift") == ["ARCHIE MUIR", "TESS"]


def test_possessives_case_titles_extensions_and_name_parts_are_not_drift():
    cast = [{"name": "NELL HARTLEY"}, {"name": "TESS"}, {"name": "OKAFOR"}]
    st = story(scene("CAR PARK", characters=["NELL HARTLEY", "TESS", "OKAFOR"]),
               scene("HUT", characters=["NELL HARTLEY", "TESS", "OKAFOR"]), characters=cast)
    found = findings(
        st,
        "Nell's van idles. NELL HARTLEY, 41, checks her watch. Tess takes Nells tin. hartley is painted on it.\n\n"
        "NELL (V.O.)\nFive minutes.\n\nNELL (CONT'D)\nFour.\n\nTESS (O.S.)\nComing!",
        "Mr. Okafor waits with MR. OKAFOR's dog.\n\nMR. OKAFOR\nTea?\n\nHARTLEY\nNo.\n\nTess'\nMaybe.",
    )
    assert [f for f in found if f.code == "name-drift"] == []


def test_two_cast_members_with_close_names_are_both_legitimate():
    st = story(scene("ROOM", characters=["ANN", "ANNE"]), scene("HALL", characters=["ANN", "ANNE"]),
               characters=["ANN", "ANNE"])
    assert findings(st, "ANN\nHi.\n\nANNE\nHi.", "Anne waves at Ann.") == []


def test_an_ordinary_word_at_a_sentence_start_is_not_a_drifting_name():
    st = story(scene("OFFICE", characters=["MARK", "NELL"]), scene("YARD", characters=["MARK", "NELL"]),
               characters=["MARK", "NELL"])
    # DARK and WELL are one edit from MARK and NELL, but here they are just words.
    assert findings(st, "Dark. A lamp clicks on. Mark sits.\n\nNELL\nWell?", "Well, the rain stops. Nell nods.") == []


def test_central_park_is_a_place_not_mark_under_another_name():
    st = story(scene("OFFICE", characters=["MARK"]), scene("YARD", characters=["MARK"]), characters=["MARK"])
    assert findings(st, "Mark looks out over Central Park.", "MARK\nNice.") == []


def test_a_declared_alias_is_not_drift():
    cast = [{"name": "NELL", "aliases": ["NELLY"]}, {"name": "TESS"}]
    st = story(scene("CAR PARK"), scene("HUT"), characters=cast)
    assert findings(st, "NELLY\nLate.", "Nelly waits.\n\nTESS\nSorry.") == []


@pytest.mark.parametrize("variant, form, in_text, expected", [
    ("NELLY", "NELL", False, True), ("NEL", "NELL", False, True), ("TESSA", "TESS", False, True),
    ("NELLS", "NELL", True, False), ("NELLS", "NELL", False, True), ("NEIL", "NELL", False, True),
    ("TSES", "TESS", False, True), ("CHRISTOFER", "CHRISTOPHER", False, True), ("AL", "ALI", False, False),
    ("SAMUEL", "SAM", False, False), ("NELL", "NELL", False, False), ("BOB", "ROB", False, False),
])
def test_near_miss(variant, form, in_text, expected):
    assert near_miss(variant, form, in_text=in_text) is expected


def test_a_family_name_shared_by_two_people_refers_to_nobody_in_particular():
    cast = Cast.of(Story.model_validate({"title": "t", "characters": ["NELL HARTLEY", "TESS HARTLEY"],
                                         "scenes": [{"summary": "x"}]}))
    assert cast.person("NELL") == "NELL HARTLEY" and cast.person("Mr. Hartley") == ""
    assert cast.person("BOB") is None


# ---------------------------------------------------------------- who is in the scene

def test_a_cast_member_speaking_in_a_scene_whose_outline_leaves_them_out_is_reported():
    found = findings(TWO, "NELL\nLate.\n\nARCHIE\nTide's turning.", "TESS\nBus.")
    assert codes(found) == [("not-in-scene-outline", (1,))]
    assert found[0].message.startswith("ARCHIE MUIR speaks here") and "lists NELL, TESS" in found[0].message


def test_a_cast_member_acting_in_the_action_counts_a_mention_does_not():
    found = findings(TWO, "Archie rings the bell. Nell waits.", "Tess holds a photo of Archie. Nell talks about Archie.")
    assert codes(found) == [("not-in-scene-outline", (1,))] and "is in the action" in found[0].message


def test_voices_heard_but_not_present_are_not_in_the_scene():
    assert findings(TWO, "ARCHIE (V.O.)\nSafe until 11:40.\n\nNELL\nRight.",
                    "ARCHIE (ON PHONE)\nStay put.\n\nTESS\nWe will.") == []


def test_roles_may_speak_named_strangers_may_not():
    found = findings(TWO, "WAITER\nTea?\n\nCOP #2\nMove along.\n\nOLD MAN\nHm.", "BOB\nHello.\n\nTESS\nWho are you?")
    assert codes(found) == [("uncast-speaker", (2,))] and found[0].message.startswith("BOB speaks")


def test_the_scenes_extras_may_speak():
    st = story(scene("CAR PARK", extras=["BOB"]), scene("HUT"))
    assert codes(findings(st, "BOB\nHello.\n\nNELL\nHi.", "BOB\nHello again.")) == [("uncast-speaker", (2,))]


# ---------------------------------------------------------------- time of day

@pytest.mark.parametrize("action", [
    "Morning light floods the car park.",
    "Nell squints into the sunlight.",
    "They wait in the afternoon heat.",
])
def test_day_words_in_a_night_scene_contradict_the_heading(action):
    st = story(scene("CAR PARK", "NIGHT"), scene("HUT", "NIGHT"))
    found = findings(st, action, "Nell waits.")
    assert codes(found) == [("time-contradiction", (1,))] and "NIGHT" in found[0].message


@pytest.mark.parametrize("action", [
    "Nell has not slept since last night.",  # another time
    "They talk until dawn.",
    "A sign reads \"MORNING SPECIALS\".",  # quoted
    "The RADIO plays MORNING NEWS.",  # capitals
    "Nell works the night shift.",  # a compound
    "Tess looks at a photo of the harbour at noon.",  # a picture
    "Dawn Miller parks her van.",  # a name
])
def test_words_about_another_time_are_not_contradictions(action):
    st = story(scene("CAR PARK", "DAY"), scene("HUT", "NIGHT"))
    assert findings(st, action, action) == []


def test_dialogue_may_talk_about_any_time():
    st = story(scene("CAR PARK", "NIGHT"), scene("HUT", "DAY"))
    assert findings(st, "NELL\nSee you in the morning.", "TESS\nIt was a long night.") == []


def test_continuous_takes_the_time_of_the_scene_before():
    st = story(scene("CAR PARK", "NIGHT"), scene("HUT", "CONTINUOUS"))
    found = findings(st, "Nell waits.", "Sunlight spills across the floor.")
    assert codes(found) == [("time-contradiction", (2,))] and "CONTINUOUS (so NIGHT)" in found[0].message


def test_dusk_and_dawn_neighbour_the_night():
    st = story(scene("CAR PARK", "DUSK"), scene("HUT", "DAWN"))
    assert findings(st, "Night falls over the car park.", "The last of the night fades.") == []
    assert codes(findings(st, "The morning sun rises.", "A red sunset.")) == [
        ("time-contradiction", (1,)), ("time-contradiction", (2,))]


# ---------------------------------------------------------------- place and heading

def test_a_static_sentence_in_another_place_of_the_story_contradicts_the_heading():
    st = story(scene("GARAGE"), scene("MAYA'S KITCHEN"), scene("NELL'S VAN"))
    found = findings(st, "Nell sits in the kitchen, eating toast.", "Tess waits.", "Nell sits in the van.")
    assert codes(found) == [("place-contradiction", (1,))] and "GARAGE" in found[0].message


@pytest.mark.parametrize("action", [
    "Nell walks into the kitchen.",  # moving on
    "In the garage next door, an engine starts. Nell looks up.",  # not another scene's place
    "Nell hears a kettle in the kitchen.",  # hearing
])
def test_moving_or_hearing_is_not_a_contradiction(action):
    st = story(scene("HALLWAY"), scene("KITCHEN"))
    assert findings(st, action, "Tess waits.") == []


def test_a_heading_that_is_not_the_outlines_is_reported():
    st = story(scene("CAR PARK", "DAWN"), scene("HUT", "NIGHT"))
    found = findings(st, "Nell waits.", "Tess waits.",
                     headings=["EXT. CAR PARK - NIGHT", "INT. HUT - NIGHT"])
    assert codes(found) == [("heading-differs", (1,)), ("heading-differs", (2,))]
    assert "NIGHT where the outline has DAWN" in found[0].message and "INT where the outline has EXT" in found[1].message


def test_the_scene_count_must_match_the_outline():
    with pytest.raises(SceneCountError, match="1 scene heading but the story has 2 scenes"):
        check_screenplay(TWO, parse("EXT. CAR PARK - DAY\n\nNell waits.\n"))


def test_findings_are_ordered_and_serialisable():
    found = findings(story(scene("CAR PARK", "NIGHT"), scene("HUT", "NIGHT")),
                     "NELLY\nLate.\n\nSunlight.\n\nBOB\nHi.", "ARCHIE\nHm.")
    assert [f.scenes[0] for f in found] == sorted(f.scenes[0] for f in found)
    assert all(set(f.to_dict()) == {"code", "scenes", "line", "message"} for f in found)
    assert found[0].text().startswith("scene 1: ")


def test_empty_scenes_and_junk_never_crash_the_check():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    two = story(scene("CAR PARK", "NIGHT"), scene("HUT", "CONTINUOUS"))
    junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(junk, junk)
    def check(first, second):
        headings = [s.heading() for s in two.scenes]
        # Junk may parse as anything, even as more headings: only a scene-count error may come back.
        try:
            found = check_screenplay(two, parse(f"{headings[0]}\n\n{first}\n\n{headings[1]}\n\n{second}\n"))
        except SceneCountError:
            return
        assert all(f.scenes and f.message for f in found)

    check()
    assert findings(two, "", "") == [] and findings(two, "!!!\n\n???", "NELL\n...") == []
