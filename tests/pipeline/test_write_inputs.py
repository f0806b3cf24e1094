"""``dsr write`` as a new user meets it: the title page credits the writer from
the story file (never dsr), and a bad option leaves nothing behind."""

from __future__ import annotations

import pytest
from pipeline_support import story_data, write_yaml
from fakes import ScriptedModel

from dsr import cli
from dsr.pipeline import write as write_module
from dsr.screenplay.io import read_fountain


@pytest.fixture
def scripted(monkeypatch):
    """Every spec answered by one scripted model (the CLI resolves specs itself)."""
    model = ScriptedModel()
    original = write_module.write_story

    def with_fake(story, run_dir, settings, reporter=None, backends=None):
        model.spec = settings.stage1_model
        return original(story, run_dir, settings, reporter, {"stage1": model, "stage2": model})

    monkeypatch.setattr(write_module, "write_story", with_fake)
    return model


def title_page_of(run_dir):
    text, screenplay = read_fountain(run_dir / "screenplay.fountain")
    return text, screenplay.title_page


def test_the_title_page_credits_the_author_from_the_story(tmp_path, scripted):
    data = {**story_data(2), "author": "Ada Quill", "draft_date": "2026-12-07",
            "contact": ["Ada Quill", "ada@example.com"]}
    story = tmp_path / "mug.yaml"
    # draft_date unquoted, as people type it (YAML reads it as a date)
    story.write_text(write_yaml(tmp_path / "tmp.yaml", data).read_text().replace("'2026-12-07'", "2026-12-07"))
    assert cli.main(["write", str(story), "-o", str(tmp_path / "run"), "--no-pdf", "--model", "fake:x"]) == 0
    text, page = title_page_of(tmp_path / "run")
    assert page["Title"] == ["THE MISSING MUG"]
    assert page["Credit"] == ["Written by"] and page["Author"] == ["Ada Quill"]
    assert page["Draft date"] == ["2026-12-07"]
    assert page["Contact"] == ["Ada Quill", "ada@example.com"]
    assert "dsr" not in text.split("\n\n", 1)[0].lower()
    assert "Source" not in page and "mug.yaml" not in text  # the run's bookkeeping stays in manifest.json


def test_without_an_author_the_title_page_names_no_one(tmp_path, scripted):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    assert cli.main(["write", str(story), "-o", str(tmp_path / "run"), "--no-pdf", "--model", "fake:x"]) == 0
    text, page = title_page_of(tmp_path / "run")
    assert page["Title"] == ["THE MISSING MUG"]
    assert "Credit" not in page and "Author" not in page
    assert "dsr" not in text.split("\n\n", 1)[0].lower()


@pytest.mark.parametrize("options, expected", [
    (["--model", "bogus"], "bad model spec 'bogus'"),
    (["--stage2-model", "embedded:/nonexistent/model.gguf"], "no model file at /nonexistent/model.gguf"),
    (["--stage1-model", "openai:m@http://127.0.0.1:9/v1#structured=maybe"], "structured must be one of"),
    (["--model", "openai:m@http://127.0.0.1:9/v1#key_env=DSR_TEST_NO_SUCH_KEY"],
     "environment variable DSR_TEST_NO_SUCH_KEY is not set"),
])
def test_a_bad_model_spec_creates_nothing_in_the_run_directory(tmp_path, capsys, options, expected):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    new_run, empty_run = tmp_path / "new-run", tmp_path / "empty-run"
    empty_run.mkdir()
    for run_dir in (new_run, empty_run):
        assert cli.main(["write", str(story), "-o", str(run_dir), *options]) == 2
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1
    assert not new_run.exists()
    assert list(empty_run.iterdir()) == []
