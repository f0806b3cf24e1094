import asyncio
import multiprocessing
import os
import signal
import sqlite3
import time

import pytest
from llm_fakes import CountingModel

from dsr.llm.base import LLMError, Params
from dsr.llm.cache import CachedModel, CallJournal, cache_key

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]


def run(coro):
    return asyncio.run(coro)


def test_miss_then_hit_makes_one_call(tmp_path):
    inner = CountingModel()
    model = CachedModel(inner, tmp_path / "calls.sqlite")
    first = run(model.complete(MESSAGES, Params()))
    second = run(model.complete(MESSAGES, Params()))
    assert inner.calls == 1
    assert not first.cached and second.cached
    assert (second.text, second.finish_reason, second.usage) == (first.text, first.finish_reason, first.usage)
    assert model.stats.hits == 1 and model.stats.misses == 1
    assert model.journal.real_calls() == 1


def test_hit_survives_a_new_process_object(tmp_path):
    db = tmp_path / "calls.sqlite"
    run(CachedModel(CountingModel(), db).complete(MESSAGES, Params()))
    again = CountingModel()
    answer = run(CachedModel(again, db).complete(MESSAGES, Params()))
    assert answer.cached and again.calls == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda m, p, s: (m, p, 1),
        lambda m, p, s: (m, Params(temperature=0.1), s),
        lambda m, p, s: (m, Params(json_schema={"type": "object"}), s),
        lambda m, p, s: (m, Params(repeat_penalty=1.1), s),
        lambda m, p, s: (m + [{"role": "user", "content": "more"}], p, s),
    ],
    ids=["sample", "temperature", "schema", "repeat_penalty", "messages"],
)
def test_each_part_of_the_request_is_in_the_key(tmp_path, change):
    inner = CountingModel()
    model = CachedModel(inner, tmp_path / "calls.sqlite")
    base = (MESSAGES, Params(), 0)
    a = run(model.complete(*base))
    b = run(model.complete(*change(*base)))
    assert inner.calls == 2 and not b.cached and a.text != b.text
    assert model.journal.cached_entries() == 2


def test_spec_is_in_the_key(tmp_path):
    db = tmp_path / "calls.sqlite"
    run(CachedModel(CountingModel("fake:a"), db).complete(MESSAGES, Params()))
    other = CountingModel("fake:b")
    assert not run(CachedModel(other, db).complete(MESSAGES, Params())).cached
    assert CallJournal(db).real_calls(spec="fake:a") == 1
    assert CallJournal(db).real_calls(spec="fake:b") == 1


def test_errors_are_journaled_not_cached(tmp_path):
    inner = CountingModel(fail_first=1)
    model = CachedModel(inner, tmp_path / "calls.sqlite")
    with pytest.raises(LLMError, match="scripted failure"):
        run(model.complete(MESSAGES, Params()))
    assert model.journal.cached_entries() == 0
    answer = run(model.complete(MESSAGES, Params()))
    assert not answer.cached and inner.calls == 2
    journal = model.journal
    assert journal.real_calls() == 1 and journal.real_calls(errors=True) == 1
    assert [row["error"] is None for row in journal.calls()] == [False, True]


def test_truncated_answers_are_cached_with_their_finish_reason(tmp_path):
    model = CachedModel(CountingModel(finish_reason="length"), tmp_path / "calls.sqlite")
    run(model.complete(MESSAGES, Params()))
    again = run(model.complete(MESSAGES, Params()))
    assert again.cached and again.finish_reason == "length"


def test_many_concurrent_tasks_share_one_db(tmp_path):
    inner = CountingModel(delay=0.01)
    model = CachedModel(inner, tmp_path / "calls.sqlite")

    async def many():
        requests = [[{"role": "user", "content": f"q{i % 40}"}] for i in range(120)]
        return await asyncio.gather(*(model.complete(m, Params()) for m in requests))

    answers = run(many())
    # 40 distinct requests, each asked 3 times at once: 40 calls, the rest shared.
    assert inner.calls == 40
    assert sum(not a.cached for a in answers) == 40
    journal = model.journal
    assert journal.real_calls() == 40 and journal.repeated_keys() == {}
    assert set(journal.calls_per_key().values()) == {1}
    assert journal.token_totals().completion_tokens == 40 * 3


