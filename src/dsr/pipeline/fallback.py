"""The last resort of stage 2: prose -> screenplay elements, deterministically.

Used when the model's screenplay still has format errors after the bounded
attempts. It keeps the words as written and only fixes the structure:

- quoted speech whose speaker is named (``MAYA says, "We're late."``,
  ``"We're late," Maya says.``, ``Maya sighs. "We're late."``) or a
  script-style line (``MAYA: We're late.``)
  becomes a character cue and dialogue; the attribution ("Maya says") is
  dropped, any other narration in that sentence stays as action;
- speech whose speaker is not named stays in the action as written, quotes
  and all: guessing a speaker would put words in someone's mouth;
- everything else becomes action, split at sentence ends into short
  paragraphs (at most ``ACTION_SENTENCES`` sentences / ``ACTION_CHARS``
  characters), so no action block runs past the validator's limit;
- camera language ("we see") and stated thoughts are kept as written: the
  validator reports them as warnings, and rewriting them would mean writing
  new text, which a fallback must not do.

The result always parses back to the same elements, and carries no
validator errors (tests feed it arbitrary text): an action line that would
still read as a cue, a ``NAME:`` line or a lone parenthetical has its
capitals softened (``FADE OUT.CUT TO:`` -> ``Fade Out.cut To:``) or its
brackets dropped, which changes letter case, never words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.screenplay.writer import write

ACTION_SENTENCES = 3
ACTION_CHARS = 220

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"'})
_SPEECH_VERBS = {
    # en
    "say", "says", "said", "ask", "asks", "asked", "reply", "replies", "replied", "answer", "answers",
    "answered", "whisper", "whispers", "whispered", "shout", "shouts", "shouted", "yell", "yells",
    "yelled", "mutter", "mutters", "muttered", "murmur", "murmurs", "murmured", "call", "calls", "called",
    "add", "adds", "added", "continue", "continues", "continued", "tell", "tells", "told", "snap", "snaps",
    "cry", "cries", "laugh", "laughs", "sigh", "sighs", "begin", "begins", "speak", "speaks", "spoke",
    # de, es, fr, it, pt
    "sagt", "fragt", "antwortet", "flüstert", "ruft", "murmelt", "meint", "erwidert",
    "dice", "pregunta", "responde", "susurra", "grita", "murmura", "contesta",
    "dit", "demande", "répond", "murmure", "crie", "chuchote",
    "chiede", "risponde", "sussurra", "diz", "pergunta", "responde",
}
_FILLER = {
    "he", "she", "they", "it", "him", "her", "them", "and", "then", "to", "at", "with", "the", "a", "an",
    "back", "out", "up", "again", "finally", "quietly", "softly", "loudly", "er", "sie", "und", "ella",
    "él", "y", "elle", "il", "et", "lei", "lui", "e", "ele", "ela", "as", "in", "on",
}
_SCRIPT_LINE = re.compile(r"^\s*([^\W\d][\w .'\-]{0,40}?)\s*(\([^)]{1,30}\))?\s*:\s*(\S.*)$")
_HEADING = re.compile(r"^\s*(?:INT|EXT|EST|I/E|INT\./EXT|INT/EXT)[ .]", re.IGNORECASE)
_TRANSITION = re.compile(r"^[A-Z][A-Z ]*TO:$")
_TITLES = {"DR", "DR.", "MR", "MR.", "MRS", "MRS.", "MS", "MS.", "MISS", "HERR", "FRAU", "DON", "DOÑA", "SR.", "SRA."}
# Fountain markup that a fallback must not let through into element text.
_MARKUP = re.compile(r"\[\[|\]\]|/\*|\*/|\*|_|\\")


def safe_text(text: str) -> str:
    """Element text with no Fountain markup left in it (notes, boneyard,
    emphasis marks) and single-spaced."""
    previous = None
    while previous != text:  # removing "*" from "[*[" makes a new "[["
        previous, text = text, _MARKUP.sub("", text)
    # A leading "~" makes a line lyrics, which dialogue cannot escape.
    return " ".join(text.split()).lstrip("~ ")


@dataclass
class Speakers:
    """Who may be named as a speaker: cue name by the ways prose names them."""

    patterns: list[tuple[re.Pattern, str]]
    cues: set[str]

    @classmethod
    def from_names(cls, names: list[str]) -> "Speakers":
        patterns, cues = [], set()
        for name in names:
            cue = " ".join(name.upper().split())
            cues.add(cue)
            forms = {name, name.title(), cue}
            tokens = [t for t in cue.split() if t not in _TITLES and len(t) >= 3]
            for token in (tokens[:1] + tokens[-1:]) if tokens else []:
                forms |= {token, token.title()}
            alternatives = "|".join(sorted((re.escape(f) for f in forms if f), key=len, reverse=True))
            patterns.append((re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), cue))
        return cls(patterns, cues)

    def first_in(self, text: str) -> str | None:
        best: tuple[int, str] | None = None
        for pattern, cue in self.patterns:
            match = pattern.search(text)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), cue)
        return best[1] if best else None

    def cue_for_label(self, label: str) -> str | None:
        """``MAYA`` / ``Maya`` in ``MAYA: ...``: a known name, or any name
        written in capitals (a minor part the prose itself names)."""
        label = " ".join(label.split())
        known = self.first_in(label)
        if known and len(label) <= len(known) + 4:
            return known
        if label.isupper() and len(label.split()) <= 3 and sum(c.isalpha() for c in label) >= 2:
            return label
        return None


# Words whose period never ends a sentence: titles before a name (``Mr. Okafor``,
# ``St. Mary's``), compared lower-case with the period.
_TITLE_WORDS = frozenset(
    "mr. mrs. ms. mx. dr. st. prof. rev. fr. sr. jr. sra. srta. mt. ft. gen. col. capt. cpt. lt. sgt. "
    "cmdr. adm. gov. sen. rep. hon. pres. insp. det. supt. messrs. mme. mlle. vs. cf. ca.".split())
# Abbreviations that may end a sentence (``at 9 a.m.``, ``and so on, etc.``):
# a break only when the next word starts with a capital.
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}")  # a.m., p.m., e.g., U.S.
_MAY_END = frozenset("etc. approx. incl. esp. min. max. sec. hrs.".split())


def _ends_sentence(text: str, period: int, after: int) -> bool:
    """Whether the single period at ``text[period]`` ends a sentence (the
    next word begins at ``after``); false after a title or an initial."""
    begin = period
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    word = text[begin:period + 1].lstrip("\"'(«“[").lower()
    if word in _TITLE_WORDS:
        return False
    if word in ("no.", "nr.", "vol.", "p.", "pp.") and text[after:after + 1].isdigit():
        return False  # "No. 5"
    if len(word) == 2 and word[0].isalpha() and text[begin:period + 1].lstrip("\"'(«“[")[0].isupper():
        return False  # an initial: "J. R. Hartley"
    if word in _MAY_END or _DOTTED.fullmatch(word):
        following = text[after:].lstrip("\"'(«“[")
        return not following or following[0].isupper()
    return True


def split_sentences(paragraph: str) -> list[str]:
    """Sentences, never splitting inside a quotation, nor after a title
    (``Mr.``, ``Dr.``, ``St.``), an initial or an abbreviation such as
    ``a.m.`` that the next word shows to be mid-sentence."""
    out, start, inside = [], 0, False
    text = paragraph.strip()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            inside = not inside
        elif ch in ".!?…" and not inside:
            j = i + 1
            closed = inside
            while j < len(text) and text[j] in ".!?…\"')»”":
                if text[j] == '"':
                    closed = not closed
                j += 1
            at_space = j >= len(text) or text[j].isspace()
            after = j
            while after < len(text) and text[after].isspace():
                after += 1
            if at_space and (j - i > 1 or ch != "." or _ends_sentence(text, i, after)):
                inside = closed
                out.append(text[start:j].strip())
                start, i = j, j
                continue
        i += 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def is_attribution(narration: str, speakers: Speakers) -> bool:
    """True when the narration around a quote only says who speaks."""
    words = re.findall(r"[^\W\d]+", narration.lower())
    rest = [w for w in words if w not in _SPEECH_VERBS and w not in _FILLER and not w.endswith("ly")]
    rest = [w for w in rest if not speakers.first_in(w) and not speakers.first_in(w.title())]
    return len(rest) == 0


def _action_chunks(sentences: list[str]) -> list[str]:
    chunks, current = [], []
    for sentence in sentences:
        for piece in _split_long(sentence):
            if current and (len(current) >= ACTION_SENTENCES or len(" ".join(current + [piece])) > ACTION_CHARS):
                chunks.append(" ".join(current))
                current = []
            current.append(piece)
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_long(sentence: str) -> list[str]:
    """A sentence longer than a paragraph may be: cut between words, never
    inside a quotation (a long quote makes a long paragraph, which the
    validator only warns about, rather than speech torn in two)."""
    if len(sentence) <= ACTION_CHARS:
        return [sentence]
    pieces, current, inside = [], "", False
    for word in sentence.split():
        if current and not inside and len(current) + 1 + len(word) > ACTION_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
        inside ^= word.count('"') % 2 == 1
    return pieces + ([current] if current else [])


class _Builder:
    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.pending_action: list[str] = []

    def action(self, sentence: str) -> None:
        text = safe_text(sentence)
        if text:
            self.pending_action.append(text)

    def flush(self) -> None:
        for chunk in _action_chunks(self.pending_action):
            self.elements.append(Element("action", chunk, 0))
        self.pending_action = []

    def dialogue(self, cue: str, words: str, parenthetical: str | None = None) -> None:
        words = safe_text(words)
        if not words:
            return
        last = self.elements[-1] if self.elements else None
        if not self.pending_action and not parenthetical and last is not None and last.type == "dialogue" \
                and self._cue_of(len(self.elements) - 1) == cue:
            last.text = f"{last.text} {words}"
            return
        self.flush()
        self.elements.append(Element("character", cue, 0, name=cue))
        if parenthetical:
            self.elements.append(Element("parenthetical", f"({safe_text(parenthetical.strip('()'))})", 0))
        self.elements.append(Element("dialogue", words, 0))

    def transition(self, text: str) -> None:
        self.flush()
        self.elements.append(Element("transition", text, 0))

    def _cue_of(self, index: int) -> str | None:
        for el in reversed(self.elements[:index]):
            if el.type == "character":
                return el.name
        return None


def prose_to_elements(prose: str, speaker_names: list[str]) -> list[Element]:
    """The scene body (no heading) in screenplay elements, from prose."""
    speakers = Speakers.from_names(speaker_names)
    out = _Builder()
    text = prose.translate(_QUOTES).replace("\r", "")
    paragraphs = [p for p in re.split(r"\n\s*\n|\n(?=\s*[^\W\d][\w .'\-]{0,40}\s*(?:\([^)]*\))?\s*:)", text) if p.strip()]
    for paragraph in paragraphs:
        lines = [ln.strip().lstrip("#>*-•~=!@.").strip() for ln in paragraph.splitlines()]
        lines = [ln for ln in lines if ln and not _HEADING.match(ln)]
        if not lines:
            continue
        joined = " ".join(lines)
        script = _SCRIPT_LINE.match(joined) if '"' not in joined.split(":", 1)[0] else None
        cue = speakers.cue_for_label(script.group(1)) if script else None
        if script and cue:
            out.dialogue(cue, script.group(3).strip().strip('"'), script.group(2))
            continue
        if len(lines) == 1 and _TRANSITION.match(joined):
            out.transition(joined)
            continue
        # Who speaks carries over between the sentences of one paragraph: from
        # the previous line of speech, or from an action sentence right before
        # whose subject is a named person (``Hale coughs. "Nobody move."``).
        speaker = None
        for sentence in split_sentences(joined):
            quotes = re.findall(r'"([^"]+)"', sentence)
            if not quotes or sentence.count('"') % 2:
                out.action(sentence)
                speaker = speakers.first_in(sentence) if not quotes else speaker
                continue
            narration = re.sub(r'"[^"]*"', " ", sentence)
            speaker = speakers.first_in(narration) or speaker
            if speaker is None:
                out.action(sentence)  # who speaks is not said: keep it as written
                continue
            if not is_attribution(narration, speakers):
                out.action(_narration_sentence(narration))
            out.dialogue(speaker, " ".join(_spoken(q) for q in quotes))
    out.flush()
    return defuse(out.elements)


def _soften(text: str) -> str:
    """Capitals that make a line read as a cue, softened; a bracketed line unbracketed."""
    text = re.sub(r"\b([^\W\d_])([^\W\d_]*[A-Z][^\W\d_]*)\b", lambda m: m.group(1) + m.group(2).lower(), text)
    colon = text.find(":")
    if colon > 0 and not re.search(r"[a-z]", text[:colon]):  # "X: ..." still reads as a cue
        text = text[:colon].lower() + text[colon:]
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip() or "..."
    return text


def _soften_bad(elements: list[Element], flagged: list[bool]) -> list[Element]:
    """Soften each flagged element; a flagged cue becomes one action line
    with its speech (``Maya (quietly): Gone.``)."""
    out: list[Element] = []
    i = 0
    while i < len(elements):
        el = elements[i]
        if not flagged[i]:
            out.append(el)
        elif el.type == "character":
            parts = [el.text.title()]
            while i + 1 < len(elements) and elements[i + 1].type in ("parenthetical", "dialogue"):
                i += 1
                parts.append(elements[i].text + (":" if elements[i].type == "parenthetical" else ""))
            if len(parts) > 1 and not parts[1].endswith(":"):
                parts[0] += ":"
            out.append(Element("action", _soften(" ".join(parts)), 0))
        elif el.type == "transition":
            out.append(Element("action", _soften(el.text), 0))
        else:
            el.text = _soften(el.text)
            out.append(el)
        i += 1
    return out


def defuse(elements: list[Element], rounds: int = 3) -> list[Element]:
    """Validate the elements as a scene; soften every element that still
    makes an error (the validator reads some lines as cues or headings)."""
    probe = Element("scene_heading", "INT. PROBE - DAY", 0)
    for _ in range(rounds):
        text = write(Screenplay(title_page={}, elements=[probe, *elements]))
        parsed = parse(text).elements[1:]
        if len(parsed) != len(elements):
            break
        bad = {f.line for f in validate(parse(text), text) if f.severity == "error"}
        if not bad:
            return elements
        elements = _soften_bad(elements, [got.line in bad for got in parsed])
    return elements


def _spoken(quote: str) -> str:
    """A quotation as dialogue: the comma that led into the attribution
    (``"Traffic," Jonah says``) ends the line instead."""
    quote = quote.strip()
    return quote[:-1] + "." if quote.endswith(",") else quote


def _narration_sentence(narration: str) -> str:
    """Narration around a quote as a sentence of its own (``Maya stands and
    says ,`` -> ``Maya stands.``)."""
    words = narration.split()
    while words and words[-1].strip(",:;").lower() in _SPEECH_VERBS | {"and", "then", ""}:
        words.pop()
    text = " ".join(words).strip(" ,;:")
    if text and text[-1] not in ".!?…":
        text += "."
    return text
