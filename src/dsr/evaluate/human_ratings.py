"""Reading the rating files raters send back from the human-rating kit.

A file is used whole or not at all when it is not a ratings file of *this*
kit (not JSON, another format, another kit id, no rater name, no ratings);
inside a usable file, a single rating that is malformed (unknown pair,
a score outside 1..12, a duplicate) is left out. Every exclusion is kept with
its reason and shown in the report: nothing is dropped silently, nothing is
repaired by guessing. When one rater sent several files, the one saved last
counts and the others are listed as superseded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsr.evaluate.human_kit import RATINGS_FORMAT
from dsr.evaluate.rubric import ERROR_CATEGORIES, SCALE_MAX

MAX_FILE_BYTES = 8 * 1024 * 1024
# Preference labels -> verdict about the LEFT scene (+2 much better ... -2).
PREFERENCES = {"left_much_better": 2, "left_better": 1, "tie": 0, "right_better": -1, "right_much_better": -2}


@dataclass(frozen=True)
class Judgment:
    """One rater's rating of one kit pair."""

    rater: str
    pair: str
    preference: int | None  # about the left scene, -2..2
    score_left: int | None
    score_right: int | None
    errors_left: dict[str, int | None]
    errors_right: dict[str, int | None]


@dataclass
class RatingFile:
    path: Path
    rater: str
    saved_at: str
    judgments: list[Judgment]
    excluded: list[dict[str, str]] = field(default_factory=list)  # {pair, reason}


class BadFile(ValueError):
    """The file as a whole cannot be used (the message says why)."""


def _score(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SCALE_MAX:
        raise ValueError(f"{what} {value!r} is not a whole number from 1 to {SCALE_MAX}")
    return value


def _errors(value: Any, what: str) -> dict[str, int | None]:
    if value is None:
        return dict.fromkeys(ERROR_CATEGORIES)
    if not isinstance(value, dict):
        raise ValueError(f"{what} errors are not an object")
    out = {}
    for category in ERROR_CATEGORIES:
        count = value.get(category)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise ValueError(f"{what} {category} errors {count!r} is not a count")
        out[category] = count
    return out


def _judgment(raw: Any, rater: str, pairs: set[str]) -> Judgment:
    if not isinstance(raw, dict):
        raise ValueError("a rating is not an object")
    pair = raw.get("pair")
    if pair not in pairs:
        raise ValueError(f"unknown pair {str(pair)[:20]!r}")
    preference = raw.get("preference")
    if preference is not None and preference not in PREFERENCES:
        raise ValueError(f"unknown preference {str(preference)[:30]!r}")
    left, right = raw.get("left") or {}, raw.get("right") or {}
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise ValueError("left/right are not objects")
    judgment = Judgment(
        rater, pair, None if preference is None else PREFERENCES[preference],
        _score(left.get("score"), "left score"), _score(right.get("score"), "right score"),
        _errors(left.get("errors"), "left"), _errors(right.get("errors"), "right"),
    )
    if judgment.preference is None and judgment.score_left is None and judgment.score_right is None:
        raise ValueError("neither a preference nor a score")
    return judgment


def read_rating_file(path: Path, kit_id: str, pairs: set[str]) -> RatingFile:
    """One rating file of kit ``kit_id``; ``BadFile`` when it is unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadFile(f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise BadFile("is empty")
    if len(data) > MAX_FILE_BYTES:
        raise BadFile(f"is {len(data) / 2**20:.1f} MiB, too large for a ratings file "
                      f"(limit {MAX_FILE_BYTES // 2**20} MiB)")
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadFile("is not UTF-8 text") from None
    except ValueError as exc:
        raise BadFile(f"is not valid JSON ({exc})") from None
    if not isinstance(content, dict) or content.get("format") != RATINGS_FORMAT:
        raise BadFile("is not a dsr ratings file (saved by the kit page)")
    if content.get("kit_id") != kit_id:
        raise BadFile(f"was made with another kit (kit {str(content.get('kit_id'))[:20]}, this kit is {kit_id})")
    rater = content.get("rater")
    if not isinstance(rater, str) or not rater.strip():
        raise BadFile("has no rater name")
    ratings = content.get("ratings")
    if not isinstance(ratings, list) or not ratings:
        raise BadFile("holds no ratings")
    rater = " ".join(rater.split())
    result = RatingFile(path, rater, str(content.get("saved_at") or ""), [])
    seen: set[str] = set()
    for raw in ratings:
        pair = raw.get("pair") if isinstance(raw, dict) else None
        try:
            judgment = _judgment(raw, rater, pairs)
        except ValueError as exc:
            result.excluded.append({"pair": str(pair)[:20], "reason": str(exc)})
            continue
        if judgment.pair in seen:
            result.excluded.append({"pair": judgment.pair, "reason": "rated twice in one file; the first counts"})
            continue
        seen.add(judgment.pair)
        result.judgments.append(judgment)
    if not result.judgments:
        raise BadFile(f"holds no usable rating ({result.excluded[0]['reason']})")
    return result


def read_rating_files(paths: list[Path], kit_id: str, pairs: set[str]) -> tuple[list[RatingFile], list[dict]]:
    """Usable files (one per rater: the last saved) and the excluded ones."""
    usable: dict[str, RatingFile] = {}
    excluded: list[dict[str, str]] = []
    for path in paths:
        try:
            rating_file = read_rating_file(path, kit_id, pairs)
        except BadFile as exc:
            excluded.append({"file": str(path), "reason": f"{path.name} {exc}"})
            continue
        earlier = usable.get(rating_file.rater)
        if earlier is not None:
            older, newer = sorted((earlier, rating_file), key=lambda f: f.saved_at)
            excluded.append({"file": str(older.path),
                             "reason": f"{older.path.name}: superseded by {newer.path.name} (same rater "
                                       f"{rating_file.rater!r}, saved later)"})
            rating_file = newer
        usable[rating_file.rater] = rating_file
    return list(usable.values()), excluded
