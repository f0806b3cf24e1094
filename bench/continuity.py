"""Continuity findings: false positives on real screenplays, and speed.

1. False positives. Each screenplay of ../shared/corpus is checked against
   the outline reversed from it by the synthesis code without a model
   (``build_story``: headings read from the script, the scene's people as
   its characters, extractive summaries). A real script against its own
   outline should give almost nothing. Printed: scenes, findings, findings
   per 100 scenes, and every finding, to read. Two variants of the outline
   are measured too: characters = speakers only (an outline that leaves out
   silent people: the people findings then show silent presences), and the
   corpus scenes with every heading's time set to NIGHT, then DAY (time
   findings only: how often real action words name a time of day).
2. Speed: ``check_screenplay`` on a ~120-page script built from the corpus
   (as ``bench/format.py`` builds it), against its reversed outline; CPU ms,
   best of 5, caches emptied before each run.

    .venv/bin/python bench/continuity.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from dsr.fidelity.continuity import check_screenplay
from dsr.screenplay.parser import parse
from dsr.synth.corpus import load_corpus, screenplay_from_text
from dsr.synth.inputs import build_story

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def speakers_only(story, sp):
    """The same outline listing only each scene's speakers."""
    scenes = []
    for outline, scene in zip(story.scenes, sp.scenes):
        speakers = [n for n in outline.characters
                    if any(el.type == "character" and n == (el.name or el.text).split(" (")[0].upper()
                           for el in scene.elements)]
        scenes.append(outline.model_copy(update={"characters": speakers}))
    return story.model_copy(update={"scenes": scenes})


def at_time(sp, time: str) -> str:
    """The script with every heading's time of day replaced by ``time``."""
    out = []
    for scene in sp.scenes:
        heading = re.split(r"\s+-\s+|--", scene.heading.text)[0]
        out.append(scene.fountain.replace(scene.heading.text, f"{heading} - {time}", 1))
    return "\n\n".join(out)


def false_positives() -> None:
    corpus = load_corpus(CORPUS)
    rows = {"own outline": [], "speakers only": [], "every heading NIGHT": [], "every heading DAY": []}
    for sp in corpus:
        story = build_story(sp, {}, {})
        script = parse("\n\n".join(scene.fountain for scene in sp.scenes))
        rows["own outline"].append((sp.id, len(sp.scenes), check_screenplay(story, script)))
        rows["speakers only"].append((sp.id, len(sp.scenes), check_screenplay(speakers_only(story, sp), script)))
        for time in ("NIGHT", "DAY"):
            moved = [f for f in check_screenplay(story, parse(at_time(sp, time))) if f.code == "time-contradiction"]
            rows[f"every heading {time}"].append((sp.id, len(sp.scenes), moved))
    print(f"1. corpus: {len(corpus)} screenplays, {sum(len(sp.scenes) for sp in corpus)} scenes")
    for label, results in rows.items():
        scenes = sum(n for _, n, _ in results)
        found = [(name, f) for name, _, fs in results for f in fs]
        print(f"   {label:<20} {len(found):>3} findings, {100 * len(found) / scenes:5.1f} per 100 scenes")
        for name, f in found:
            print(f"      {name}: {f.where}: {f.code}: {f.message}")


def speed() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from format import build_script, clear_caches

    text, pages = build_script(120)
    sp = screenplay_from_text(Path("long.fountain"), text)
    story = build_story(sp, {}, {})
    script = parse("\n\n".join(scene.fountain for scene in sp.scenes))
    best = float("inf")
    for _ in range(5):
        clear_caches()  # no run profits from the one before
        start = time.process_time()
        findings = check_screenplay(story, script)
        best = min(best, time.process_time() - start)
    print(f"2. speed: {pages} pages, {len(sp.scenes)} scenes, {len(findings)} findings: "
          f"{1000 * best:.1f} ms CPU (best of 5)")


if __name__ == "__main__":
    false_positives()
    speed()
