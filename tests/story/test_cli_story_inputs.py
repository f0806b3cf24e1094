"""`dsr story check` on what a new user types: a folder, standard input, and the
title-page keys (author, contact, draft date)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from dsr.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def feed(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


@pytest.mark.parametrize("where", [".", "examples"])
def test_a_folder_is_not_a_story_file(where, capsys, monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    assert main(["story", "check", where]) == 2
    err = capsys.readouterr().err
    assert err == f"dsr: error: {where} is a directory; give a story file (.yaml, .yml, .json or .md)\n"


@pytest.mark.parametrize("name", ["short_film.yaml", "short_film.md", "two_scenes.yaml"])
def test_standard_input_is_read_and_its_format_guessed(name, capsys, monkeypatch):
    feed(monkeypatch, (EXAMPLES / name).read_text("utf-8"))
    assert main(["story", "check", "-"]) == 0
    assert capsys.readouterr().out.startswith("stdin: '")


def test_json_on_standard_input(capsys, monkeypatch):
    assert main(["story", "check", str(EXAMPLES / "two_scenes.yaml"), "--json"]) == 0
    as_json = capsys.readouterr().out
    feed(monkeypatch, as_json)
    assert main(["story", "check", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(as_json)


def test_bad_standard_input_is_one_line_and_exit_2(capsys, monkeypatch):
    feed(monkeypatch, "")
    assert main(["story", "check", "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dsr: error: stdin: the file is empty") and err.count("\n") == 1


def test_a_file_without_a_suffix_needs_format(tmp_path, capsys):
    story = tmp_path / "outline"
    story.write_text((EXAMPLES / "two_scenes.yaml").read_text("utf-8"), "utf-8")
    assert main(["story", "check", str(story)]) == 2
    assert "cannot tell the story format (no suffix)" in capsys.readouterr().err
    assert main(["story", "check", str(story), "--format", "yaml"]) == 0


def test_help_gives_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["story", "check", "--help"])
    out = capsys.readouterr().out
    assert "exit status: 0 the story loads" in out and "2 the story has problems" in out


def test_title_page_keys_in_yaml_and_markdown(tmp_path, capsys):
    yaml_story = tmp_path / "s.yaml"
    yaml_story.write_text("title: T\nauthor: Ada Quill\ncontact: [Ada Quill, ada@example.com]\n"
                          "draft_date: 2026-12-07\ncharacters: [MAYA]\n"
                          "scenes: [{summary: Maya waits., characters: [MAYA]}]\n", "utf-8")
    md_story = tmp_path / "s.md"
    md_story.write_text("# T\n\nAuthor: Ada Quill\nContact: ada@example.com\nDraft date: 2026-12-07\n\n"
                        "## Characters\n\n- **MAYA** — waits\n\n## Scenes\n\n### INT. HALL - DAY\n"
                        "Characters: MAYA\n\nMaya waits.\n", "utf-8")
    for path, contact in ((yaml_story, "Ada Quill\nada@example.com"), (md_story, "ada@example.com")):
        assert main(["story", "check", str(path), "--json"]) == 0
        story = json.loads(capsys.readouterr().out)
        assert (story["author"], story["contact"], story["draft_date"]) == ("Ada Quill", contact, "2026-12-07")
