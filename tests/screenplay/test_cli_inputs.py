"""The screenplay commands on the inputs a new user gets wrong first: files that
are not screenplays, contradicting options, sizes, a Final Draft file, and
what the exported PDF and FDX keep."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from dsr.cli import main
from dsr.screenplay.io import MAX_BYTES, read_fountain
from dsr.screenplay.model import Screenplay
from dsr.screenplay.stats import statistics
from dsr.screenplay.writer import write

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "low_water.fountain"
CORPUS = REPO.parent / "shared" / "corpus"
TITLE_PAGE = {
    "Title": ["THE NIGHT SHIFT"],
    "Credit": ["Written by"],
    "Author": ["Ada Quill"],
    "Source": ["Based on the novel by Sam Reed"],
    "Draft date": ["2026-12-07"],
    "Contact": ["Ada Quill", "ada@example.com"],
    "Copyright": ["(c) 2026 Ada Quill"],
}
TITLE_PAGE_TEXT = """\
Title: THE NIGHT SHIFT
Credit: Written by
Author: Ada Quill
Source: Based on the novel by Sam Reed
Draft date: 2026-12-07
Contact:
    Ada Quill
    ada@example.com
Copyright: (c) 2026 Ada Quill

"""


def one_warning(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dsr: warning: "), err
    return err


@pytest.mark.parametrize("name", ["short_film.yaml", "short_film.md", "two_scenes.yaml"])
def test_exporting_a_story_outline_warns(name, tmp_path, capsys):
    story = REPO / "examples" / name
    out = tmp_path / "y.pdf"
    assert main(["export", str(story), "-o", str(out)]) == 0
    err = one_warning(capsys)
    assert f"{story} has no scene heading, character cue or transition" in err and "is it a screenplay?" in err
    assert out.exists()  # still exported: a warning, not a refusal, as dsr parse does


def test_exporting_empty_stdin_warns(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["export", "-", "-o", str(tmp_path / "x.html")]) == 0
    assert "stdin is empty" in one_warning(capsys)


def test_a_screenplay_exports_without_a_warning(tmp_path, capsys):
    assert main(["export", str(SAMPLE), "-o", str(tmp_path / "x.html")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("out, fmt", [("x.pdf", "html"), ("x.html", "pdf"), ("x.fdx", "fountain"),
                                      ("x.fountain", "fdx")])
def test_a_format_that_contradicts_the_output_name_is_refused(out, fmt, tmp_path, capsys):
    target = tmp_path / out
    assert main(["export", str(SAMPLE), "-o", str(target), "--format", fmt]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--format {fmt} contradicts {target}" in err
    assert not target.exists()


def test_a_format_for_an_unknown_extension_or_stdout_is_fine(tmp_path, capsysbinary):
    assert main(["export", str(SAMPLE), "-o", str(tmp_path / "x.txt"), "--format", "fountain"]) == 0
    assert main(["export", str(SAMPLE), "-o", "-", "--format", "html"]) == 0
    assert capsysbinary.readouterr().out.count(b"<html") == 1


def test_the_size_limit_is_stated_in_the_unit_it_counts(tmp_path, capsys):
    big = tmp_path / "big.fountain"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # 20 MiB and a byte: sparse, never read
    assert main(["check", str(big)]) == 2
    err = capsys.readouterr().err
    assert "20.0 MiB" in err and "up to 20 MiB" in err and " MB" not in err
    for command in ("parse", "check"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "20 MiB" in out and " MB" not in out


def test_a_transition_after_a_cue_is_not_offered_as_its_dialogue(tmp_path, capsys):
    script = tmp_path / "s.fountain"
    script.write_text("INT. KITCHEN - DAY\n\nMARY\nTea?\n\nMARY\n\nFADE OUT:\n", "utf-8")
    assert main(["check", str(script)]) == 1
    out = capsys.readouterr().out
    assert f"{script}:6: error cue-without-dialogue: 'MARY' is a character cue with no dialogue under it; " \
           "put the dialogue on the very next line" in out
    assert "'FADE OUT:'" not in out.split("cue-without-dialogue", 1)[1].split("\n", 1)[0]
    assert f"{script}:8: warning transition-not-recognized" in out


def test_loose_dialogue_after_a_cue_is_still_quoted(tmp_path, capsys):
    script = tmp_path / "s.fountain"
    script.write_text("INT. KITCHEN - DAY\n\nMARY\nTea?\n\nMARY\n\nMore tea?\n", "utf-8")
    assert main(["check", str(script)]) == 1
    assert "put the dialogue ('More tea?') on the very next line" in capsys.readouterr().out


def test_check_lists_words_per_speaker(capsys):
    assert main(["check", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    nell = statistics(read_fountain(SAMPLE)[1])["characters"]["NELL"]
    assert f"NELL {nell['blocks']}/{nell['lines']}/{nell['words']}" in out and "(speeches/lines/words)" in out


def body_of(path: Path) -> str:
    """A screenplay's text without its title page."""
    return write(Screenplay(elements=read_fountain(path)[1].elements))


