"""``dsr eval human-import``: human ratings -> the same statistics as the judges.

For each pair of systems in the kit, each kit pair is an item. A rater's
preference is turned into a verdict for the first-named system (left or
right as the key says) and scored 1 / 0.5 / 0; the item's score is the mean
over the raters who rated it, the win rate the mean over items, with the
percentile bootstrap over items that every dsr interval uses. Raters saw
each pair in one order only, so there is no flip rate; the share of
decisive judgments that chose the left scene is reported instead, with its
binomial test. More than two systems: Bradley-Terry over every judgment
(resampled by scene). Rubric: a scene's score is the mean of its raters'
scores; mean per system with its interval, and the share of human level when
the kit includes the human reference.

Agreement: Krippendorff's alpha between raters (ordinal for the five-level
preference, interval for scores). With ``--judge``, the model judge rates the
kit's pairs in both orders (blind, as always) and Cohen's kappa compares its
combined outcome (win / tie / loss) with the raters' majority outcome.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from dsr.errors import UserError
from dsr.evaluate.human_kit import load_key
from dsr.evaluate.human_ratings import Judgment, read_rating_files
from dsr.evaluate.items import SceneItem, SystemOutput
from dsr.evaluate.report import new_report, output_dir
from dsr.evaluate.rubric import ERROR_CATEGORIES, tier_of, tiers
from dsr.evaluate.stats import (
    Comparison,
    Verdict,
    bootstrap_interval,
    bradley_terry,
    cohen_kappa,
    krippendorff_alpha,
    mean_score,
    share_of_human,
    to_jsonable,
)
from dsr.evaluate.stats.pairwise import binomial_two_sided_p


def _for_system(judgment: Judgment, pair: dict, system: str) -> int:
    """The rater's preference as a verdict about ``system``'s scene."""
    return judgment.preference if pair["left"] == system else -judgment.preference


def pairwise_section(key: dict, judgments: list[Judgment], *, seed: int, n_resamples: int) -> list[dict[str, Any]]:
    by_pair: dict[str, list[Judgment]] = defaultdict(list)
    for j in judgments:
        if j.preference is not None:
            by_pair[j.pair].append(j)
    out = []
    for a, b in itertools.combinations(key["systems"], 2):
        kit_pairs = [p for p in key["pairs"] if {p["left"], p["right"]} == {a, b}]
        rated = [p for p in kit_pairs if by_pair.get(p["id"])]
        if not rated:
            continue
        item_scores = np.array([
            np.mean([Verdict(_for_system(j, p, a)).score for j in by_pair[p["id"]]]) for p in rated
        ])
        decisive = [j for p in rated for j in by_pair[p["id"]] if j.preference != 0]
        left_picks = sum(j.preference > 0 for j in decisive)
        out.append({
            "system_a": a, "system_b": b, "n_items": len(rated),
            "n_judgments": sum(len(by_pair[p["id"]]) for p in rated),
            "wins": int(np.sum(item_scores > 0.5)), "ties": int(np.sum(item_scores == 0.5)),
            "losses": int(np.sum(item_scores < 0.5)),
            "win_rate": float(item_scores.mean()),
            "ci": to_jsonable(bootstrap_interval(len(rated), lambda idx: item_scores[idx].mean(),
                                                 seed=seed, n_resamples=n_resamples)),
            "length_controlled": None,
            "flip_rate": None,
            "first_position_rate": left_picks / len(decisive) if decisive else None,
            "first_position_p_value": binomial_two_sided_p(left_picks, len(decisive)) if decisive else None,
            "excluded": [p["id"] for p in kit_pairs if not by_pair.get(p["id"])],
            "per_item": {p["id"]: {"item": p["item"], "score_a": float(s)} for p, s in zip(rated, item_scores)},
        })
    return out


def rubric_section(key: dict, judgments: list[Judgment], *, seed: int, n_resamples: int) -> dict[str, Any]:
    """Per system: per-scene mean of the raters' scores, and its summary."""
    pairs = {p["id"]: p for p in key["pairs"]}
    scores: dict[str, dict[str, list[int]]] = {s: defaultdict(list) for s in key["systems"]}
    errors: dict[str, dict[str, list[int]]] = {s: defaultdict(list) for s in key["systems"]}
    for j in judgments:
        pair = pairs[j.pair]
        for side, score, errs in (("left", j.score_left, j.errors_left), ("right", j.score_right, j.errors_right)):
            if score is not None:
                scores[pair[side]][pair["item"]].append(score)
            for category in ERROR_CATEGORIES:
                if errs.get(category) is not None:
                    errors[pair[side]][category].append(errs[category])
    section = {}
    for system in key["systems"]:
        per_item = {iid: float(np.mean(v)) for iid, v in scores[system].items()}
        if not per_item:
            continue
        every = [s for v in scores[system].values() for s in v]
        tier_counts = {t.name: 0 for t in tiers()}
        for s in every:
            tier_counts[tier_of(s).name] += 1
        per_scene = {c: (float(np.mean(errors[system][c])) if errors[system][c] else None) for c in ERROR_CATEGORIES}
        known = [v for v in per_scene.values() if v is not None]
        section[system] = {
            "verdicts": {iid: {"score": v, "ratings": len(scores[system][iid])} for iid, v in per_item.items()},
            "all_scores": every,
            "failures": {"valid": len(per_item), "missing": 0},
            "errors": {"per_scene": per_scene, "all_categories_per_scene": sum(known) if known else None,
                       "counted_ratings": {c: len(errors[system][c]) for c in ERROR_CATEGORIES}},
            "tiers": tier_counts,
            "summary": {"mean": mean_score(per_item, what=f"{system} human scores", seed=seed,
                                           n_resamples=n_resamples).to_dict()},
        }
    return section


