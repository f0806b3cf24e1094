"""Reading a ``dsr synth dataset`` kind directory for training, strictly.

A kind directory (``OUT/stage1``, ``OUT/stage2``, ``OUT/direct``) holds
``train.jsonl`` and, when the split has rows, ``validation.jsonl``. Every line
is TRL's conversational prompt/completion form::

    {"prompt": [{"role": "system", "content": ...}, {"role": "user", ...}],
     "completion": [{"role": "assistant", "content": ...}], "task": ..., "meta": {...}}

Everything is checked before a model is loaded, and the first problem is
reported as ``FILE:LINE: what is wrong`` so a broken row can be found and fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dsr.errors import UserError
from dsr.files import sha256_hex

SPLIT_FILES = ("train", "validation")
ROLES = ("system", "user", "assistant")


@dataclass
class DatasetDir:
    path: Path
    rows: dict[str, list[dict]] = field(default_factory=dict)  # split -> [{"prompt", "completion"}]
    card: Path | None = None  # the dataset's README.md (one level up, as synth writes it)
    stats: Path | None = None  # its stats.json
    fingerprint: str = ""  # hash of the split files' bytes

    @property
    def train(self) -> list[dict]:
        return self.rows["train"]

    @property
    def validation(self) -> list[dict]:
        return self.rows.get("validation", [])


def _check_messages(where: str, name: str, value, roles: tuple[str, ...]) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise UserError(f"{where}: field {name!r} must be a non-empty list of chat messages "
                        "({\"role\": ..., \"content\": ...}); is this a `dsr synth dataset` file?")
    messages = []
    for i, message in enumerate(value):
        if not isinstance(message, dict):
            raise UserError(f"{where}: {name}[{i}] must be an object with 'role' and 'content'")
        for key in ("role", "content"):
            if key not in message:
                raise UserError(f"{where}: {name}[{i}] has no {key!r} field")
        if message["role"] not in roles:
            raise UserError(f"{where}: {name}[{i}].role is {message['role']!r}; expected one of {', '.join(roles)}")
        if not isinstance(message["content"], str):
            raise UserError(f"{where}: {name}[{i}].content must be text")
        messages.append({"role": message["role"], "content": message["content"]})
    return messages


def read_rows(path: Path) -> list[dict]:
    """The rows of one JSONL file as ``{"prompt", "completion"}``; ``UserError``
    naming file, line and field at the first malformed row."""
    rows = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; a dataset file is JSON Lines") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise UserError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(row, dict):
            raise UserError(f"{where}: each line must be a JSON object with 'prompt' and 'completion'")
        for key in ("prompt", "completion"):
            if key not in row:
                raise UserError(f"{where}: missing field {key!r} (each row needs 'prompt' and 'completion' "
                                "chat messages, as `dsr synth dataset` writes them)")
        prompt = _check_messages(where, "prompt", row["prompt"], ("system", "user", "assistant"))
        completion = _check_messages(where, "completion", row["completion"], ("assistant",))
        if not any(m["content"].strip() for m in completion):
            raise UserError(f"{where}: the completion is empty (nothing to learn from)")
        rows.append({"prompt": prompt, "completion": completion})
    return rows


def load_dataset_dir(path: Path | str) -> DatasetDir:
    """Check and read a kind directory; one-line ``UserError`` when it is not one."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"dataset directory not found: {path}")
    if not path.is_dir():
        raise UserError(f"{path} is not a directory; give a dataset kind directory such as datasets/v1/stage1")
    train_file = path / "train.jsonl"
    if not train_file.is_file():
        kinds = sorted(p.name for p in path.iterdir() if (p / "train.jsonl").is_file())
        hint = (f"it holds the kinds {', '.join(kinds)}: pick one, e.g. {path / kinds[0]}" if kinds
                else "expected the output of `dsr synth dataset` (OUT/stage1, OUT/stage2 or OUT/direct)")
        raise UserError(f"{path} has no train.jsonl; {hint}")
    dataset = DatasetDir(path=path)
    digest = []
    for split in SPLIT_FILES:
        file = path / f"{split}.jsonl"
        if file.is_file():
            dataset.rows[split] = read_rows(file)
            digest.append(f"{split}:{sha256_hex(file.read_bytes())}")
    if not dataset.train:
        raise UserError(f"{train_file} has no rows: nothing to train on (did the synthesis filters drop "
                        "everything? see the dataset's README.md)")
    dataset.fingerprint = sha256_hex(";".join(digest), 16)
    for candidate in (path.parent / "README.md", path / "README.md"):
        if candidate.is_file():
            dataset.card = candidate
            break
    if (path.parent / "stats.json").is_file():
        dataset.stats = path.parent / "stats.json"
    return dataset