def test_fdx_round_trip_keeps_every_title_page_key(tmp_path, capsys):
    script = tmp_path / "night_shift.fountain"
    script.write_text(TITLE_PAGE_TEXT + body_of(CORPUS / "THE_LIBRARY_FREAK-OUT.fountain"), "utf-8")
    fdx = tmp_path / "night_shift.fdx"
    assert main(["export", str(script), "-o", str(fdx)]) == 0
    # dsr export reads the .fdx as Final Draft ...
    back = tmp_path / "back.fountain"
    assert main(["export", str(fdx), "-o", str(back)]) == 0
    assert "warning" not in capsys.readouterr().err
    _, original = read_fountain(script)
    _, returned = read_fountain(back)
    assert returned.title_page == TITLE_PAGE
    assert [el.type for el in returned.elements] == [el.type for el in original.elements if el.type != "note"]
    # ... and so does dsr import
    assert main(["import", str(fdx), "-o", str(tmp_path / "corpus")]) == 0
    _, imported = read_fountain(tmp_path / "corpus" / "night_shift.fountain")
    assert imported.title_page == TITLE_PAGE


def test_a_final_draft_title_page_without_alignment_is_read_in_order(tmp_path):
    from dsr.screenplay.readers.fdx import parse_fdx

    paragraphs = "".join(f"<Paragraph><Text>{t}</Text></Paragraph>" for t in
                         ["BIG FISH", "", "Written by", "", "John August", "", "Agent", "555-0100"])
    fdx = (f"<FinalDraft><Content><Paragraph Type='Action'><Text>Hi.</Text></Paragraph></Content>"
           f"<TitlePage><Content>{paragraphs}</Content></TitlePage></FinalDraft>")
    screenplay, _ = parse_fdx(fdx)
    assert screenplay.title_page == {"Title": ["BIG FISH"], "Credit": ["Written by"], "Author": ["John August"],
                                     "Contact": ["Agent", "555-0100"]}


pdffonts = shutil.which("pdffonts")


@pytest.mark.skipif(pdffonts is None, reason="pdffonts (poppler-utils) is not installed")
@pytest.mark.parametrize("font", ["auto", "courier"])
def test_every_font_in_the_pdf_is_embedded(font, tmp_path):
    pdf = tmp_path / "x.pdf"
    script = tmp_path / "x.fountain"
    script.write_text(TITLE_PAGE_TEXT + "INT. WARD - NIGHT\n\n**Bold** and *italic* action.\n\nADA\nAgain.\n", "utf-8")
    assert main(["export", str(script), "-o", str(pdf), "--font", font, "--bold-headings"]) == 0
    rows = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        # name, type ..., then the columns emb sub uni, object number, generation
        emb = row.split()[-5]
        assert emb == "yes", row
    assert not any(row.startswith("Helvetica") for row in rows)


def test_the_pdf_title_page_credits_the_writer(tmp_path):
    pdf = tmp_path / "x.pdf"
    assert main(["export", str(SAMPLE), "-o", str(pdf)]) == 0
    first = PdfReader(pdf).pages[0].extract_text()
    assert "LOW WATER" in first and "Written by" in first and "Ruth Calder" in first
    assert "dsr" not in first.replace("examples/short_film.yaml", "")