def human_level_section(rubric: dict[str, Any], human: str | None, *, seed: int, n_resamples: int) -> dict:
    if not human or human not in rubric:
        return {}
    human_scores = {i: v["score"] for i, v in rubric[human]["verdicts"].items()}
    out = {}
    for system, entry in rubric.items():
        if system == human:
            continue
        mine = {i: v["score"] for i, v in entry["verdicts"].items()}
        common = sorted(set(mine) & set(human_scores))
        if not common:
            out[system] = None
            continue
        share = share_of_human({i: mine[i] for i in common}, {i: human_scores[i] for i in common},
                               system_name=system, seed=seed, n_resamples=n_resamples)
        out[system] = {**share.to_dict(), "excluded_items": sorted(set(mine) ^ set(human_scores))}
    return out


def agreement_section(key: dict, judgments: list[Judgment], raters: list[str]) -> dict[str, Any]:
    if len(raters) < 2:
        return {"note": "inter-rater agreement needs at least two raters"}
    pair_ids = [p["id"] for p in key["pairs"]]
    by = {(j.rater, j.pair): j for j in judgments}
    preference_rows = [[getattr(by.get((r, p)), "preference", None) for p in pair_ids] for r in raters]
    score_rows = [[getattr(by.get((r, p)), attr, None) for p in pair_ids for attr in ("score_left", "score_right")]
                  for r in raters]
    section: dict[str, Any] = {}
    for label, rows, metric in (("preference alpha (ordinal)", preference_rows, "ordinal"),
                                ("score alpha (interval)", score_rows, "interval")):
        try:
            section[label] = krippendorff_alpha(rows, metric=metric).to_dict()
        except UserError as exc:  # e.g. no unit rated by two raters
            section[label] = {"alpha": None, "note": str(exc)}
    return section


