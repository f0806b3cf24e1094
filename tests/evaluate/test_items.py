"""Loading systems: run directories and Fountain files, judge views,
alignment and its one-line errors."""

from __future__ import annotations

import pytest
from eval_fakes import make_run

from dsr.errors import UserError
from dsr.evaluate.items import align, judge_view, load_system, load_systems, parse_system_arg, split_scenes
from dsr.screenplay.parser import parse
from testkit.shared import shared

LANDING = "JUNE jiggles her key. It will not turn.\n\nJUNE\nOh, come on."
FLAT = "A cat sleeps on an armchair.\n\nMR. OKAFOR\nTea?"


def test_a_run_directory_gives_one_item_per_outline_scene_with_its_outline(tmp_path):
    run = load_system(f"dsr={make_run(tmp_path / 'r', [LANDING, FLAT])}")
    assert run.name == "dsr" and run.item_ids == ["scene-001", "scene-002"]
    first = run.scenes["scene-001"]
    assert first.text.startswith("INT. LANDING OUTSIDE JUNE'S FLAT - MORNING\n")
    assert "Oh, come on." in first.text
    assert "What happens: June finds her key does not fit" in first.outline
    assert "- JUNE: Thirty, tired nurse" in first.outline
    assert run.story is not None and run.script_text is not None


def test_the_judge_view_drops_title_page_notes_boneyard_and_sections():
    text = ("Title: Secret\nAuthor: dsr\n\n# ACT ONE\n\n= synopsis here\n\nINT. ROOM - DAY\n\n"
            "She waits [[note from dsr run 42]] by the door.\n\n/* boneyard of run 42 */\n\n[[another note]]\n\n"
            "BOB\nHello.\n")
    scenes, preamble = split_scenes(parse(text))
    assert scenes == ["INT. ROOM - DAY\n\nShe waits by the door.\n\nBOB\nHello.\n"]
    assert judge_view(parse("INT. A - DAY\n\n[[only a note]]\n").elements) == "INT. A - DAY\n"


def test_a_fountain_file_gives_one_item_per_heading_and_counts_what_came_before():
    script = load_system(str(shared("corpus", "THE_LIBRARY_FREAK-OUT.fountain")))
    assert script.name == "THE_LIBRARY_FREAK-OUT"
    assert len(script.scenes) == 3 and script.story is None
    assert script.notes and "before the first scene heading" in script.notes[0]
    assert all(s.text.startswith(("INT", "EXT")) for s in script.scenes.values())


@pytest.mark.parametrize("arg, expected", [
    ("dsr=runs/a", ("dsr", "runs/a")),
    ("runs/low-water", ("low-water", "runs/low-water")),
    ("scripts/real one.fountain", ("real-one", "scripts/real one.fountain")),
    ("=odd", ("odd", "=odd")),
])
def test_system_arguments_name_systems(arg, expected):
    name, path = parse_system_arg(arg)
    assert (name, str(path)) == expected


def test_runs_with_different_scene_counts_are_refused(tmp_path):
    a = load_system(f"a={make_run(tmp_path / 'a', [LANDING, FLAT])}")
    b = load_system(str(shared("corpus", "THE_LIBRARY_FREAK-OUT.fountain")))
    with pytest.raises(UserError, match=r"a has 2 scenes and THE_LIBRARY_FREAK-OUT has 3 \(only in "):
        align([a, b])


def test_runs_of_different_outlines_are_refused(tmp_path):
    a = load_system(f"a={make_run(tmp_path / 'a', [LANDING, FLAT])}")
    b = load_system(f"b={make_run(tmp_path / 'b', [LANDING, FLAT])}")
    b.scenes["scene-002"] = type(b.scenes["scene-002"])("scene-002", FLAT, "another outline")
    with pytest.raises(UserError, match="a and b were written from different outlines"):
        align([a, b])


def test_a_reference_without_outline_takes_the_runs_outline(tmp_path):
    a = load_system(f"a={make_run(tmp_path / 'a', [LANDING, FLAT])}")
    human = tmp_path / "real.fountain"
    human.write_text("INT. LANDING - DAY\n\nA door.\n\nINT. FLAT - DAY\n\nA cat.\n", "utf-8")
    reference = load_system(f"human={human}")
    align([a], reference)
    assert reference.scenes["scene-002"].outline == a.scenes["scene-002"].outline != ""


@pytest.mark.parametrize("setup, message", [
    (lambda p: p.mkdir(), "is not a dsr run directory"),
    (lambda p: (p.mkdir(), (p / "story.json").write_text("{", "utf-8")), "not a valid story"),
    (lambda p: (make_run(p, ["A."]), (p / "screenplay.fountain").unlink()), "is not finished"),
    (lambda p: make_run(p, [LANDING]), "has 1 scenes but its outline has 2"),
])
def test_broken_run_directories_are_one_line_errors(tmp_path, setup, message):
    setup(tmp_path / "run")
    with pytest.raises(UserError, match=message):
        load_system(str(tmp_path / "run"))


def test_unreadable_files_and_duplicate_names_are_one_line_errors(tmp_path):
    binary = tmp_path / "x.fountain"
    binary.write_bytes(b"\x00\x01PDF")
    with pytest.raises(UserError, match="binary file"):
        load_system(str(binary))
    with pytest.raises(UserError, match="no such run directory or file"):
        load_system(str(tmp_path / "missing"))
    with pytest.raises(UserError, match="two systems are named a"):
        load_systems([f"a={shared('corpus', 'Cyber_Bob_ep00001.fountain')}", f"a={shared('corpus', 'Cyber_Bob_ep00003.fountain')}"])
