"""False rejections of the stage-1 fidelity gate on human writing.

Each real scene of ../shared/corpus is read as prose (``scene_as_prose``:
action paragraphs, speech as ``NAME says, "..."``) and checked by the gate
against an outline beat written by hand for it (bench/fidelity_corpus.yaml).
Real scenes keep their outline by definition, so every finding is a false
rejection. Also printed: each summary sentence's best similarity with its
own scene and with the other scenes of the corpus (how far apart a true
match and a wrong one are), which is what COVERAGE_THRESHOLD was chosen
from.

    python bench/fidelity_corpus.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import yaml

from dsr.fidelity.prose import COVERAGE_THRESHOLD, coverage, prose_findings, scene_brief
from dsr.fidelity.similarity import shared_embedder
from dsr.story.model import Story
from dsr.synth.corpus import heading_fields, load_corpus, scene_as_prose

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(HERE.parents[1] / "shared" / "corpus"))
    args = parser.parse_args()
    beats = yaml.safe_load((HERE / "fidelity_corpus.yaml").read_text("utf-8"))
    corpus = {sp.id: sp for sp in load_corpus(Path(args.corpus))}
    embedder = shared_embedder()
    checked = rejected = 0
    own, other = [], []
    texts = []
    for sp_id, outline in beats.items():
        sp = corpus[sp_id]
        story = Story.model_validate({"title": sp.title or sp_id, "characters": outline["characters"],
                                      "scenes": [{**s, **heading_fields(sp.scenes[i].heading.text)}
                                                 for i, s in enumerate(outline["scenes"])]})
        for i, scene in enumerate(sp.scenes[:len(outline["scenes"])]):
            prose = scene_as_prose(scene)
            brief = scene_brief(story, i)
            findings = prose_findings(prose, brief, embedder.best_match)
            checked += 1
            texts.append((sp_id, i, story.scenes[i].summary, prose))
            if findings:
                rejected += 1
                print(f"REJECTED {sp_id} scene {i}: " + "; ".join(f.message for f in findings))
            for sentence, score in coverage(story.scenes[i].summary, prose, embedder.best_match):
                own.append(score)
    for sp_id, i, summary, _ in texts:  # each beat against every other scene: the wrong matches
        for sp2, j, _, prose in texts:
            if (sp_id, i) != (sp2, j):
                other.extend(score for _, score in coverage(summary, prose, embedder.best_match))
    print(f"\nscenes checked: {checked}; rejected by the gate: {rejected} ({rejected / checked:.0%} false rejections)")
    print(f"summary sentences vs their own scene:   min {min(own):.2f}  median {statistics.median(own):.2f}  "
          f"max {max(own):.2f}  (n={len(own)})")
    print(f"summary sentences vs the other scenes: median {statistics.median(other):.2f}  "
          f"share >= threshold {sum(s >= COVERAGE_THRESHOLD for s in other) / len(other):.0%}  (n={len(other)})")
    print(f"threshold: {COVERAGE_THRESHOLD}")
    for threshold in (0.30, 0.35, 0.40, 0.45, 0.50):
        print(f"  at {threshold:.2f}: own sentences rejected {sum(s < threshold for s in own)}/{len(own)}, "
              f"other scenes' sentences passing {sum(s >= threshold for s in other) / len(other):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
