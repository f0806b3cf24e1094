"""Rubric and pairwise judges with scripted models: prompts, verdict
parsing (malformed answers included), retries, both orders, blindness."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from eval_fakes import ScriptedJudge, always_first, longer_wins, pairwise_answer, rubric_answer

from dsr.errors import UserError
from dsr.evaluate.items import SceneItem, SystemOutput
from dsr.evaluate.judge_common import Judge, JudgeSettings, failure_counts, read_verdict
from dsr.evaluate.pairwise_judge import PAIRWISE_SCHEMA, judge_pair, judge_pairs, parse_pairwise, rate_systems
from dsr.evaluate.rubric import RUBRIC_SCHEMA, parse_rubric, rubric_messages, score_systems, tiers
from dsr.evaluate.stats import PairwiseItem, Verdict, summarize_pairwise
from dsr.llm.base import LLMError
from dsr.llm.cache import CachedModel

OUTLINE = "Story: Low Water\nScene 1: EXT. CAUSEWAY - DAWN\nCharacters:\n- NELL\nWhat happens: Nell waits."


def system(name: str, texts: list[str]) -> SystemOutput:
    scenes = {f"scene-{i + 1:03d}": SceneItem(f"scene-{i + 1:03d}", t, OUTLINE) for i, t in enumerate(texts)}
    return SystemOutput(name, Path(f"/runs/{name}-secret-path"), scenes)


def scene(words: int, place: str = "CAUSEWAY") -> str:
    return f"EXT. {place} - DAWN\n\n" + " ".join(["Waves"] * words) + ".\n"


def make_judge(answer, tmp_path, **settings) -> tuple[Judge, ScriptedJudge]:
    backend = ScriptedJudge(answer)
    return Judge(CachedModel(backend, tmp_path / "judge.sqlite"), JudgeSettings(**settings)), backend


# -- prompts -------------------------------------------------------------------------

def test_rubric_prompt_writes_out_the_six_tiers_and_the_error_categories():
    messages, clipped = rubric_messages(SceneItem("scene-001", scene(10), OUTLINE))
    user = messages[-1]["content"]
    assert not clipped
    names = [t.name for t in tiers()]
    assert names == ["Unacceptable", "Poor", "Fair", "Good", "Excellent", "Exceptional"]
    for t in tiers():
        assert f"{t.low}-{t.high} {t.name}: {t.description}" in user
    assert "directly usable" in user
    for key in ("plot_coherence_errors", "character_development_errors", "pacing_errors", "justification"):
        assert key in user
    assert OUTLINE in user and scene(10).strip() in user
    assert "$" not in user  # every template field was filled


def test_a_scene_too_long_for_the_judge_is_cut_and_flagged():
    messages, clipped = rubric_messages(SceneItem("scene-001", "EXT. A - DAY\n\n" + "word " * 3000, OUTLINE))
    assert clipped
    assert "the scene goes on" in messages[-1]["content"]


# -- verdict parsing ---------------------------------------------------------------------

@pytest.mark.parametrize("answer, kind", [
    ("The scene is fine. I would give it 8.", "no_json"),
    ("I'm sorry, but I can't rate this scene.", "refused"),
    ('{"justification": "x", "plot_coherence_errors": 0, "character_development_errors": 0, '
     '"pacing_errors": 0, "score": 15}', "invalid"),
    ('{"justification": "x", "plot_coherence_errors": 0, "character_development_errors": 0, '
     '"pacing_errors": 0, "score": "eight"}', "invalid"),
    ('{"justification": "x", "plot_coherence_errors": -1, "character_development_errors": 0, '
     '"pacing_errors": 0, "score": 7}', "invalid"),
    ('{"justification": "x", "score": 7}', "invalid"),
    ('{"justification": "x", "plot_coherence_errors": 0, "character_development_errors": 0, '
     '"pacing_errors": 0, "score": 7.5}', "invalid"),
    ('{"justification": "a long one that got cut', "no_json"),
])
def test_malformed_rubric_answers_are_failures_of_a_named_kind(answer, kind):
    assert read_verdict(answer, "stop", parse_rubric) == (kind, None)


def test_a_truncated_answer_is_counted_as_truncated():
    assert read_verdict('{"justification": "cut', "length", parse_rubric) == ("truncated", None)


def test_valid_rubric_answers_parse_from_prose_fences_and_number_strings():
    answer = "Sure.\n```json\n" + rubric_answer(9, plot=1, pacing=2, why="Tight.") + "\n```"
    kind, verdict = read_verdict(answer, "stop", parse_rubric)
    assert kind is None
    assert (verdict.score, verdict.tier, verdict.errors) == (
        9, "Excellent", {"plot_coherence": 1, "character_development": 0, "pacing": 2})
    text_numbers = json.dumps({"justification": "ok", "plot_coherence_errors": "0",
                               "character_development_errors": 1.0, "pacing_errors": 0, "score": "7"})
    assert read_verdict(text_numbers, "stop", parse_rubric)[1].score == 7


@pytest.mark.parametrize("label, expected", [
    ("scene 1 much better", Verdict.MUCH_BETTER), ("Scene 1 Better", Verdict.BETTER), ("tie", Verdict.TIE),
    ("scene_2 better.", Verdict.WORSE), ("scene 2 much better", Verdict.MUCH_WORSE),
])
def test_pairwise_labels_map_to_first_vs_second_verdicts(label, expected):
    assert parse_pairwise({"verdict": label}) == expected


@pytest.mark.parametrize("data", [{"verdict": "A"}, {"verdict": "both good"}, {"reason": "x"}, {"verdict": 1}])
def test_unknown_pairwise_verdicts_are_invalid(data):
    assert read_verdict(json.dumps(data), "stop", parse_pairwise) == ("invalid", None)


def test_schemas_constrain_score_and_verdict_to_the_allowed_values():
    assert RUBRIC_SCHEMA["properties"]["score"]["enum"] == list(range(1, 13))
    assert set(PAIRWISE_SCHEMA["properties"]["verdict"]["enum"]) == {
        "scene 1 much better", "scene 1 better", "tie", "scene 2 better", "scene 2 much better"}


# -- retries, missing verdicts, unreachable judge ------------------------------------------

def test_junk_is_asked_again_warmer_then_the_valid_answer_counts(tmp_path):
    answers = iter(["no idea", "I cannot do that", rubric_answer(8)])
    judge, backend = make_judge(lambda r: next(answers), tmp_path)
    a = system("a", [scene(20)])
    result = asyncio.run(score_systems(judge, [a]))["a"]
    assert result.scores == {"scene-001": 8}
    assert [r.sample for r in backend.requests] == [0, 1, 2]
    assert [r.params.temperature for r in backend.requests] == [0.0, 0.7, 0.7]
    assert all(r.params.json_schema == RUBRIC_SCHEMA for r in backend.requests)
    answer = result.answers["scene-001"]
    assert answer.attempts == 3 and answer.failures == ["no_json", "refused"]


def test_a_verdict_still_missing_after_retries_is_counted_not_guessed(tmp_path):
    def answer(request):
        return "junk" if "Waves Waves Waves." in request.user and "WRECK" in request.user else rubric_answer(5)

    judge, _ = make_judge(answer, tmp_path, retries=1)
    a = system("a", [scene(3, "WRECK"), scene(30)])
    result = asyncio.run(score_systems(judge, [a]))["a"]
    assert result.scores == {"scene-002": 5}
    assert result.missing == ["scene-001"]
    counts = failure_counts(result.answers.values())
    assert counts["missing"] == 1 and counts["missing_by_kind"]["no_json"] == 1 and counts["valid"] == 1


def test_a_judge_that_never_gives_a_verdict_is_a_one_line_error(tmp_path):
    judge, _ = make_judge(lambda r: "I refuse.", tmp_path, retries=0)
    with pytest.raises(UserError, match="no valid rubric verdict"):
        asyncio.run(score_systems(judge, [system("a", [scene(5), scene(6)])]))


def test_an_unreachable_judge_stops_the_command(tmp_path):
    def answer(request):
        raise LLMError("openai:x: connection refused")

    judge, _ = make_judge(answer, tmp_path)
    with pytest.raises(UserError, match="failed 3 calls in a row: openai:x: connection refused") as info:
        asyncio.run(score_systems(judge, [system("a", [scene(5)] * 4)]))
    assert info.value.exit_code == 4


# -- both orders -----------------------------------------------------------------------------

def test_a_judge_that_always_picks_scene_1_yields_ties_and_a_flip_rate_of_100_percent(tmp_path):
    judge, backend = make_judge(always_first, tmp_path)
    a, b = system("a", [scene(10), scene(40), scene(5)]), system("b", [scene(30), scene(10), scene(6)])
    pair = asyncio.run(judge_pair(judge, a, b, n_resamples=200))
    result = pair.result
    assert (result.wins, result.ties, result.losses) == (0, 3, 0)
    assert result.win_rate == 0.5
    assert result.flip_rate == 1.0 and result.reversed == 3
    assert result.first_position_rate == 1.0
    assert len(backend.requests) == 6  # every item in both orders
    from dsr.evaluate.report import position_warnings

    warnings = position_warnings(pair.to_dict())
    assert any("changed with the order of presentation on 100.0 %" in w for w in warnings)
    assert any("prefers the first-shown scene" in w for w in warnings)


def test_a_consistent_judge_gives_the_stats_result_of_its_verdicts(tmp_path):
    judge, _ = make_judge(longer_wins, tmp_path)
    a = system("a", [scene(80), scene(40), scene(5), scene(12)])
    b = system("b", [scene(20), scene(50), scene(5), scene(10)])
    pair = asyncio.run(judge_pair(judge, a, b, n_resamples=300))
    r = pair.result
    assert (r.wins, r.ties, r.losses, r.much_better) == (2, 1, 1, 1)
    assert r.flip_rate == 0.0
    expected = summarize_pairwise([
        # lengths in words of what the judge saw: the heading's 4 and the action
        PairwiseItem("scene-001", Verdict.MUCH_BETTER, Verdict.MUCH_BETTER, 84, 24),
        PairwiseItem("scene-002", Verdict.WORSE, Verdict.WORSE, 44, 54),
        PairwiseItem("scene-003", Verdict.TIE, Verdict.TIE, 9, 9),
        PairwiseItem("scene-004", Verdict.BETTER, Verdict.BETTER, 16, 14),
    ], system_a="a", system_b="b", n_resamples=300)
    assert r.to_dict() == expected.to_dict()


def test_missing_verdicts_in_one_order_exclude_the_item_and_are_listed(tmp_path):
    def answer(request):
        first, second = request.scenes()
        if "WRECK" in first:  # only the order with a's WRECK scene first fails
            return "junk"
        return longer_wins(request)

    judge, _ = make_judge(answer, tmp_path, retries=1)
    a, b = system("a", [scene(30, "WRECK"), scene(40)]), system("b", [scene(10), scene(10)])
    pair = asyncio.run(judge_pair(judge, a, b, n_resamples=200))
    assert pair.result.excluded == ["scene-001"] and pair.result.n_items == 1
    data = pair.to_dict()
    assert data["per_item"]["scene-001"]["ab"] == "missing:no_json"
    assert data["failures"]["missing"] == 1


def test_judges_never_see_system_names_paths_or_run_metadata(tmp_path):
    judge, backend = make_judge(longer_wins, tmp_path)
    a, b, c = (system(n, [scene(10 + k), scene(20 + k)]) for k, n in enumerate(("dsr_qwen", "direct_gpt", "human")))
    judgments = asyncio.run(judge_pairs(judge, [a, b, c], n_resamples=200))
    asyncio.run(score_systems(judge, [a, b, c]))
    prompts = " ".join(m["content"] for r in backend.requests for m in r.messages)
    for leak in ("dsr_qwen", "direct_gpt", "human", "secret-path", "/runs/"):
        assert leak not in prompts
    assert len(judgments) == 3
    ratings = rate_systems(judgments, n_resamples=200)
    assert {r.system for r in ratings.ratings} == {"dsr_qwen", "direct_gpt", "human"}


def test_orders_are_asked_in_a_shuffled_but_reproducible_sequence(tmp_path):
    a = system("a", [scene(10 + k) for k in range(6)])
    b = system("b", [scene(30 + k) for k in range(6)])
    sequences = []
    for run in range(2):
        # one call at a time, so that the recorded order is the order asked
        judge, backend = make_judge(longer_wins, tmp_path / str(run), concurrency=1)
        asyncio.run(judge_pair(judge, a, b, n_resamples=100))
        sequences.append([r.scenes()[0] for r in backend.requests])
    assert sequences[0] == sequences[1]
    firsts = [text.count("Waves") for text in sequences[0]]
    assert firsts != sorted(firsts)
