"""``dsr import``: Fountain, FDX and plain-text screenplays -> Fountain with reports."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dsr.cli import main
from dsr.screenplay.export import to_fdx
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.readers import detect_format
from dsr.synth.importers import import_file
from dsr.screenplay import io as screenplay_io

from synth_paths import DATA, USABLE
from testkit.shared import shared

PRINTED = ("scene_heading", "action", "character", "parenthetical", "dialogue", "transition")


def shape(sp: Screenplay) -> list[tuple[str, str]]:
    """(type, words) of printed elements: what an import must preserve."""
    return [(el.type, " ".join(el.text.split())) for el in sp.elements if el.type in PRINTED]


def as_typed_page(sp: Screenplay) -> str:
    """The screenplay as a typist lays it out: headings and action at 10,
    cues at 37, parentheticals at 31, dialogue at 25, transitions at 60,
    wrapped like a page, with page numbers and CONTINUED lines sprinkled in."""
    out: list[str] = []
    for n, el in enumerate(sp.elements):
        if el.type == "scene_heading":
            out += ["", " " * 10 + el.text]
        elif el.type == "action":
            out.append("")
            out += [" " * 10 + line for line in textwrap.wrap(" ".join(el.text.split()), 58)]
        elif el.type == "character":
            out += ["", " " * 37 + el.text]
        elif el.type == "parenthetical":
            out.append(" " * 31 + el.text)
        elif el.type == "dialogue":
            out += [" " * 25 + line for line in textwrap.wrap(" ".join(el.text.split()), 35)]
        elif el.type == "transition":
            out += ["", " " * 60 + el.text]
        if n % 25 == 24 and el.type not in ("character", "parenthetical"):
            out += ["", " " * 70 + f"{n // 25 + 2}.", " " * 60 + "(CONTINUED)", "CONTINUED:"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", USABLE)
def test_corpus_fountain_imports_and_reports(name):
    result = import_file(shared("corpus", f"{name}.fountain"))
    assert result.usable and result.format == "fountain"
    assert shape(parse(result.fountain)) == shape(parse(shared("corpus", f"{name}.fountain").read_text()))
    assert not [f for f in result.findings if f.severity == "error"]
    assert result.statistics["scenes"] >= 2


def test_drafts_without_scene_headings_are_listed_with_why():
    result = import_file(shared("corpus", "Cyber_Bob_epSithSuperInformalLanguage.fountain"))
    assert not result.usable
    assert "no scene headings" in result.problem


def test_plain_text_layout_hand_typed():
    result = import_file(DATA / "night_shift.txt")
    assert result.format == "text" and result.usable
    sp = parse(result.fountain)
    assert sp.title == "THE NIGHT SHIFT"
    assert sp.title_value("author") == ["Test Author"]
    headings = [el for el in sp.elements if el.type == "scene_heading"]
    assert [(h.text, h.scene_number) for h in headings] == [
        ("INT. BUS DEPOT - NIGHT", "1"), ("EXT. BUS DEPOT - PLATFORM - CONTINUOUS", "2")]
    s = shape(sp)
    assert ("parenthetical", "(without looking up)") in s
    assert ("dialogue", "That's six hours. You got a name, or do I call you Puddle?") in s
    # The speech split by a page break ((MORE) / TEO (CONT'D)) is one speech again.
    assert ("dialogue", "Teo. It's Teo.") in s
    assert ("transition", "CUT TO:") in s and ("transition", "FADE OUT.") in s
    assert not any("CONTINUED" in text or text.endswith("2.") for _, text in s)
    assert result.findings == []


@pytest.mark.parametrize("name", USABLE)
def test_plain_text_layout_of_corpus_reads_back(tmp_path, name):
    original = parse(shared("corpus", f"{name}.fountain").read_text())
    typed = Screenplay(elements=[el for el in original.elements if el.type in PRINTED and el.text.strip()])
    path = tmp_path / f"{name}.txt"
    path.write_text(as_typed_page(typed))
    result = import_file(path)
    assert result.format == "text", result.notes
    assert shape(parse(result.fountain)) == shape(typed)


def test_windows_1252_text_is_read_and_noted(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes((DATA / "night_shift.txt").read_text().replace("That's", "That\u2019s").encode("cp1252"))
    result = import_file(path)
    assert result.usable
    assert any("Windows-1252" in note for note in result.notes)
    assert "That\u2019s six hours" in result.fountain


@pytest.mark.parametrize("name", USABLE)
def test_fdx_round_trip_of_our_export(tmp_path, name):
    original = parse(shared("corpus", f"{name}.fountain").read_text())
    path = tmp_path / f"{name}.fdx"
    path.write_text(to_fdx(original))
    result = import_file(path)
    assert result.format == "fdx" and result.usable
    back = parse(result.fountain)
    assert [t for t, _ in shape(back)] == [t for t, _ in shape(original)]
    assert back.title == original.title


@pytest.mark.parametrize("name", ["simple", "dialogue", "parenthetical", "dual-dialogue", "extended-characters"])
def test_screenplain_fdx_matches_its_fountain(name):
    fdx = import_file(shared("peer-fountain-tests", "screenplain", f"{name}.fdx"))
    expected = parse(shared("peer-fountain-tests", "screenplain", f"{name}.fountain").read_text())
    got = parse(fdx.fountain)
    assert [t for t, _ in shape(got)] == [t for t, _ in shape(expected)]
    assert [el.dual for el in got.elements if el.type == "character"] == \
           [el.dual for el in expected.elements if el.type == "character"]


def test_fdx_styles_become_emphasis_and_unknown_types_action(tmp_path):
    path = tmp_path / "styled.fdx"
    path.write_text(
        '<?xml version="1.0"?><FinalDraft><Content>'
        '<Paragraph Type="Scene Heading" Number="4"><Text>INT. ROOM - DAY</Text></Paragraph>'
        '<Paragraph Type="Action"><Text>He is </Text><Text Style="Bold+Underline">very</Text><Text> late.</Text></Paragraph>'
        '<Paragraph Type="Shot"><Text>CLOSE ON THE CLOCK</Text></Paragraph>'
        '<Paragraph Type="Character"><Text>ANNA</Text></Paragraph>'
        '<Paragraph Type="Parenthetical"><Text>dry</Text></Paragraph>'
        '<Paragraph Type="Dialogue"><Text>Again.</Text></Paragraph>'
        '</Content><TitlePage><Content><Paragraph><Text>LATE</Text></Paragraph><Paragraph><Text></Text></Paragraph>'
        '<Paragraph><Text>Written by</Text></Paragraph><Paragraph><Text>A. Writer</Text></Paragraph>'
        '</Content></TitlePage></FinalDraft>')
    result = import_file(path)
    sp = parse(result.fountain)
    assert sp.title == "LATE" and sp.title_value("author") == ["A. Writer"]
    assert shape(sp) == [("scene_heading", "INT. ROOM - DAY"), ("action", "He is _**very**_ late."),
                         ("action", "CLOSE ON THE CLOCK"), ("character", "ANNA"),
                         ("parenthetical", "(dry)"), ("dialogue", "Again.")]
    assert sp.elements[0].scene_number == "4"
    assert any("'Shot'" in note for note in result.notes)


@pytest.mark.parametrize("content, why", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"%PDF-1.7\n...", "a PDF"),
    (b"PK\x03\x04rest", "ZIP container"),
    (b"\x00\x01\x02binary" * 10, "binary"),
    (b"Once upon a time there was a story written as prose, with no scene headings at all, "
     b"and it went on for a while without any dialogue.\n", "no scene headings"),
    (b"just two words", "not a screenplay"),
])
def test_bad_files_are_listed_with_a_reason(tmp_path, content, why):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = import_file(path)
    assert not result.usable
    assert why in result.problem and "\n" not in result.problem


@pytest.mark.parametrize("content, why", [
    ("<FinalDraft><Content><Paragraph>", "not well-formed XML"),
    ("<?xml version='1.0'?><html></html>", "root is <html>"),
])
def test_broken_fdx(tmp_path, content, why):
    path = tmp_path / "bad.fdx"
    path.write_text(content)
    assert why in import_file(path).problem


def test_enormous_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(screenplay_io, "MAX_BYTES", 1024)
    path = tmp_path / "huge.fountain"
    path.write_text("INT. A - DAY\n\n" + "words " * 1000)
    assert "too large" in import_file(path).problem


def test_detect_format_by_content():
    text = (DATA / "night_shift.txt").read_text()
    assert detect_format(Path("x.txt"), text) == "text"
    assert detect_format(Path("x"), "INT. A - DAY\n\nBOB\nHi.\n") == "fountain"
    assert detect_format(Path("x.xml"), "<?xml version='1.0'?>\n<FinalDraft/>") == "fdx"


def test_cli_import_writes_fountain_and_report(tmp_path, capsys):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4")
    out = tmp_path / "corpus"
    code = main(["import", str(shared("corpus", "Cyber_Bob_ep00003.fountain")), str(DATA / "night_shift.txt"), str(bad),
                 "-o", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "skip" in printed and "a PDF" in printed
    assert sorted(p.name for p in out.glob("*.fountain")) == ["Cyber_Bob_ep00003.fountain", "night_shift.fountain"]
    report = json.loads((out / "import-report.json").read_text())["files"]
    assert [e["usable"] for e in report] == [True, True, False]
    assert report[1]["format"] == "text" and report[1]["statistics"]["scenes"] == 2


def test_cli_import_nothing_usable_is_one_line_error(tmp_path, capsys):
    empty = tmp_path / "empty.fountain"
    empty.write_text("")
    assert main(["import", str(empty), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["dsr: error: none of the 1 file(s) could be imported (see above)"]
    assert main(["import", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out")]) == 2
    assert "no such file" in capsys.readouterr().err
