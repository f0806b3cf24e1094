"""Engines against a real HTTP backend (the latency-simulating OpenAI-compatible
server): Ray and local agree on record ids and counts; a run killed with
SIGKILL resumes without repeating a finished call; rate limits, hangs and a
dead server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from synth_paths import make_corpus

from dsr.errors import UserError
from dsr.llm.cache import CallJournal
from dsr.synth.jobs import forward_job, reverse_job
from dsr.synth.records import RecordStore
from dsr.synth.settings import ForwardSettings, ReverseSettings, RunOptions

FAST = dict(ttft=0.01, tps=5000, slots=8, answer_tokens=40)


def spec(server, options: str = "") -> str:
    return f"openai:sim@{server.url}" + (f"#{options}" if options else "")


def statuses(path) -> list[tuple[str, str]]:
    return sorted((r["id"], r["status"]) for r in RecordStore(path))


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_and_local_engines_give_the_same_records(tmp_path, sim_server, ray_local):
    server = sim_server(**FAST)
    corpus = make_corpus(tmp_path)
    reverse = ReverseSettings(models=[spec(server)], max_characters=2)
    forward = ForwardSettings(models=[spec(server)], samples=2)
    local, distributed = tmp_path / "local", tmp_path / "ray"
    a = reverse_job(corpus, local, reverse, RunOptions(concurrency=4))
    b = reverse_job(corpus, distributed, reverse, RunOptions(engine="ray", workers=2, concurrency=2))
    assert (a.planned, a.new, a.kept, a.dropped) == (b.planned, b.new, b.kept, b.dropped)
    assert statuses(local / "reverse.jsonl") == statuses(distributed / "reverse.jsonl")
    assert (local / "inputs.jsonl").read_text() == (distributed / "inputs.jsonl").read_text()
    # The sim server's random words parse, but they are junk: the beats are rejected,
    # so force the forward step onto every scene by marking them usable.
    for data in (local, distributed):
        path = data / "inputs.jsonl"
        path.write_text(path.read_text().replace('"beat_status": "rejected"', '"beat_status": "ok"'))
    a = forward_job(local, forward, RunOptions())
    b = forward_job(distributed, forward, RunOptions(engine="ray", workers=2, concurrency=2))
    assert a.planned == b.planned == a.new == b.new > 0
    assert statuses(local / "forward.jsonl") == statuses(distributed / "forward.jsonl")
    # Both engines share the done-set: the local engine finds nothing left to do after Ray.
    assert forward_job(distributed, forward, RunOptions()).new == 0


def test_kill_9_and_resume_repeats_no_finished_call(tmp_path, sim_server):
    # Three calls answered, the rest held: the kill lands mid-run at a known count.
    server = sim_server(ttft=0.15, tps=400, slots=1, answer_tokens=30, answer_limit=3)
    corpus = make_corpus(tmp_path, names=("Cyber_Bob_epLocalTransDimensionalRift", "Cyber_Bob_ep00003"))
    data = tmp_path / "data"
    command = [sys.executable, "-m", "dsr", "synth", "reverse", str(corpus), "-o", str(data),
               "--model", spec(server), "--concurrency", "1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    records = data / "reverse.jsonl"
    deadline = time.monotonic() + 300  # a generous bound, reached only if the run is stuck
    while time.monotonic() < deadline and (not records.exists() or records.read_text().count("\n") < 3):
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = records.read_bytes()
    done_before = len(RecordStore(records).done_ids())
    assert done_before == 3
    server.server.config.answer_limit = 0  # answer the resumed run in full
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert finished.returncode == 0, finished.stderr
    after = RecordStore(records)
    planned = json.loads((data / "summary.json").read_text())["reverse"]["planned"]
    assert len(after.records()) == len(after.done_ids()) == planned
    assert records.read_bytes().startswith(before.rstrip(b"\n").rsplit(b"\n", 1)[0])  # nothing rewritten
    journal = CallJournal(data / "calls.sqlite")
    assert journal.repeated_keys() == {}  # no answered call was asked again
    assert journal.real_calls() == planned
    assert done_before < planned


def test_rate_limits_and_hangs_are_retried(tmp_path, sim_server):
    server = sim_server(**{**FAST, "fail_every": 3, "fail_status": 429, "hang_every": 5, "hang_s": 5.0})
    corpus = make_corpus(tmp_path, names=())
    settings = ReverseSettings(models=[spec(server, "timeout=1,retries=4")], max_characters=2)
    summary = reverse_job(corpus, tmp_path / "data", settings, RunOptions(concurrency=2))
    assert summary.failed == 0 and summary.new == summary.planned == 4
    assert server.stats.faults >= 1 and server.stats.hangs >= 1


def test_unreachable_server_stops_with_one_line(tmp_path):
    corpus = make_corpus(tmp_path, names=())
    settings = ReverseSettings(models=["openai:sim@http://127.0.0.1:9/v1#retries=0,timeout=2"])
    with pytest.raises(UserError) as err:
        reverse_job(corpus, tmp_path / "data", settings, RunOptions(max_failures=2, concurrency=1))
    assert err.value.exit_code == 4 and "\n" not in str(err.value)
    assert "finished records are kept" in str(err.value)


def test_replicas_share_the_work_and_keep_the_ids(tmp_path, sim_server):
    first, second = sim_server(**{**FAST, "ttft": 0.05}), sim_server(**{**FAST, "ttft": 0.05})
    corpus = make_corpus(tmp_path)
    one = ReverseSettings(models=[spec(first)], max_characters=2)
    both = ReverseSettings(models=[spec(first), spec(second)], max_characters=2)
    reverse_job(corpus, tmp_path / "one", one, RunOptions(concurrency=4))
    answered = first.stats.answered
    summary = reverse_job(corpus, tmp_path / "both", both, RunOptions(concurrency=4))
    assert summary.new == answered
    assert first.stats.answered - answered > 0 and second.stats.answered > 0
    assert first.stats.answered - answered + second.stats.answered == summary.new
    assert statuses(tmp_path / "one" / "reverse.jsonl") == statuses(tmp_path / "both" / "reverse.jsonl")
