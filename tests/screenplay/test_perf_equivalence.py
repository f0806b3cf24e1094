"""The fast paths of parse and validate give exactly what the plain ways give.

The parser takes the common paragraph shapes inline and finds paragraphs with
``str.split`` where it can; the validator skips work that cannot find
anything. Each shortcut is checked here against the plain way it replaces:

- paragraphs: ``preprocess.split_paragraphs`` vs the paragraph regex alone;
- the body: ``parse_body`` vs every paragraph through ``_classify`` (the
  parser before the fast paths, kept below as ``reference_parse_body``);
- the title page: read from the first lines vs from all of them;
- small helpers: ``contains`` vs ``in``, ``_Joined.line_starts`` and
  ``_Joined.starts`` vs brute force;
- everything at once: parse + validate output on the corpus, the peer files
  and seeded generated text against a digest recorded from the code before
  the fast paths (``DIGEST``; when a change of output is intended, run this
  file as a script and paste the digest it prints).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dsr.screenplay import parser, preprocess
from dsr.screenplay.model import Element
from dsr.screenplay.title_page import opens_title_page, parse_title_page, read_title_page
from dsr.screenplay.validate import validate
from dsr.screenplay.validate_lines import _MAX_MARK_HITS, _Joined
from testkit.shared import shared_files, shared_glob

PATTERNS = ("corpus/*.fountain", "peer-fountain-tests/*/*.fountain")
FILES = shared_files(*PATTERNS)

# Pieces of Fountain that meet the fast paths' edges: cue shapes (extension,
# dual, colon, lower case, no letter), marks, two-space and indented lines,
# longer gaps, page breaks, lyrics, trailing blanks, odd whitespace, non-ASCII.
TOKENS = [
    "INT. HOUSE - DAY", "EXT. PARK", "int. kitchen", "I/E CAR", "EST", ".HEADING", "BOB", "BOB (V.O.)", "MARY ^",
    "BOB:", "Bob", "12", "McB", "ANNA", "Hello there.", "(beat)", "(softly", "we see", "She thinks.", "He didnot know",
    "CUT TO:", "fade out.", "> CUT TO:", "> THE END <", "!BOB", "@anna", "~la la", "# Act", "= synopsis", "===",
    "[[note]]", "[[open", "/* bone */", "/*", "*INT. BAR - NIGHT*", "_x_", "a", " ", "  ", "   ", "\t", "\n", "\n",
    "\n", "\n\n", "\n\n", "\n\n\n", "\n  \n", "\n ", " \n", "\r\n", "\x0c", "\xa0", "\u2028", "é", "李", "ſ", "İ",
    "Title: T", "Author: A", "    indented value", ":", "^", "(", ")", "~", "=", "*", "_", "\\",
]
fountainish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
any_text = st.text(max_size=300)
RELAXED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def element_dicts(elements: list[Element]) -> list[dict]:
    return [asdict(el) for el in elements]


# ---------------------------------------------------------------- the plain ways


def reference_parse_body(text: str, pos: int = 0, line: int = 1) -> list[Element]:
    """parse_body before the fast paths: every paragraph of the regex through _classify."""
    elements: list[Element] = []
    parts = preprocess._PARAGRAPHS.split(text[pos:])
    for gap, para in zip(parts[0::2], parts[1::2]):
        line += gap.count("\n")
        block = para.split("\n")
        if "===" in para:
            parser._split_page_breaks(block, line, elements)
        else:
            parser._classify(block, line, elements)
        line += para.count("\n")
    return elements


def reference_read_title_page(text: str) -> tuple[dict, int, int]:
    """read_title_page before it read the first lines alone."""
    if not opens_title_page(text):
        return {}, 0, 1
    lines = text.split("\n")
    page, first_body_line = parse_title_page(lines)
    if not page:
        return {}, 0, 1
    return page, sum(len(line) + 1 for line in lines[:first_body_line]), first_body_line + 1


def prepared(text: str) -> str:
    """Text as parse_body sees it: normalised, boneyard cut."""
    text = preprocess.normalize(text)
    return preprocess.cut_boneyard(text)[0] if "/*" in text else text


def check_body(text: str) -> None:
    text = prepared(text)
    assert preprocess.split_paragraphs(text) == preprocess._PARAGRAPHS.split(text)
    assert element_dicts(parser.parse_body(text)) == element_dicts(reference_parse_body(text))
    page, start, line = read_title_page(text)
    assert (page, start, line) == reference_read_title_page(text)
    assert element_dicts(parser.parse_body(text, start, line)) == element_dicts(reference_parse_body(text, start, line))


# ---------------------------------------------------------------- parse


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fast_paths_match_on_every_file(path):
    check_body(path.read_text(encoding="utf-8"))


@RELAXED
@given(fountainish)
def test_fast_paths_match_on_fountain_like_text(text):
    check_body(text)


@RELAXED
@given(any_text)
def test_fast_paths_match_on_any_text(text):
    check_body(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Title: T", "Author: A", "    value", "Draft date: 1", "", "INT. A - DAY", "x"]),
                min_size=60, max_size=80).map("\n".join))
def test_long_title_pages_read_alike(text):
    # A title page longer than the lines read first is read again from all of them.
    assert read_title_page(text) == reference_read_title_page(text)


def test_indented_text_splits_alike():
    # Indentation throughout sends split_paragraphs to the regex in one pass.
    text = "\n\n".join(f"BOB\n    line {n}\n    more" for n in range(400))
    assert preprocess.split_paragraphs(text) == preprocess._PARAGRAPHS.split(text)
    assert element_dicts(parser.parse_body(text)) == element_dicts(reference_parse_body(text))


# ---------------------------------------------------------------- helpers


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="/*[=a \n", max_size=60), st.sampled_from(["/*", "[[", "==="]))
def test_contains_is_in(text, mark):
    assert preprocess.contains(text, mark) == (mark in text)


def test_contains_with_many_hits_falls_back_to_in():
    assert preprocess.contains("*" * 2000 + "/*", "/*")
    assert not preprocess.contains("*" * 2000, "/*")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="*_\nIaINT ", max_size=200), max_size=4), st.sampled_from(["*", "_", "INT"]))
def test_line_starts_are_every_line_start(texts, prefix):
    joined = _Joined([Element("action", text, 1) for text in texts])
    for cased, searched in ((True, joined.text), (False, joined.lower)):
        expected = [i + 1 for i in range(len(searched)) if searched.startswith("\n" + prefix, i)]
        assert list(joined.line_starts(prefix, cased)) == expected


@pytest.mark.parametrize("marks", range(_MAX_MARK_HITS - 3, _MAX_MARK_HITS + 4))
@pytest.mark.parametrize("pattern", ["*x", "a*b", "*"])
def test_line_starts_around_the_hit_limit(marks, pattern):
    # One mark character is looked at up to _MAX_MARK_HITS times, then the search goes on another way.
    text = "\n".join([pattern] * marks + ["*"])  # ends on a mark at a line start
    joined = _Joined([Element("action", text, 1)])
    expected = [i + 1 for i in range(len(joined.text)) if joined.text.startswith("\n*", i)]
    assert list(joined.line_starts("*", cased=True)) == expected


@given(st.lists(st.text(max_size=20), max_size=20))
def test_joined_starts(texts):
    joined = _Joined([Element("action", text, 1) for text in texts])
    position, starts = 1, []
    for text in texts:
        starts.append(position)
        position += len(text) + 1
    assert joined.starts == starts


# ---------------------------------------------------------------- validate


def test_heading_with_neither_place_nor_time_is_reported_not_raised():
    # Used to raise AttributeError (no time to quote) instead of reporting.
    for text in ("INT.", "EXT. .", "\nINT. -\n"):
        findings = validate(parser.parse(text), text)
        assert "heading-missing-place" in [f.code for f in findings]


@RELAXED
@given(fountainish)
def test_validate_never_raises(text):
    findings = validate(parser.parse(text), text)
    assert findings == sorted(findings, key=lambda f: (f.line, f.severity != "error", f.code))


# ---------------------------------------------------------------- recorded output


def generated_texts(count: int = 600, seed: int = 2026) -> list[str]:
    """Seeded texts from TOKENS and corpus fragments, the same on every run."""
    rng = random.Random(seed)
    corpus = [path.read_text(encoding="utf-8") for path in shared_glob(*PATTERNS)]
    texts = []
    for _ in range(count):
        texts.append("".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 60))))
        source = corpus[rng.randrange(len(corpus))]
        a = rng.randrange(len(source) + 1)
        texts.append(source[a : a + rng.randint(0, 3000)])
    return texts


def output_digest(parse=parser.parse, validate=validate) -> str:
    """SHA-256 of parse and validate output (with and without the source) on files and generated text."""
    digest = hashlib.sha256()
    for text in [path.read_text(encoding="utf-8") for path in shared_glob(*PATTERNS)] + generated_texts():
        sp = parse(text)
        record = {
            "title_page": sp.title_page,
            "elements": element_dicts(sp.elements),
            "boneyard": [asdict(bone) for bone in sp.boneyard],
            "findings": [asdict(f) for f in validate(sp, text)],
            "findings_without_source": [asdict(f) for f in validate(sp)],
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


# Recorded from the code before the fast paths (with the heading fix above).
DIGEST = "bcdae72f9b8a47db34d83972f15733c87544a5c0a648433b65fe7a2f087eaee9"


def test_output_is_what_the_code_before_the_fast_paths_gave():
    assert output_digest() == DIGEST


if __name__ == "__main__":
    print(output_digest())
