"""The human-rating kit: one self-contained HTML page for blind ratings.

``write_kit`` writes two files:

* ``index.html`` -- what raters get. Everything is inline (CSS, script,
  data); it needs no server and makes no network request (its
  Content-Security-Policy forbids any). It shows, pair by pair, the outline
  and two scenes as "left" and "right", the rubric's six tiers, and asks for
  a preference (five levels), a 1-12 score per scene and optional error
  counts. Ratings are kept in the browser's local storage while rating and
  saved with one button as a JSON file the rater sends back.
* ``key.json`` -- the organiser's file: which system wrote each side of each
  pair, the texts, and the kit id. It never goes to raters; ``dsr eval
  human-import`` reads it.

Blindness: the page holds no system name, run path or model; the pairs are
in random order, and which system is on the left is random per pair (both
from ``seed``, so a kit can be rebuilt exactly).
"""

from __future__ import annotations

import itertools
import json
import random
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dsr.errors import UserError
from dsr.evaluate.items import OUTLINE_UNKNOWN, SystemOutput
from dsr.evaluate.rubric import ERROR_CATEGORIES, tiers
from dsr.evaluate.report import output_dir
from dsr.files import atomic_write_json, atomic_write_text, sha256_hex

KIT_FORMAT = "dsr-human-kit"
RATINGS_FORMAT = "dsr-human-ratings"
ERROR_LABELS = {"plot_coherence": "Plot coherence", "character_development": "Character development",
                "pacing": "Pacing"}
_PLACEHOLDER = "/*KIT_DATA*/"


@dataclass(frozen=True)
class Kit:
    page: Path
    key: Path
    kit_id: str
    n_pairs: int
    n_items: int


def choose_pairs(systems: list[SystemOutput], max_pairs: int | None, seed: int) -> list[dict[str, str]]:
    """Every (item, system pair), shuffled, cut to ``max_pairs``, each with a
    random side for each system."""
    rng = random.Random(seed)
    candidates = [
        (iid, a.name, b.name)
        for iid in systems[0].item_ids
        for a, b in itertools.combinations(systems, 2)
    ]
    rng.shuffle(candidates)
    if max_pairs is not None:
        if max_pairs < 1:
            raise UserError(f"--pairs must be at least 1, not {max_pairs}")
        candidates = candidates[:max_pairs]
    pairs = []
    for number, (iid, a, b) in enumerate(candidates, 1):
        left, right = (a, b) if rng.random() < 0.5 else (b, a)
        pairs.append({"id": f"p{number:03d}", "item": iid, "left": left, "right": right})
    return pairs


def write_kit(systems: list[SystemOutput], out: Path, *, max_pairs: int | None = None, seed: int = 0,
              human: str | None = None) -> Kit:
    """Write ``index.html`` and ``key.json`` for aligned ``systems``."""
    by_name = {s.name: s for s in systems}
    pairs = choose_pairs(systems, max_pairs, seed)
    shown = []
    for pair in pairs:
        left = by_name[pair["left"]].scenes[pair["item"]]
        right = by_name[pair["right"]].scenes[pair["item"]]
        shown.append({"id": pair["id"], "outline": left.outline or OUTLINE_UNKNOWN, "left": left.text,
                      "right": right.text})
    # Not hash_of: kits already sent out carry ids made from this JSON (ASCII, spaced).
    kit_id = sha256_hex(json.dumps(shown, sort_keys=True), 12)
    page_data = {
        "format": KIT_FORMAT,
        "kit_id": kit_id,
        "rubric": [t.to_dict() for t in tiers()],
        "error_categories": [[c, ERROR_LABELS[c]] for c in ERROR_CATEGORIES],
        "pairs": shown,
    }
    key = {
        "format": KIT_FORMAT,
        "kit_id": kit_id,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": seed,
        "systems": [s.name for s in systems],
        "human": human,
        "sources": {s.name: str(s.source) for s in systems},
        "pairs": [{**pair, "outline": text["outline"], "left_text": text["left"], "right_text": text["right"]}
                  for pair, text in zip(pairs, shown)],
    }
    output_dir(out, "kit directory")
    page = out / "index.html"
    atomic_write_text(page, render_page(page_data))
    atomic_write_json(out / "key.json", key)
    return Kit(page, out / "key.json", kit_id, len(pairs), len({p["item"] for p in pairs}))


def render_page(data: dict[str, Any]) -> str:
    template = resources.files("dsr.evaluate").joinpath("human_kit.html").read_text("utf-8")
    # Inside <script>, "</" could end the element early; "<\/" reads the same in JSON.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return template.replace(_PLACEHOLDER, payload)


def load_key(kit_dir: Path) -> dict[str, Any]:
    path = kit_dir / "key.json"
    try:
        key = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} is missing: give the folder that dsr eval human-kit wrote") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{path} cannot be read as JSON ({exc}); it is the organiser's key of the kit") from None
    if not isinstance(key, dict) or key.get("format") != KIT_FORMAT or not isinstance(key.get("pairs"), list):
        raise UserError(f"{path} is not a dsr human-kit key")
    return key
