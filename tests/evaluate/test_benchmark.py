"""The benchmark protocol: reverse synthesis -> systems write -> judges ->
report. Once with scripted models (orchestration, resume, numbers), once
with the real embedded model as teacher, generator and judge (slow)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from eval_fakes import ScriptedJudge, longer_wins, no_embedding

from dsr.errors import UserError
from dsr.evaluate.benchmark import BenchmarkOptions, parse_system_specs, run_benchmark_protocol
from dsr.evaluate.judge_common import JudgeSettings
from dsr.evaluate.report import write_report
from dsr.llm.base import Completion, Usage
from testkit.shared import shared

SCRIPTS = ("Cyber_Bob_ep00003", "Cyber_Bob_epLocalTransDimensionalRift")


class ScriptedWriter:
    """Answers every request of reverse synthesis and of dsr write by its
    JSON schema; ``words`` sets how long its scenes are."""

    def __init__(self, spec: str, words: int = 12):
        self.spec = spec
        self.words = words
        self.calls = 0

    def prose(self, messages=()) -> str:
        # distinct sentences: the pipeline drops repeated ones. A faithful writer
        # names the scene's people and tells what the outline says happens (the
        # fidelity gate sends anything else back).
        drops = " ".join(f"Drop number {k} hits the glass." for k in range(1, self.words // 6 + 2))
        first = next((m["content"] for m in messages if m["role"] == "user"), "")
        given = re.search(r"Prose:\n(.*?)\n\n(?:Rules:|Each element)", first, re.S)
        if given:  # stage 2: the prose's words
            return " ".join(given.group(1).split())
        summary = re.search(r"^What happens: (.*)$", first, re.M)
        who = first.split("Who:\n", 1)[-1].split("\nWhat happens:", 1)[0] if "Who:\n" in first else ""
        names = re.findall(r"^- ([A-Z][A-Z .'-]*?)(?::| \(|$)", who, re.M)
        faithful = (" ".join(f"{n} waits." for n in names) + " " + (summary.group(1) if summary else "")).strip()
        return f"{faithful} {drops}".strip()

    async def complete(self, messages, params, sample=0) -> Completion:
        self.calls += 1
        props = (params.json_schema or {}).get("properties", {})
        if "action_beats" in props and "summary" in props:  # reverse synthesis: a scene beat
            answer = {"summary": "Bob and the boss argue about a rift in the office.", "pacing": "quick",
                      "revelation": "the rift is real", "emotional_trajectory": "calm to alarmed",
                      "action_beats": ["Bob enters."]}
        elif "who" in props:  # reverse synthesis: a character profile
            answer = {"who": "an office worker", "wants": "a quiet day", "flaws": "panics", "voice": "dry",
                      "relationships": []}
        elif "action_beats" in props:  # stage 1 directives
            answer = {"pacing": "quick", "revelation": "none", "emotional_trajectory": "flat",
                      "action_beats": ["Someone waits."]}
        elif "elements" in props:  # stage 2 / direct, as screenplay elements
            answer = {"elements": [{"type": "action", "text": self.prose(messages)}]}
        else:  # stage 1 prose
            return Completion(self.prose(messages), "stop", Usage(5, 5))
        return Completion(json.dumps(answer), "stop", Usage(5, 5))


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SCRIPTS:
        shutil.copy(shared("corpus", f"{name}.fountain"), folder / f"{name}.fountain")
    return folder


class WordOverlap:
    """Stands in for the sentence embedder in dsr write's fidelity gate (loading
    torch only costs time here): the best share of a query's words a passage has."""

    @staticmethod
    def best_match(queries, passages):
        def words(text):
            return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}
        return [max((len(words(q) & words(p)) / max(1, len(words(q))) for p in passages), default=0.0)
                for q in queries]


@pytest.fixture(autouse=True)
def no_embedder(monkeypatch):
    from dsr.evaluate import coverage
    from dsr.fidelity import similarity

    monkeypatch.setattr(coverage, "embed", no_embedding)
    monkeypatch.setattr(similarity, "shared_embedder", WordOverlap)


def scripted_options(corpus, out, **kw) -> BenchmarkOptions:
    return BenchmarkOptions(corpus=corpus, systems=["dsr:fake:writer", "direct:fake:writer"], out=out,
                            judge="fake:judge", max_scenes=2, max_characters=2, n_resamples=200,
                            write_options={"stage2_format": "json", "max_attempts": 1}, **kw)


