"""The arithmetic and the checks of `dsr develop` that need no model."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from dsr.develop.checks import Findings, loop_start, match_cast
from dsr.develop.scenes import check_scenes, clean_place
from dsr.develop.steps import check_characters
from dsr.develop.structures import allot_scenes, load_structure, structure_names
from dsr.story.model import Character


def test_every_structure_loads_and_its_shares_sum_to_one():
    assert structure_names() == ["save-the-cat", "short", "three-act", "tv-cold-open-four-acts"]
    for name in structure_names():
        structure = load_structure(name)
        assert abs(sum(b.share for b in structure.beats) - 1) < 1e-9
        assert len({b.id for b in structure.beats}) == len(structure.beats)


def test_scenes_follow_the_shares():
    # 12 scenes over three-act: quotas 1.44 .96 .96 2.64 1.44 2.16 2.4; at least one each, then largest remainders.
    shares = [b.share for b in load_structure("three-act").beats]
    per_beat = [sum(1 for group in allot_scenes(shares, 12) if group == [i]) for i in range(7)]
    assert per_beat == [2, 1, 1, 3, 1, 2, 2]


def test_fewer_scenes_than_beats_share_scenes_between_neighbours():
    shares = [b.share for b in load_structure("save-the-cat").beats]
    groups = allot_scenes(shares, 3)
    assert [b for g in groups for b in g] == list(range(15))
    # The cuts fall where the running shares come closest to a third (.25) and two thirds (.75).
    assert groups[0][-1] == 6 and groups[1][-1] == 9


@given(st.lists(st.floats(0.01, 1.0), min_size=1, max_size=20), st.integers(1, 200))
def test_every_beat_is_covered_in_order_and_every_scene_has_a_beat(shares, scenes):
    groups = allot_scenes(shares, scenes)
    assert len(groups) == scenes
    assert all(groups)
    flat = [b for g in groups for b in g]
    assert sorted(set(flat)) == list(range(len(shares)))
    assert flat == sorted(flat)


def test_loops_are_found_where_they_begin():
    text = "He walks to the door. He opens it and sees the sea. He opens it and sees the sea. He opens it and sees"
    assert text[:loop_start(text)] == "He walks to the door. He opens it and sees the sea. "
    assert loop_start("to the island...and...and...and") == len("to the island...and...")
    assert loop_start("The keeper finds a small island with a lighthouse on it.") is None


def test_a_looping_text_is_cut_and_flagged_soft():
    found = Findings()
    text = found.text("ending", "She leaves the island. The sea is calm the sea is calm the sea is calm.", 3)
    assert text == "She leaves the island."
    assert found.hard == [] and found.soft == ["ending repeated itself; it was cut where the repetition began"]


def test_cast_names_match_by_first_or_last_name():
    cast = ["EDITH MORROW", "MIA", "TOM KERR"]
    assert match_cast("edith", cast) == "EDITH MORROW"
    assert match_cast("Kerr", cast) == "TOM KERR"
    assert match_cast("GHOST", cast) is None


def test_scene_places_lose_heading_parts():
    assert clean_place("INT. HARBOUR OFFICE - NIGHT") == "HARBOUR OFFICE"
    assert clean_place("ext/int ferry deck") == "FERRY DECK"


def test_characters_with_placeholder_names_are_hard_findings():
    entry = {"who": "A man of forty on the island.", "want": "To leave now.", "need": "To stay put.",
             "flaw": "Too proud.", "voice": "Loud and slow."}
    checked = check_characters({"characters": [{"name": "CHARACTER 1", **entry}, {"name": "Hero", **entry}]})
    assert checked.value is None
    assert checked.hard == ["CHARACTER 1 is not a name; give character 1 a real name",
                            "HERO is not a name; give character 2 a real name"]


def test_a_scene_listing_a_stranger_is_a_hard_finding_and_a_named_cast_member_is_added():
    cast = [Character(name="EDITH"), Character(name="MIA")]
    scene = {"place": "shore", "interior": "EXT", "time": "dawn", "characters": ["EDITH"],
             "summary": "Edith carries Mia up from the rocks while the gulls scream overhead."}
    checked = check_scenes({"scenes": [scene]}, 1, cast, [])
    assert checked.value[0].characters == ["EDITH", "MIA"]
    assert checked.notes == ["scene 1: MIA added to its characters (the summary names them)"]
    stranger = check_scenes({"scenes": [{**scene, "characters": ["BOB"]}]}, 1, cast, [])
    assert stranger.value is None and stranger.hard == ["scene 1: 'BOB' is not in the cast (EDITH, MIA)"]


@pytest.mark.parametrize("count, given, finding", [(2, 1, "give exactly 2 scene(s), not 1")])
def test_too_few_scenes_is_a_hard_finding(count, given, finding):
    cast = [Character(name="EDITH")]
    scene = {"place": "shore", "interior": "EXT", "time": "DAY", "characters": ["EDITH"],
             "summary": "Edith walks the shore at low tide, picking up driftwood for the stove."}
    assert check_scenes({"scenes": [scene] * given}, count, cast, []).hard == [finding]


@pytest.mark.parametrize("text", [
    "Edith, seventy, a retired lighthouse keeper (widowed) who talks to the gulls.",
    "Élodie's “silence” ends—at last… on the ferry's deck!",
    "Mrs. O'Brien runs the post office; she knows everyone's business.",
])
def test_the_word_patterns_accept_ordinary_writing(text):
    import re

    from dsr.develop.steps import text_schema

    assert re.fullmatch(text_schema(3, 30)["pattern"][1:-1], text)


@pytest.mark.parametrize("junk", ["2021-02-24T05:52:11.57.37.20 2021.2021.32", "1858. 1958. 1959.", "adjectives_adjectives_ad is", "word"])
def test_the_word_patterns_refuse_what_a_small_model_loops_on(junk):
    import re

    from dsr.develop.steps import text_schema

    assert not re.fullmatch(text_schema(2, 30)["pattern"][1:-1], junk)


@pytest.mark.parametrize("cut, kept", [
    ('{"characters": [{"name": "A"}, {"name": "B"}, {"name": "C", "who": "a b', {"characters": [{"name": "A"}, {"name": "B"}]}),
    ('{"scenes": [{"place": "SHORE", "summary": "Edith walks and walks', {"scenes": [{"place": "SHORE", "summary": "Edith walks and walks"}]}),
    ('{"scenes": [{"place": "SHORE", "inter', {"scenes": [{"place": "SHORE"}]}),
    ('{"scenes": [{"place": "SHORE", "interior": ', {"scenes": [{"place": "SHORE"}]}),
    ('Sure! no JSON here', None),
])
def test_what_is_kept_of_an_answer_cut_by_the_token_limit(cut, kept):
    from dsr.develop.asking import whole_items_before_cut

    assert whole_items_before_cut(cut) == kept


def test_findings_name_scenes_by_their_number_in_the_story():
    cast = [Character(name="EDITH")]
    earlier = check_scenes({"scenes": [{"place": "shore", "interior": "EXT", "time": "DAY", "characters": ["EDITH"],
                                        "summary": "Edith walks the shore at low tide, picking up driftwood."}]},
                           1, cast, []).value
    checked = check_scenes({"scenes": [{"place": "", "interior": "INT", "time": "DAY", "characters": ["EDITH"],
                                        "summary": "Edith lights the stove and waits for the kettle to sing."}]},
                           1, cast, earlier)
    assert checked.hard == ["scene 2: place is empty"]