def judge_agreement(key: dict, judgments: list[Judgment], judge_spec: str | None, out: Path, *, seed: int,
                    n_resamples: int, backend: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Judge the kit's pairs (both orders) and compare with the raters."""
    from dsr.evaluate.evaluation import judge_section
    from dsr.evaluate.judge_common import JudgeSettings, open_judge
    from dsr.evaluate.pairwise_judge import judge_pair

    output_dir(out)
    judge, warnings = open_judge(judge_spec, out / "judge_calls.sqlite", JudgeSettings(seed=seed), backend=backend)
    outcomes: dict[str, int] = {}  # kit pair -> judge outcome for its left scene

    async def run() -> None:
        for a, b in itertools.combinations(key["systems"], 2):
            kit_pairs = [p for p in key["pairs"] if {p["left"], p["right"]} == {a, b}]
            if not kit_pairs:
                continue
            systems = [SystemOutput(name, Path(key["sources"].get(name, name)), {}) for name in (a, b)]
            for p in kit_pairs:
                systems[0].scenes[p["id"]] = SceneItem(p["id"], _text(p, a), p["outline"])
                systems[1].scenes[p["id"]] = SceneItem(p["id"], _text(p, b), p["outline"])
            result = await judge_pair(judge, systems[0], systems[1], seed=seed, n_resamples=n_resamples)
            for p in kit_pairs:
                combined = result.result.combined.get(p["id"])
                if combined is not None:
                    outcomes[p["id"]] = combined.outcome if p["left"] == a else -combined.outcome

    try:
        asyncio.run(run())
    finally:
        judge.model.close()
    majority = {}
    by_pair: dict[str, list[int]] = defaultdict(list)
    for j in judgments:
        if j.preference is not None:
            by_pair[j.pair].append(Verdict(j.preference).score)
    for pair_id, values in by_pair.items():
        mean = float(np.mean(values))
        majority[pair_id] = 1 if mean > 0.5 else (-1 if mean < 0.5 else 0)
    common = sorted(set(majority) & set(outcomes))
    if not common:
        agreement = {"kappa": None, "note": "no kit pair has both a judge verdict and a human preference"}
    else:
        agreement = cohen_kappa([outcomes[p] for p in common], [majority[p] for p in common],
                                categories=[-1, 0, 1]).to_dict()
    return {"judge vs human majority (Cohen's kappa)": agreement}, {**judge_section(judge), "warnings": warnings}


def _text(pair: dict, system: str) -> str:
    return pair["left_text"] if pair["left"] == system else pair["right_text"]


def import_ratings(files: list[Path], kit_dir: Path, *, judge_spec: str | None, out: Path, seed: int = 0,
                   n_resamples: int = 2000, backend: Any = None) -> dict[str, Any]:
    """The human-import report (see the module doc); ``backend`` replaces the
    judge spec's model (tests pass a scripted judge)."""
    key = load_key(kit_dir)
    usable, excluded = read_rating_files(files, key["kit_id"], {p["id"] for p in key["pairs"]})
    if not usable:
        raise UserError(f"none of the {len(files)} rating file(s) could be used ({excluded[0]['reason']})")
    judgments = [j for f in usable for j in f.judgments]
    raters = [f.rater for f in usable]
    kw = {"seed": seed, "n_resamples": n_resamples}
    report = new_report("human-import", systems=list(key["systems"]), human=key.get("human"),
                        items=sorted({p["item"] for p in key["pairs"]}))
    report["raters"] = {f.rater: {"file": str(f.path), "ratings": len(f.judgments),
                                  "excluded_ratings": f.excluded} for f in usable}
    report["excluded_files"] = excluded
    report["warnings"] += [e["reason"] for e in excluded]
    report["warnings"] += [f"{f.path.name}: rating of {e['pair']} left out: {e['reason']}"
                           for f in usable for e in f.excluded]
    report["pairwise"] = pairwise_section(key, judgments, **kw)
    pairs = {p["id"]: p for p in key["pairs"]}
    comparisons = [
        Comparison(pairs[j.pair]["left"], pairs[j.pair]["right"], Verdict(j.preference).score, pairs[j.pair]["item"])
        for j in judgments
        if j.preference is not None
    ]
    if len(key["systems"]) >= 3 and comparisons:
        report["bradley_terry"] = bradley_terry(comparisons, **kw).to_dict()
    report["rubric"] = rubric_section(key, judgments, **kw)
    report["human_level"] = human_level_section(report["rubric"], key.get("human"), **kw)
    report["agreement"] = agreement_section(key, judgments, raters)
    if judge_spec or backend is not None:
        kappa, judge = judge_agreement(key, judgments, judge_spec, out, backend=backend, **kw)
        report["agreement"].update(kappa)
        report["judge"] = judge
        report["warnings"] = judge["warnings"] + report["warnings"]
    return report
