"""``dsr write`` on the command line: options, config files, one-line errors."""

from __future__ import annotations

import pytest
from pipeline_support import story_data, word_overlap, write_yaml
from fakes import ScriptedModel

from dsr import cli
from dsr.pipeline import write as write_module


@pytest.fixture
def scripted(monkeypatch):
    """Route every spec to one scripted model (the CLI resolves specs itself)."""
    model = ScriptedModel()
    original = write_module.write_story

    def with_fake(story, run_dir, settings, reporter=None, backends=None):
        model.spec = settings.stage1_model
        return original(story, run_dir, settings, reporter, {"stage1": model, "stage2": model}, word_overlap)

    monkeypatch.setattr(write_module, "write_story", with_fake)
    return model


def test_write_prints_one_summary_line(tmp_path, scripted, capsys):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    out = tmp_path / "run"
    assert cli.main(["write", str(story), "-o", str(out), "--no-pdf", "--model", "fake:x"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    assert printed[0].startswith("2 scenes, 1 page, ") and printed[0].endswith(f"-> {out}/screenplay.fountain")


def test_config_file_sets_options_and_the_command_line_wins(tmp_path, scripted):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    config = tmp_path / "write.toml"
    config.write_text('model = "fake:from-config"\nconcurrency = 2\nmax-attempts = 1\npdf = false\n'
                      f'repeat-penalty = 1\noutput = "{tmp_path / "from-config"}"\n')
    assert cli.main(["write", str(story), "--config", str(config), "--max-attempts", "2"]) == 0
    import json
    manifest = json.loads((tmp_path / "from-config/manifest.json").read_text())
    assert manifest["parameters"]["stage1_model"] == "fake:from-config"
    assert manifest["parameters"]["concurrency"] == 2 and manifest["parameters"]["max_attempts"] == 2
    assert manifest["parameters"]["params_prose"]["repeat_penalty"] == 1.0  # reaches every call's parameters


def test_repeat_penalty_defaults_to_the_embedded_models_own():
    from dsr.pipeline.settings import EMBEDDED_REPEAT_PENALTY, Settings

    assert Settings().params("prose").repeat_penalty == EMBEDDED_REPEAT_PENALTY["prose"]
    # hosted APIs reject the field: other models get none unless asked
    server = Settings(stage1_model="openai:m@http://127.0.0.1:1/v1", stage2_model="openai:m@http://127.0.0.1:1/v1")
    assert server.params("prose").repeat_penalty is None and "repeat_penalty" not in server.params("prose").key_dict()


@pytest.mark.parametrize("argv_tail, expected", [
    (["--scene", "9"], "--scene 9: the outline has scenes 1 to 2"),
    (["--concurrency", "0"], "--concurrency must be at least 1"),
    (["--repeat-penalty", "3"], "--repeat-penalty must be between 0.5 and 2"),
    (["--config", "/nonexistent/x.yaml"], "cannot read config /nonexistent/x.yaml"),
    (["--model", "nonsense"], "bad model spec 'nonsense'"),
])
def test_bad_options_are_one_line_errors(tmp_path, capsys, argv_tail, expected):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    code = cli.main(["write", str(story), "-o", str(tmp_path / "run"), "--no-pdf", *argv_tail])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and expected in err, err


def test_bad_story_files_are_one_line_errors(tmp_path, capsys):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    unknown = write_yaml(tmp_path / "bad.yaml", {**story_data(2), "scenes": [{"summary": "x", "characters": ["ZED"]}]})
    for path in (empty, unknown, tmp_path / "missing.yaml"):
        code = cli.main(["write", str(path), "-o", str(tmp_path / "run")])
        err = capsys.readouterr().err.strip()
        assert code != 0 and err.startswith("dsr: error: ") and "Traceback" not in err
    assert not (tmp_path / "run").exists()  # nothing written for a story that does not load


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["write", "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "--scene N" in text and "--direct" in text


def test_config_values_of_the_wrong_type_are_one_line_errors(tmp_path, capsys):
    story = write_yaml(tmp_path / "mug.yaml", story_data(2))
    config = tmp_path / "write.yaml"
    config.write_text("concurrency: many\n")
    assert cli.main(["write", str(story), "--config", str(config)]) == 2
    assert "concurrency must be int, not 'many'" in capsys.readouterr().err
    config.write_text("colour: blue\n")
    assert cli.main(["write", str(story), "--config", str(config)]) == 2
    assert "unknown option(s) colour" in capsys.readouterr().err