def test_benchmark_with_scripted_models_reports_every_section(corpus, tmp_path):
    out = tmp_path / "bench"
    backends = {"teacher": ScriptedWriter("fake:teacher"), "dsr": ScriptedWriter("fake:writer", words=40),
                "direct": ScriptedWriter("fake:writer", words=10)}
    judge = ScriptedJudge(longer_wins)
    report = run_benchmark_protocol(scripted_options(corpus, out), backends=backends, judge_backend=judge,
                                    log=lambda line: None)
    assert report["systems"] == ["dsr", "direct"] and report["human"] == "human"
    n_items = len(report["items"])
    assert n_items == sum(report["benchmark"]["screenplays"].values()) >= 3
    assert all("/scene-" in i for i in report["items"])
    pairs = [(p["system_a"], p["system_b"]) for p in report["pairwise"]]
    assert pairs == [("dsr", "direct"), ("dsr", "human"), ("direct", "human")]
    assert report["pairwise"][0]["win_rate"] == 1.0  # the judge prefers the longer scenes: dsr's
    assert report["bradley_terry"] is not None
    assert set(report["rubric"]) == {"dsr", "direct", "human"}
    assert set(report["human_level"]) == {"dsr", "direct"}
    assert report["gains"][0]["a"] == "dsr" and report["gains"][0]["b"] == "direct"
    assert set(report["format"]) == {"dsr", "direct", "human"}
    assert report["format"]["human"]["coverage"]["characters_named"] > 0
    # judges saw no system names; every item was judged in both orders
    prompts = " ".join(m["content"] for r in judge.requests for m in r.messages)
    assert "fake:writer" not in prompts and "Drafted with" not in prompts
    assert sum(r.kind == "pairwise" for r in judge.requests) == 3 * 2 * n_items
    assert (out / "data" / "inputs.jsonl").exists()
    assert (out / "runs" / "dsr" / SCRIPTS[0] / "screenplay.fountain").exists()
    write_report(report, out)
    md = (out / "report.md").read_text("utf-8")
    for section in ("## Blind pairwise win rate", "## Rubric score", "## Decomposition gain", "## Format metrics"):
        assert section in md

    # resume: the same command again makes no model call at all
    again = {k: ScriptedWriter(v.spec) for k, v in backends.items()}
    judge_again = ScriptedJudge(longer_wins)
    rerun = run_benchmark_protocol(scripted_options(corpus, out), backends=again, judge_backend=judge_again,
                                   log=lambda line: None)
    assert sum(m.calls for m in again.values()) == 0 and judge_again.requests == []
    assert rerun["pairwise"] == report["pairwise"] and rerun["rubric"] == report["rubric"]


def test_a_reverse_synthesised_data_folder_can_be_given_as_corpus(corpus, tmp_path):
    out = tmp_path / "bench"
    backends = {"teacher": ScriptedWriter("fake:teacher"), "dsr": ScriptedWriter("fake:writer", words=40),
                "direct": ScriptedWriter("fake:writer", words=10)}
    run_benchmark_protocol(scripted_options(corpus, out), backends=backends,
                           judge_backend=ScriptedJudge(longer_wins), log=lambda line: None)
    teacher = ScriptedWriter("fake:teacher")
    report = run_benchmark_protocol(
        scripted_options(out / "data", tmp_path / "bench2", max_scripts=1), log=lambda line: None,
        backends={**backends, "teacher": teacher}, judge_backend=ScriptedJudge(longer_wins))
    assert teacher.calls == 0
    assert list(report["benchmark"]["screenplays"]) == [SCRIPTS[0]]


@pytest.mark.parametrize("systems, message", [
    (["dsr"], "give KIND:SPEC"),
    (["other:embedded"], "give KIND:SPEC"),
    (["dsr:embedded", "a=dsr:embedded", "a=direct:embedded"], "names must be unique"),
    (["human=dsr:embedded"], "not 'human'"),
])
def test_bad_system_specs_are_one_line_errors(systems, message):
    with pytest.raises(UserError, match=message):
        parse_system_specs(systems)


def test_system_names_default_to_their_kind():
    names = [s.name for s in parse_system_specs(["dsr:embedded", "direct:embedded", "dsr:openai:m@http://x/v1",
                                                 "mine=direct:embedded"])]
    assert names == ["dsr-1", "direct", "dsr-2", "mine"]


def test_a_missing_corpus_is_a_one_line_error(tmp_path):
    with pytest.raises(UserError, match="not a folder of screenplays"):
        run_benchmark_protocol(scripted_options(tmp_path / "nope", tmp_path / "out"), log=lambda line: None)


@pytest.mark.slow
def test_benchmark_end_to_end_with_the_embedded_model(corpus, tmp_path, monkeypatch):
    """Two real corpus screenplays, one scene each; the embedded 135M model
    reverse-synthesises, writes (DSR and direct) and judges."""
    monkeypatch.undo()  # the real embedder too
    out = tmp_path / "bench"
    options = BenchmarkOptions(
        corpus=corpus, systems=["dsr:embedded", "direct:embedded"], out=out, max_scenes=1, max_characters=0,
        n_resamples=200, judge_settings=JudgeSettings(retries=1, max_tokens=300),
        write_options={"directives_tokens": 160, "prose_tokens": 220, "stage2_tokens": 400, "max_attempts": 1},
    )
    warnings = []
    report = run_benchmark_protocol(options, warn=warnings.append, log=lambda line: None)
    assert any("135M" in w for w in warnings)
    assert len(report["items"]) == 2
    assert [(p["system_a"], p["system_b"]) for p in report["pairwise"]] == [
        ("dsr", "direct"), ("dsr", "human"), ("direct", "human")]
    for name in ("dsr", "direct", "human"):
        failures = report["rubric"][name]["failures"]
        assert failures["valid"] + failures["missing"] == 2
        assert report["format"][name]["scenes"] == 2
    for pair in report["pairwise"]:
        assert pair["failures"]["requested"] == 4
        assert pair["n_items"] + len(pair["excluded"]) == 2
    write_report(report, out)
    saved = json.loads((out / "report.json").read_text("utf-8"))
    assert saved["pairwise"][0]["win_rate"] == report["pairwise"][0]["win_rate"]
    assert (out / "plots" / "win_rates.png").exists() and (out / "plots" / "scores.png").exists()
