"""Stage-1 prose from the embedded model under sampling settings (issue 9):
how often it loops, whether it names the scene's characters, how long it runs.

Per setting (temperature:repeat_penalty) and sampled scene of examples/: one
prose call as stage 1 makes it (the outline's own plan stands in for the
directives, to isolate the prose call), cached in --cache so a re-run or a
new setting costs only what is new. Printed per answer: completion tokens,
finish reason, share of repeated sentences in the raw answer, share of the
scene's characters named in the cleaned prose, words kept.

    .venv/bin/python bench/embedded_defaults.py 0.7:1.0,0.7:1.1,0.7:1.2 [--cache calls.sqlite] [--jsonl out.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsr.evaluate.coverage import character_present  # noqa: E402
from dsr.llm.base import Params  # noqa: E402
from dsr.llm.cache import CachedModel  # noqa: E402
from dsr.llm.embedded import EmbeddedModel  # noqa: E402
from dsr.pipeline.fallback import split_sentences  # noqa: E402
from dsr.pipeline.stage1 import clean_prose, directives_from_outline, drop_echo, prose_messages  # noqa: E402
from dsr.story.loader import load_story  # noqa: E402

SAMPLE = [("two_scenes.yaml", 0), ("two_scenes.yaml", 1), ("short_film.yaml", 1), ("kurzfilm_de.yaml", 0)]


async def sweep(settings: list[tuple[float, float]], cache: Path, jsonl: Path | None) -> None:
    model = CachedModel(EmbeddedModel(), cache)
    for temperature, penalty in settings:
        for file, index in SAMPLE:
            story = load_story(REPO / "examples" / file)
            scene = story.scenes[index]
            messages = prose_messages(story, index, "", directives_from_outline(story, index))
            params = Params(temperature=temperature, max_tokens=600, top_p=0.95, seed=0,
                            repeat_penalty=None if penalty == 1.0 else penalty)
            answer = await model.complete(messages, params)
            prose = drop_echo(clean_prose(answer.text), messages[-1]["content"], scene.summary)
            found = split_sentences(" ".join(answer.text.split()))
            repeated = 1 - len({s.lower() for s in found}) / max(1, len(found))
            named = sum(character_present(n, prose, set()) for n in scene.characters) / max(1, len(scene.characters))
            row = {"file": file, "scene": index + 1, "temperature": temperature, "repeat_penalty": penalty,
                   "tokens": answer.usage.completion_tokens, "finish": answer.finish_reason,
                   "repeated_sentences": round(repeated, 3), "named": named, "words": len(prose.split())}
            print(json.dumps(row), flush=True)
            if jsonl:
                with jsonl.open("a") as f:
                    f.write(json.dumps({**row, "prose": prose}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("settings", help="temperature:repeat_penalty pairs, comma-separated (1.0 = no penalty)")
    parser.add_argument("--cache", type=Path, default=Path("embedded_defaults_calls.sqlite"))
    parser.add_argument("--jsonl", type=Path)
    args = parser.parse_args()
    settings = [tuple(float(x) for x in pair.split(":")) for pair in args.settings.split(",")]
    asyncio.run(sweep(settings, args.cache, args.jsonl))


if __name__ == "__main__":
    main()
