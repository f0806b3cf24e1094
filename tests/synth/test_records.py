"""Record ids and the JSONL store: determinism, done-set, crash tails."""

from __future__ import annotations

import json

from dsr.files import write_jsonl
from dsr.synth.records import RecordStore, read_jsonl, record_id


def _id(**changes):
    base = dict(step="reverse.scene", source={"file": "a.fountain", "scene": 1, "content_hash": "abc"},
                prompt_version="v1", model="embedded", params={"temperature": 0.2}, sample=0)
    base.update(changes)
    return record_id(**base)


def test_record_id_is_deterministic_and_sensitive_to_every_part():
    assert _id() == _id()
    variants = [_id(step="forward"), _id(source={"file": "a.fountain", "scene": 2, "content_hash": "abc"}),
                _id(prompt_version="v2"), _id(model="openai:x@http://h/v1"), _id(params={"temperature": 0.3}),
                _id(sample=1)]
    assert len({_id(), *variants}) == len(variants) + 1


def test_store_skips_known_ids_and_survives_reopen(tmp_path):
    path = tmp_path / "r.jsonl"
    with RecordStore(path) as store:
        assert store.append({"id": "a", "x": 1})
        assert not store.append({"id": "a", "x": 2})
        assert store.append({"id": "b", "x": 3})
    again = RecordStore(path)
    assert again.done_ids() == {"a", "b"}
    assert [r["x"] for r in again] == [1, 3]


def test_partial_last_line_is_cut_before_appending(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "a"}) + "\n" + '{"id": "b", "text": "half')  # killed mid-write
    store = RecordStore(path)
    assert store.done_ids() == {"a"}  # the half record is not done: it will be redone
    store.append({"id": "b", "text": "whole"})
    store.close()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b"]
    assert json.loads(lines[1])["text"] == "whole"


def test_duplicate_and_junk_lines_are_ignored_on_read(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a", "n": 1}\nnot json\n[1, 2]\n{"id": "a", "n": 2}\n{"no_id": 1}\n')
    assert [r["n"] for r in RecordStore(path)] == [1]


def test_write_jsonl_round_trip(tmp_path):
    rows = [{"prompt": [{"role": "user", "content": "é"}]}, {"prompt": []}]
    assert write_jsonl(tmp_path / "d.jsonl", rows) == 2
    assert read_jsonl(tmp_path / "d.jsonl") == rows
