"""The filters: which synthesised items are good enough to train on, and
for every item dropped, why.

Three kinds of verdict:

- **profile** (per character): a profile that is degenerate or repeats
  itself is left out of the story (applied when reverse synthesis assembles
  the stories, so the teacher never sees it);
- **beat** (per scene input): the reverse answer parsed; the summary and
  directives are not degenerate and within length; the summary names one of
  the scene's characters and is about the real scene (embedding similarity
  with the scene, read as prose);
- **forward** (per teacher sample): its beat was kept; the answer parsed and
  was not truncated; prose and directives not degenerate; prose within
  length bounds, absolutely and relative to the real scene; shows rather
  than tells (interior-monologue markers); every character of the beat is
  named; the prose is about the outline as a whole and covers each of its
  events (each summary sentence matches some prose paragraph); not a
  near-duplicate of another kept sample.

Thresholds live in ``FilterConfig``; they were set on the corpus by
comparing hand-written summaries of real scenes (similarity 0.48-0.79 with
their scene) with junk answers of the 135M model (0.16-0.30).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from dsr.synth import textchecks

if TYPE_CHECKING:  # the embedder pulls torch: imported only where it is used
    from dsr.synth.embedder import Embedder


@dataclass(frozen=True)
class FilterConfig:
    summary_words: tuple[int, int] = (5, 120)
    beat_similarity: float = 0.40  # summary vs the real scene
    prose_words: tuple[int, int] = (40, 1500)
    prose_ratio: tuple[float, float] = (0.2, 6.0)  # prose words / real scene words
    prose_similarity: float = 0.40  # outline summary vs prose
    event_similarity: float = 0.30  # each summary sentence vs its best prose paragraph
    telling_per_100_words: float = 1.0
    telling_at_least: int = 2
    near_duplicate: float = 0.95

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verdict:
    kind: str  # profile | beat | forward
    id: str | None  # the record judged
    screenplay: str
    scene: int | None = None
    sample: int | None = None
    name: str | None = None  # profile only
    reasons: list[str] | None = None
    scores: dict | None = None

    @property
    def kept(self) -> bool:
        return not self.reasons

    def to_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        data["kept"] = self.kept
        data["reasons"] = self.reasons or []
        return data


_SUMMARY_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_DETAIL = re.compile(r"\s*\([^)]*\)")


def reason_key(reason: str) -> str:
    """A reason without its details (figures, names in parentheses): what drop rates count."""
    return _DETAIL.sub("", reason).strip()


def events(summary: str) -> list[str]:
    """The events of a beat: its sentences (and ;-clauses) of three words or more."""
    return [s for s in _SUMMARY_SENTENCE.split(summary.strip()) if len(s.split()) >= 3] or [summary]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def directive_texts(directives: dict) -> list[str]:
    texts = [str(directives.get(k) or "") for k in ("pacing", "revelation", "emotional_trajectory")]
    return [t for t in texts + [str(b) for b in directives.get("action_beats") or []] if t.strip()]


def directive_problems(directives: dict) -> list[str]:
    found = {r for text in directive_texts(directives) for r in textchecks.degenerate(text)}
    beats = [" ".join(textchecks.words(b)) for b in directives.get("action_beats") or []]
    if len(beats) - len(set(beats)) >= 2:
        found.add("repeated action beats")
    return sorted(f"directives: {r}" for r in found)


def beat_text_problems(summary: str, directives: dict, cfg: FilterConfig) -> list[str]:
    """The checks a beat gets without the embedder (also used while assembling stories)."""
    reasons = [f"summary: {r}" for r in textchecks.degenerate(summary)]
    reasons += textchecks.length(summary, *cfg.summary_words, "summary")
    return reasons + directive_problems(directives)


def check_profile(screenplay: str, name: str, record: dict | None) -> Verdict:
    verdict = Verdict("profile", record.get("id") if record else None, screenplay, name=name)
    if record is None:
        verdict.reasons = ["no reverse record (failed call)"]
    elif record["status"] != "ok":
        verdict.reasons = [f"reverse answer unparsed: {record.get('reason')}"]
    else:
        result = record["result"]
        verdict.reasons = textchecks.profile_problems({k: result.get(k, "") for k in ("who", "wants", "flaws", "voice")})
    return verdict


def check_beat(entry: dict, embedder: Embedder | None, cfg: FilterConfig) -> Verdict:
    verdict = Verdict("beat", entry["id"], entry["screenplay"], scene=entry["scene"], reasons=[], scores={})
    if entry["beat_status"] != "ok":
        verdict.reasons.append(f"reverse answer {entry['beat_status']}: {entry.get('beat_reason') or 'no record'}")
        return verdict
    summary = entry["outline"]["summary"]
    verdict.reasons += beat_text_problems(summary, entry["directives"], cfg)
    characters = entry["outline"]["characters"]
    if characters and not textchecks.names_present(summary, characters):
        verdict.reasons.append("summary names none of the scene's characters")
    if embedder is not None:
        similarity = embedder.similarity(summary, entry["reference_prose"])
        verdict.scores["summary_vs_scene"] = round(similarity, 3)
        if similarity < cfg.beat_similarity:
            verdict.reasons.append(f"summary is not about the scene (similarity {similarity:.2f} < {cfg.beat_similarity})")
    return verdict


def check_forward(record: dict, entry: dict, beat: Verdict, embedder: Embedder | None, cfg: FilterConfig) -> Verdict:
    verdict = Verdict("forward", record["id"], entry["screenplay"], scene=entry["scene"],
                      sample=record.get("sample"), reasons=[], scores={})
    if not beat.kept:
        verdict.reasons.append("its outline beat was dropped")
    if record["status"] != "ok":
        verdict.reasons.append(f"teacher answer unparsed: {record.get('reason')}")
        return verdict
    prose, directives = record["result"]["prose"], record["result"]["directives"]
    if "truncated" in record.get("flags", []):
        verdict.reasons.append("prose cut off by the token limit")
    verdict.reasons += [f"prose: {r}" for r in textchecks.degenerate(prose)]
    verdict.reasons += directive_problems(directives)
    verdict.reasons += textchecks.length(prose, *cfg.prose_words, "prose")
    ratio = len(textchecks.words(prose)) / max(1, len(textchecks.words(entry["reference_prose"])))
    verdict.scores["length_ratio"] = round(ratio, 2)
    if not cfg.prose_ratio[0] <= ratio <= cfg.prose_ratio[1]:
        verdict.reasons.append(f"prose length out of proportion to the real scene ({ratio:.1f}x)")
    telling, markers = textchecks.telling(prose, cfg.telling_per_100_words, cfg.telling_at_least)
    verdict.scores["interior_markers"] = markers
    verdict.reasons += telling
    missing = textchecks.missing_names(prose, entry["outline"]["characters"])
    if missing:
        verdict.reasons.append(f"characters of the beat not in the prose ({', '.join(missing)})")
    if embedder is not None:
        summary = entry["outline"]["summary"]
        overall = embedder.similarity(summary, prose)
        covered = embedder.best_match(events(summary), paragraphs(prose))
        verdict.scores.update(outline_vs_prose=round(overall, 3), weakest_event=round(min(covered), 3))
        if overall < cfg.prose_similarity:
            verdict.reasons.append(f"prose does not follow the outline (similarity {overall:.2f} < {cfg.prose_similarity})")
        if min(covered) < cfg.event_similarity:
            verdict.reasons.append(f"an event of the outline is missing from the prose "
                                   f"(best match {min(covered):.2f} < {cfg.event_similarity})")
    return verdict


def mark_near_duplicates(verdicts: list[Verdict], proses: list[str], embedder: Embedder, cfg: FilterConfig) -> None:
    """Among kept samples, drop each one too similar to an earlier kept one."""
    kept = [i for i, v in enumerate(verdicts) if v.kept]
    if len(kept) < 2:
        return
    vectors = embedder.embed([proses[i] for i in kept])
    similarity = vectors @ vectors.T
    survivors: list[int] = []
    for row, index in enumerate(kept):
        match = next((s for s in survivors if similarity[row, s] >= cfg.near_duplicate), None)
        if match is None:
            survivors.append(row)
        else:
            other = verdicts[kept[match]]
            verdicts[index].reasons.append(
                f"near-duplicate of another sample ({other.screenplay} scene {other.scene} sample {other.sample}, "
                f"similarity {similarity[row, match]:.2f})")
