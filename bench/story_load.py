"""How fast a long outline loads: 500 and 5,000 scenes in YAML, JSON and
Markdown, end to end through ``load_story`` (read, parse, validate, cross-check),
against the bare parser (``yaml.load`` with the same loader / ``json.loads``) on
the same file. Prints seconds per load and the ratio (validation overhead)."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

from dsr.story.loader import load_story


def story(scenes: int) -> dict:
    names = [f"CHARACTER {i}" for i in range(12)]
    return {
        "title": "Long",
        "characters": [{"name": n, "profile": "Wants something; fears something else. " * 8} for n in names],
        "scenes": [{"place": f"PLACE {i % 40}", "time": "night", "interior": i % 3 == 0,
                    "characters": [names[i % 12], names[(i + 5) % 12]],
                    "summary": "Something specific and visible happens in this scene. " * 10} for i in range(scenes)],
    }


def markdown(data: dict) -> str:
    lines = [f"# {data['title']}", "", "## Characters", ""]
    lines += [f"- **{c['name']}** — {c['profile']}" for c in data["characters"]]
    lines += ["", "## Scenes", ""]
    for s in data["scenes"]:
        prefix = "INT." if s["interior"] else "EXT."
        lines += [f"### {prefix} {s['place']} - NIGHT", f"Characters: {', '.join(s['characters'])}", "", s["summary"], ""]
    return "\n".join(lines)


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    print(f"{'scenes':>6} {'format':>8} {'KiB':>7} {'load_story s':>13} {'bare parse s':>13} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for count in (500, 5000):
            data = story(count)
            files = {"yaml": yaml.safe_dump(data), "json": json.dumps(data), "md": markdown(data)}
            for fmt, text in files.items():
                path = Path(tmp) / f"story.{fmt}"
                path.write_text(text, encoding="utf-8")
                full = best_of(lambda: load_story(path))
                if fmt == "yaml":
                    bare = best_of(lambda: yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
                elif fmt == "json":
                    bare = best_of(lambda: json.loads(path.read_text(encoding="utf-8")))
                else:
                    bare = float("nan")  # no other Markdown outline parser to compare with
                ratio = full / bare if bare == bare else float("nan")
                print(f"{count:>6} {fmt:>8} {len(text.encode()) / 1024:>7.0f} {full:>13.3f} {bare:>13.3f} {ratio:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
