"""`dsr check`: output lines, exit status, JSON, unreadable files, the corpus."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from dsr.cli import main

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

CLEAN = """\
Title: Bread

INT. KITCHEN - DAY

Anna slices bread. The knife slips.

ANNA
(wincing)
Ow.

> CUT TO:

EXT. GARDEN - NIGHT

Rain.
"""

BROKEN = """\
INT. KITCHEN - DAY

BOB: Where is the bread?

We see Anna think.
"""


@pytest.fixture
def write(tmp_path):
    def write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return write


def test_clean_script_exits_0_with_statistics(write, capsys):
    path = write("clean.fountain", CLEAN)
    assert main(["check", path]) == 0
    out = capsys.readouterr().out
    assert f"{path}: 0 errors, 0 warnings" in out
    assert "scenes" in out and "ANNA 1/1/1" in out and "(speeches/lines/words)" in out and "INT 1, EXT 1" in out


def test_findings_print_as_file_line_severity_code_message(write, capsys):
    path = write("broken.fountain", BROKEN)
    assert main(["check", path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{path}:3: error cue-with-colon: 'BOB: Where is the bread?' writes dialogue as 'NAME: speech'; " \
           "put the name alone on its own line (BOB) and the dialogue on the line below it" in lines
    assert any(line.startswith(f"{path}:5: warning camera-direction: 'We see'") for line in lines)
    assert f"{path}: 1 error, 1 warning" in lines


def test_warnings_alone_exit_0(write, capsys):
    path = write("warn.fountain", "INT. KITCHEN - DAY\n\nWe see bread.\n")
    assert main(["check", path]) == 0


def test_json_output(write, capsys):
    clean, broken = write("clean.fountain", CLEAN), write("broken.fountain", BROKEN)
    assert main(["check", "--json", clean, broken]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["file"] for f in data["files"]] == [clean, broken]
    assert data["errors"] == 1 and data["warnings"] == 1
    first, second = data["files"]
    assert first["findings"] == []
    assert first["statistics"]["scenes"] == 2
    assert first["statistics"]["characters"] == {"ANNA": {"blocks": 1, "lines": 1, "words": 1}}
    assert second["findings"][0] == {
        "line": 3, "severity": "error", "code": "cue-with-colon",
        "message": second["findings"][0]["message"],
    }


def test_unreadable_files_exit_2_and_the_rest_is_still_checked(write, tmp_path, capsys):
    clean = write("clean.fountain", CLEAN)
    binary = write("image.fountain", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    missing = str(tmp_path / "missing.fountain")
    assert main(["check", "--json", missing, binary, str(tmp_path), clean]) == 2
    captured = capsys.readouterr()
    errors = captured.err.splitlines()
    assert len(errors) == 3 and all(line.startswith("dsr: error: ") for line in errors)
    assert "Traceback" not in captured.err
    data = json.loads(captured.out)
    assert [("error" in f) for f in data["files"]] == [True, True, True, False]
    assert data["files"][3]["findings"] == []


def test_windows_text_is_read_with_a_warning_and_checked(write, capsys):
    latin1 = write("latin1.fountain", "INT. CAF\xc9 - DAY\r\n\r\nBOB:\r\nCaf\xe9?\r\n".encode("cp1252"))
    assert main(["check", latin1]) == 1
    captured = capsys.readouterr()
    assert "dsr: warning:" in captured.err and "UTF-8" in captured.err
    assert f"{latin1}:3: error cue-with-colon" in captured.out  # CRLF lines counted as an editor does


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BROKEN.encode())))
    assert main(["check", "-"]) == 1
    assert "<stdin>:3: error cue-with-colon" in capsys.readouterr().out


def test_empty_file_is_an_error_finding(write, capsys):
    path = write("empty.fountain", "")
    assert main(["check", path]) == 1
    assert f"{path}:1: error empty-script: the file is empty" in capsys.readouterr().out


def test_help_has_examples_and_codes(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "dsr check script.fountain" in out and "cue-with-colon" in out and "exit status" in out


def test_corpus_checks_without_crashing(capsys):
    files = sorted(str(p) for p in CORPUS.glob("*.fountain"))
    assert len(files) >= 8
    status = main(["check", "--json", *files])
    data = json.loads(capsys.readouterr().out)
    by_name = {Path(f["file"]).name: f for f in data["files"]}
    # Two drafts have no scene heading at all: those are errors, so the status is 1.
    assert status == 1
    assert {f["code"] for f in by_name["Cyber_Bob_epSithSuperInformalLanguage.fountain"]["findings"]} >= {"no-scene-heading"}
    assert by_name["THE_LIBRARY_FREAK-OUT.fountain"]["statistics"]["scenes"] == 3
