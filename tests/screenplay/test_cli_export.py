"""``dsr export``: formats by extension or --format, stdin/stdout, one-line errors, atomic writes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

import dsr.files
from dsr.cli import main
from dsr.screenplay import parser

CORPUS = sorted((Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").glob("*.fountain"))
SCRIPT = """Title: Test Run
Author: Someone

INT. KITCHEN - DAY #1#

Steam rises.

ANNA
Tea?

> CUT TO:
"""



@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "script.fountain"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("dsr: error: ") and err.count("\n") == 1, err
    return err


def test_pdf_by_extension(script, tmp_path, capsys):
    out = tmp_path / "out.pdf"
    assert main(["export", str(script), "-o", str(out)]) == 0
    assert "2 pages" in capsys.readouterr().out  # title page + one page
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    assert "ANNA" in reader.pages[1].extract_text()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a4_paper(script, tmp_path):
    out = tmp_path / "out.pdf"
    assert main(["export", str(script), "-o", str(out), "--paper", "a4", "--font", "courier"]) == 0
    box = PdfReader(out).pages[0].mediabox
    assert round(float(box.width)) == 595


def test_fdx_html_fountain_by_extension(script, tmp_path):
    for name in ("out.fdx", "out.html", "out.fountain"):
        assert main(["export", str(script), "-o", str(tmp_path / name)]) == 0
    root = ET.parse(tmp_path / "out.fdx").getroot()
    assert root.find("TitlePage") is not None
    assert any(p.get("Number") == "1" for p in root.iter("Paragraph"))
    assert "<p class=\"character\">ANNA</p>" in (tmp_path / "out.html").read_text(encoding="utf-8")
    again = parser.parse((tmp_path / "out.fountain").read_text(encoding="utf-8"))
    original = parser.parse(SCRIPT)
    assert [(e.type, e.text) for e in again.elements] == [(e.type, e.text) for e in original.elements]


def test_stdin_to_stdout_needs_format(monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SCRIPT.encode("utf-8"))))
    assert main(["export", "-", "-o", "-", "--format", "fdx"]) == 0
    out = capsysbinary.readouterr().out
    assert ET.fromstring(out).tag == "FinalDraft"


def test_pdf_to_stdout(script, capsysbinary):
    assert main(["export", str(script), "-o", "-", "--format", "pdf"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(out)).pages) == 2


def test_stdout_without_format_is_an_error(script, capsys):
    assert main(["export", str(script), "-o", "-"]) == 2
    assert "--format" in one_line_error(capsys)


def test_unknown_extension(script, tmp_path, capsys):
    assert main(["export", str(script), "-o", str(tmp_path / "out.docx")]) == 2
    assert ".docx" in one_line_error(capsys)
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize(
    "content, words",
    [(None, "no such file"), (b"\x00\x01\x02binary", "binary")],
    ids=["missing", "binary"],
)
def test_unreadable_input(tmp_path, capsys, content, words):
    source = tmp_path / "in.fountain"
    if content is not None:
        source.write_bytes(content)
    assert main(["export", str(source), "-o", str(tmp_path / "out.pdf")]) == 2
    assert words in one_line_error(capsys)
    assert not (tmp_path / "out.pdf").exists()


def test_windows_1252_input_is_read_with_a_warning(tmp_path, capsys):
    source = tmp_path / "in.fountain"
    source.write_bytes("INT. CAF\u00c9 - DAY\n\nShe says \u201chi\u201d.\n".encode("cp1252"))
    out = tmp_path / "out.html"
    assert main(["export", str(source), "-o", str(out)]) == 0
    assert "warning" in capsys.readouterr().err
    assert "She says \u201chi\u201d." in out.read_text(encoding="utf-8")


def test_unwritable_output(script, tmp_path, capsys):
    assert main(["export", str(script), "-o", str(tmp_path / "missing" / "out.pdf")]) == 2
    assert "does not exist" in one_line_error(capsys)
    (tmp_path / "adir.pdf").mkdir()
    assert main(["export", str(script), "-o", str(tmp_path / "adir.pdf")]) == 2
    assert "folder" in one_line_error(capsys)


def test_failed_write_keeps_the_old_file(script, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out.html"
    out.write_text("old", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dsr.files.os, "replace", broken_replace)
    assert main(["export", str(script), "-o", str(out)]) == 2
    assert "No space left" in one_line_error(capsys)
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["out.html", "script.fountain"]  # no temporary file left


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "-o script.pdf" in out and "--paper a4" in out


def test_every_corpus_file_exports_to_every_format(tmp_path):
    for path in CORPUS:
        for ext in ("pdf", "fdx", "html", "fountain"):
            out = tmp_path / f"{path.stem}.{ext}"
            assert main(["export", str(path), "-o", str(out)]) == 0
            assert out.stat().st_size > 0


def test_no_traceback_from_the_real_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dsr", "export", str(tmp_path / "nope.fountain"), "-o", str(tmp_path / "x.pdf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