def _worker(db, worker_id):
    model = CachedModel(CountingModel(f"fake:w{worker_id}"), db)

    async def go():
        for i in range(25):
            await model.complete([{"role": "user", "content": f"p{worker_id}-{i}"}], Params())

    asyncio.run(go())


def test_processes_write_the_same_db_safely(tmp_path):
    db = tmp_path / "calls.sqlite"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(db), n)) for n in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    journal = CallJournal(db)
    assert journal.real_calls() == 75 and journal.cached_entries() == 75
    assert len({row["pid"] for row in journal.calls()}) == 3


def test_no_secret_reaches_the_file(tmp_path, monkeypatch):
    secret = "sk-test-DO-NOT-STORE-4242424242"
    monkeypatch.setenv("DSR_TEST_KEY", secret)
    inner = CountingModel(spec=f"openai:m@https://user:{secret}@example.invalid/v1?api_key={secret}")
    db = tmp_path / "calls.sqlite"
    model = CachedModel(inner, db)
    run(model.complete(MESSAGES, Params()))
    model.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in blob
    assert b"example.invalid" in blob  # the redacted spec is there


def test_cache_key_is_stable_and_order_sensitive():
    key = cache_key("x", MESSAGES, Params(), 0)
    assert key == cache_key("x", [dict(m) for m in MESSAGES], Params(), 0)
    assert key != cache_key("x", list(reversed(MESSAGES)), Params(), 0)


def _endless_writer(db):
    model = CachedModel(CountingModel("fake:endless"), db)

    async def go():
        i = 0
        while True:
            await model.complete([{"role": "user", "content": f"p{i}"}], Params())
            i += 1

    asyncio.run(go())


def test_kill_9_mid_writes_leaves_whole_rows_only(tmp_path):
    db = tmp_path / "calls.sqlite"
    proc = multiprocessing.get_context("spawn").Process(target=_endless_writer, args=(str(db),), daemon=True)
    proc.start()
    try:
        deadline = time.time() + 300  # a generous bound, reached only if the writer is stuck
        while CallJournal(db).real_calls() < 50 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    journal = CallJournal(db)
    # Answer and journal row are written in one transaction: never one without the other.
    assert journal.real_calls() >= 50
    assert journal.real_calls() == journal.cached_entries()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    # and the next run picks up where it stopped
    inner = CountingModel("fake:endless")
    assert run(CachedModel(inner, db).complete([{"role": "user", "content": "p0"}], Params())).cached


def test_unusable_cache_file_is_a_one_line_user_error(tmp_path):
    from dsr.errors import UserError

    not_a_db = tmp_path / "calls.sqlite"
    not_a_db.write_text("this is not sqlite " * 100)
    with pytest.raises(UserError, match="cannot open the call cache"):
        run(CachedModel(CountingModel(), not_a_db).complete(MESSAGES, Params()))
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(UserError, match="cannot open the call cache"):
        run(CachedModel(CountingModel(), blocked / "sub" / "calls.sqlite").complete(MESSAGES, Params()))


def test_waiter_carries_on_when_the_task_making_the_call_is_cancelled(tmp_path):
    class HeldFirstCall(CountingModel):
        """The first call waits until cancelled; later calls answer at once."""

        def __init__(self):
            super().__init__()
            self.entered = 0
            self.first_started = asyncio.Event()

        async def complete(self, messages, params, sample=0):
            self.entered += 1
            if self.entered == 1:
                self.first_started.set()
                await asyncio.Event().wait()
            return await super().complete(messages, params, sample)

    inner = HeldFirstCall()
    model = CachedModel(inner, tmp_path / "calls.sqlite")
    waiting = asyncio.Event()
    wait_for = model._wait_for

    def note_waiting(*args):
        # Set just before the waiter awaits the pending call, with no await in between.
        waiting.set()
        return wait_for(*args)

    model._wait_for = note_waiting

    async def scenario():
        owner = asyncio.create_task(model.complete(MESSAGES, Params()))
        await asyncio.wait_for(inner.first_started.wait(), 60)
        waiter = asyncio.create_task(model.complete(MESSAGES, Params()))
        await asyncio.wait_for(waiting.wait(), 60)
        owner.cancel()
        answer = await asyncio.wait_for(waiter, 60)
        assert owner.cancelled()
        return answer

    answer = run(scenario())
    assert inner.entered == 2 and not answer.cached  # the waiter asked itself
    assert model.journal.real_calls() == 1
