"""Bad input to `dsr train` and `hf:`: one line naming what is wrong, exit 2,
nothing written. The dataset checks run before any model is loaded."""

from __future__ import annotations

import json
import shutil

import pytest
from train_helpers import run_dsr, write_config

from dsr.errors import UserError
from dsr.llm.base import LLMError
from dsr.llm.registry import resolve_model
from dsr.train.config import load_config

GOOD_ROW = {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Scene?"}],
            "completion": [{"role": "assistant", "content": "INT. KITCHEN - NIGHT\n\nRain."}]}


def dataset(tmp_path, *lines) -> "Path":  # noqa: F821
    folder = tmp_path / "ds" / "stage1"
    folder.mkdir(parents=True)
    (folder / "train.jsonl").write_text("".join(line + "\n" for line in lines), "utf-8")
    return folder


def one_line_error(tmp_path, data, *extra) -> str:
    code, out, err = run_dsr("train", data, "-o", tmp_path / "ckpt", "--base", tmp_path / "no-base", *extra)
    assert code == 2 and out == ""
    assert err.startswith("dsr: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "ckpt").exists()
    return err


@pytest.mark.parametrize("row, expected", [
    ({"prompt": GOOD_ROW["prompt"]}, "train.jsonl:2: missing field 'completion'"),
    ({"completion": GOOD_ROW["completion"]}, "train.jsonl:2: missing field 'prompt'"),
    ({**GOOD_ROW, "prompt": "Scene?"}, "train.jsonl:2: field 'prompt' must be a non-empty list"),
    ({**GOOD_ROW, "completion": [{"role": "assistant"}]}, "train.jsonl:2: completion[0] has no 'content' field"),
    ({**GOOD_ROW, "completion": [{"role": "user", "content": "x"}]}, "completion[0].role is 'user'"),
    ({**GOOD_ROW, "completion": [{"role": "assistant", "content": "  "}]}, "train.jsonl:2: the completion is empty"),
])
def test_a_malformed_row_is_named_by_file_line_and_field(tmp_path, row, expected):
    data = dataset(tmp_path, json.dumps(GOOD_ROW), json.dumps(row))
    assert expected in one_line_error(tmp_path, data)


def test_broken_json_and_empty_and_wrong_directories(tmp_path):
    data = dataset(tmp_path, json.dumps(GOOD_ROW), "", '{"prompt": [')
    assert "train.jsonl:3: not valid JSON" in one_line_error(tmp_path, data)
    (data / "train.jsonl").write_text("\n", "utf-8")
    assert "has no rows: nothing to train on" in one_line_error(tmp_path, data)
    # the dataset root instead of one kind: told which kinds there are
    assert "holds the kinds stage1: pick one" in one_line_error(tmp_path, data.parent)
    assert "dataset directory not found" in one_line_error(tmp_path, tmp_path / "nowhere")


def test_bad_settings_are_one_line_errors(tmp_path):
    data = dataset(tmp_path, json.dumps(GOOD_ROW))
    config = write_config(tmp_path, "lora_rnk = 4\n")
    assert "unknown setting(s) lora_rnk" in one_line_error(tmp_path, data, "--config", config)
    config = write_config(tmp_path, "precision = \"fp8\"\n")
    assert "precision must be one of" in one_line_error(tmp_path, data, "--config", config)
    assert "max_steps must be -1" in one_line_error(tmp_path, data, "--max-steps", "0")
    with pytest.raises(UserError, match="batch_size = 'two' should be int"):
        load_config(None, {"batch_size": "two"})
    assert load_config(write_config(tmp_path)).lora_rank == 8  # the test config itself is valid


def test_a_base_that_is_no_causal_lm_or_has_no_chat_template(tmp_path, tiny_base):
    data = dataset(tmp_path, json.dumps(GOOD_ROW))
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    code, _, err = run_dsr("train", data, "-o", tmp_path / "ckpt", "--base", encoder)
    assert code == 2 and "BertModel is not a causal language model" in err and err.count("\n") == 1
    plain = tmp_path / "plain"
    shutil.copytree(tiny_base, plain)
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((plain / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (plain / "tokenizer_config.json").write_text(json.dumps(config))
    code, _, err = run_dsr("train", data, "-o", tmp_path / "ckpt", "--base", plain)
    assert code == 2 and "has no chat template" in err and err.count("\n") == 1
    code, _, err = run_dsr("train", data, "-o", tmp_path / "ckpt", "--base", tmp_path / "missing")
    assert code == 2 and "not a directory" in err
    assert not (tmp_path / "ckpt").exists()


def test_hf_specs_without_weights_are_refused(tmp_path):
    empty = tmp_path / "model"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    with pytest.raises(LLMError, match="config.json but no weights"):
        resolve_model(f"hf:{empty}")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(empty)}))
    with pytest.raises(LLMError, match="has no weights"):
        resolve_model(f"hf:{adapter}")
    with pytest.raises(LLMError, match="no such directory"):
        resolve_model(f"hf:{tmp_path / 'nothing'}")
    with pytest.raises(UserError, match="give the checkpoint directory"):
        resolve_model("hf:")
    # through dsr write: one line, exit 2
    story = tmp_path / "story.yaml"
    story.write_text("title: T\ncharacters: [ANA]\nscenes:\n  - summary: Ana waits.\n", "utf-8")
    code, _, err = run_dsr("write", story, "-o", tmp_path / "run", "--model", f"hf:{empty}", "--no-pdf")
    assert code == 2 and "config.json but no weights" in err and err.count("\n") == 1
