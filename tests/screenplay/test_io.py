"""Reading Fountain safely, and ``dsr parse`` on good and bad input: one stderr
line, the right exit status, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from dsr.cli import main
from dsr.errors import UserError
from dsr.screenplay.io import MAX_BYTES, decode_fountain, read_fountain, read_text
from testkit.shared import shared_files

SCRIPT = "Title: Tea\n\nINT. KITCHEN - DAY #1#\n\nANNA (V.O.) ^\nCafé?\n\n# Act\n\n> CUT TO:\n"


def run_parse(capsys, *args, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["parse", *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- decoding -------------------------------------------------------------------


def test_utf8_bom_crlf_and_cr_are_normalised():
    assert decode_fountain("\ufeffA\r\nB\rC\n".encode("utf-8")) == "A\nB\nC\n"
    assert decode_fountain("Zoë".encode("utf-16")) == "Zoë"  # Windows "Unicode" files
    assert decode_fountain("Zoë\r\n".encode("utf-32")) == "Zoë\n"


def test_non_utf8_is_read_as_cp1252_with_one_warning():
    warnings = []
    text = decode_fountain("A\nCafé \u201cquoted\u201d\n".encode("cp1252") + b"\x81", "old.fountain", warnings.append)
    assert text == "A\nCafé \u201cquoted\u201d\n\x81"  # nothing dropped; an undefined byte reads as Latin-1
    assert len(warnings) == 1 and "line 2" in warnings[0] and "old.fountain" in warnings[0]


def test_binary_is_refused():
    with pytest.raises(UserError, match="binary"):
        decode_fountain(b"%PDF-1.7\n\x00\x01\x02", "script.pdf")


def test_read_fountain_returns_text_and_screenplay(tmp_path):
    path = tmp_path / "s.fountain"
    path.write_bytes(SCRIPT.replace("\n", "\r\n").encode("utf-8-sig"))
    text, sp = read_fountain(path)
    assert text == SCRIPT
    assert sp.title == "Tea" and sp.elements[0].scene_number == "1"


def test_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.fountain"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: cheap to make, and never read
    with pytest.raises(UserError, match="MiB"):
        read_text(path)


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing.fountain", "no such file"),
    (lambda d: d, "directory"),
])
def test_unreadable_paths(tmp_path, make, message):
    with pytest.raises(UserError, match=message):
        read_text(make(tmp_path))


# --- dsr parse --------------------------------------------------------------------


def test_parse_json_shape(tmp_path, capsys):
    path = tmp_path / "s.fountain"
    path.write_text(SCRIPT, encoding="utf-8")
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["title_page"] == {"Title": ["Tea"]}
    assert data["elements"] == [
        {"type": "scene_heading", "text": "INT. KITCHEN - DAY", "line": 3, "scene_number": "1"},
        {"type": "character", "text": "ANNA (V.O.)", "line": 5, "name": "ANNA", "extension": "(V.O.)", "dual": True},
        {"type": "dialogue", "text": "Café?", "line": 6},
        {"type": "section", "text": "Act", "line": 8, "depth": 1},
        {"type": "transition", "text": "CUT TO:", "line": 10},
    ]


def test_parse_listing(tmp_path, capsys):
    path = tmp_path / "s.fountain"
    path.write_text(SCRIPT, encoding="utf-8")
    code, out, _ = run_parse(capsys, str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "title page  Title: Tea"
    assert lines[1].split() == ["3", "scene_heading", "INT.", "KITCHEN", "-", "DAY", "[#1#]"]
    assert "name=ANNA, extension=(V.O.), dual" in lines[2]


def test_parse_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["parse", "--help"])
    assert exit_info.value.code == 0
    assert "dsr parse script.fountain --json" in capsys.readouterr().out


@pytest.mark.parametrize("data,expected_lines", [
    ("\ufeffINT. A - DAY\n\nBOB\nHi.\n".encode("utf-8"), [1, 3, 4]),
    (b"INT. A - DAY\r\n\r\nBOB\r\nHi.\r\n", [1, 3, 4]),
    (b"INT. A - DAY\r\rBOB\rHi.\r", [1, 3, 4]),
])
def test_bom_crlf_cr_parse_silently(tmp_path, capsys, data, expected_lines):
    path = tmp_path / "s.fountain"
    path.write_bytes(data)
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0 and err == ""
    assert [e["line"] for e in json.loads(out)["elements"]] == expected_lines


def test_non_utf8_file_parses_with_one_warning(tmp_path, capsys):
    path = tmp_path / "old.fountain"
    path.write_bytes("INT. CAFÉ - DAY\n\nJOSÉ\n\u201cHola.\u201d\n".encode("cp1252"))
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0
    assert one_line(err).startswith("dsr: warning: ") and "Windows-1252" in err
    assert [e["text"] for e in json.loads(out)["elements"]] == ["INT. CAFÉ - DAY", "JOSÉ", "\u201cHola.\u201d"]


def test_binary_file_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "script.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n\x00\x00\x01stream")
    code, out, err = run_parse(capsys, str(path))
    assert code == 2 and out == ""
    assert one_line(err).startswith("dsr: error: ") and "binary" in err


def test_empty_file_warns_and_prints_an_empty_screenplay(tmp_path, capsys):
    path = tmp_path / "empty.fountain"
    path.write_bytes(b"")
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0
    assert "empty" in one_line(err)
    assert json.loads(out) == {"title_page": {}, "elements": []}


def test_fifty_megabytes_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "huge.fountain"
    size = 50 * 1024 * 1024
    scene = b"INT. HOUSE - DAY\n\nBOB\nHi.\n\n"
    path.write_bytes((scene * (size // len(scene) + 1))[:size])
    code, out, err = run_parse(capsys, str(path))
    assert code == 2 and out == ""
    assert "is 50.0 MiB" in one_line(err)


def test_fifty_megabytes_on_stdin_is_one_error_line(capsys, monkeypatch):
    code, out, err = run_parse(capsys, "-", stdin=b"a" * (50 * 1024 * 1024), monkeypatch=monkeypatch)
    assert code == 2 and out == ""
    assert "stdin" in one_line(err)


def test_not_a_screenplay_is_parsed_with_a_warning(tmp_path, capsys):
    path = tmp_path / "notes.json"
    path.write_text('{"name": "demo",\n "items": [1, 2, 3]}\n', encoding="utf-8")
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0
    assert "is it a screenplay" in one_line(err)
    assert [e["type"] for e in json.loads(out)["elements"]] == ["action"]


def test_stdin(capsys, monkeypatch):
    code, out, err = run_parse(capsys, "-", "--json", stdin=SCRIPT.encode("utf-8"), monkeypatch=monkeypatch)
    assert code == 0 and err == ""
    assert json.loads(out)["title_page"] == {"Title": ["Tea"]}


def test_missing_file_in_a_real_process_is_one_line_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dsr", "parse", str(tmp_path / "nope.fountain")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "no such file" in one_line(result.stderr)


@pytest.mark.parametrize("path", shared_files("corpus/*.fountain"), ids=lambda p: p.stem)
def test_corpus_through_the_cli(path, capsys):
    code, out, err = run_parse(capsys, str(path), "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["elements"]
