"""Who a text names, and who speaks or acts in it.

``Person`` is a character with the spellings a text may use for them: the
name as declared, in title case and in capitals, its first and last word
(``Okafor`` for ``MR. OKAFOR``, titles left out) and every declared alias.
Matching is case-sensitive, so that ``Will`` the name and ``will`` the verb
stay apart.

``actors`` finds the names that speak or act in a text's narration (quoted
speech is left out: who is talked *about* is free). A name counts when it
is

- a speaker: ``"...," Archie says``, ``says Archie``, ``ARCHIE: ...``;
- or the subject of a verb (``Archie walks in``, ``TESS turns``) and
  written in capitals, or capitalised and met at least twice.

A capitalised word that the text also uses in lower case, that follows an
article, or that is a pronoun, a function word, a generic role ("Waiter",
"Mom"), a time word or screenplay jargon, is not a name. A capitalised word
met once, at the start of a sentence, is left alone too ("Rain taps on the
glass"). These rules are English; for other languages only capitals and
speaker labels count (German capitalises every noun).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from dsr.fidelity.names import GENERIC_ROLES, TITLES

_NOT_NAMES = set("""
i he she they we you it his her hers their theirs its our ours my mine your yours him them us me one someone
somebody everyone everybody nobody anyone anybody nothing something everything anything
the a an this that these those some any every each another no all both either neither such
and but or nor so then now later soon suddenly finally slowly quickly still yet just only even again also
outside inside behind meanwhile when while as after before once if though although because until unless where
here there together somewhere nowhere everywhere elsewhere what who whom whose which why how
in on at by with without from to into onto over under through across along around near beside between
above below of for against toward towards past up down off out upon within beyond beneath
yes oh okay ok hey hello hi well please thanks thank sorry wow ah uh um huh no not
morning night day evening afternoon dawn dusk midnight noon today tonight tomorrow yesterday sunrise sunset
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december spring summer autumn winter christmas easter
int ext est cut fade dissolve smash match continuous angle pov close wide insert montage flashback super title
end back series intercut beat pause silence fin later moments same note notes scene
god lord heaven
""".split())

# Generic roles: people the text may bring in without a name (continuity's
# list, and a few more words that only introduce people in prose).
_ROLES = {w.lower() for w in GENERIC_ROLES} | set("""
people person children kids men women ladies gentlemen gentleman lady mister sir madam maam ma'am miss
mama papa granny grandma grandpa uncle aunt cousin neighbour neighbor member members patrons fans players
""".split())
# Numbers that tell generic roles apart: PATRON TWO, AUDIENCE MEMBER THREE.
_NUMBERS = set("one two three four five six seven eight nine ten first second third fourth fifth #1 #2 #3".split())

_SPEECH_VERBS = set("""
say says said ask asks asked reply replies replied answer answers answered whisper whispers whispered
shout shouts shouted yell yells yelled mutter mutters muttered murmur murmurs murmured call calls called
add adds added continue continues continued tell tells told snap snaps snapped cry cries cried
sing sings sang speak speaks spoke begin begins began insist insists insisted repeat repeats repeated
sagt fragt antwortet flüstert ruft murmelt meint erwidert dice pregunta responde susurra grita murmura contesta
dit demande répond murmure crie chuchote chiede risponde sussurra diz pergunta
""".split())

# Verbs that do not end in -s/-ed: "Archie can", "Archie sat".
_OTHER_VERBS = set("""
is was has had does did can could will would should must might may shall sat stood ran took gave saw got put
held kept left went came fell rose lay found brought made spoke knew thought felt heard stole broke drove
wrote threw caught hid led meant met paid sold sent shut slept spent swam swore tore wore won
""".split())

_DETERMINERS = {"a", "an", "the", "his", "her", "their", "its", "our", "my", "your", "this", "that", "some",
                "another", "every", "each", "no", "one", "two", "three", "old", "young", "little"}

_QUOTED = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u201e[^\u201c\u201d\n]*[\u201c\u201d]|\u00ab[^\u00bb\n]*\u00bb')
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019.\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:mr|mrs|ms|dr|st|jr|sr|prof|capt|mt|no|vs|etc|e\.g|i\.e)\.$", re.IGNORECASE)
_LABEL = re.compile(r"^\s*([A-Z][A-Z .'\-]{0,30}?)\s*(?:\([^)]{0,30}\))?\s*:\s*\S", re.MULTILINE)


@dataclass(frozen=True)
class Person:
    name: str
    aliases: tuple[str, ...] = ()

    @cached_property
    def forms(self) -> tuple[str, ...]:
        forms: set[str] = set()
        for written in (self.name, *self.aliases):
            written = " ".join(written.split())
            upper = written.upper()
            forms |= {written, written.title(), upper}
            tokens = [t for t in upper.split() if t.rstrip(".") not in TITLES and sum(c.isalpha() for c in t) >= 3]
            for token in {*tokens[:1], *tokens[-1:]}:
                forms |= {token, token.title()}
        return tuple(sorted((f for f in forms if f), key=len, reverse=True))

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(f) for f in self.forms)})(?!\w)")

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of every spelling, in capitals: a name group made of these is this person."""
        return frozenset(w.upper() for f in self.forms for w in _WORD.findall(f))

    def named_in(self, text: str) -> bool:
        return bool(self.pattern.search(text))


def split_sentences(text: str, clauses: bool = False) -> list[str]:
    """Sentences of ``text`` (line breaks end one too), not cut after ``Mr.``
    and the like; with ``clauses``, also cut at ``:`` and ``;``."""
    out: list[str] = []
    for line in text.splitlines():
        for piece in _SENTENCE_END.split(line.strip()):
            if out and out[-1] is not None and _ABBREVIATION.search(out[-1]):
                out[-1] = f"{out[-1]} {piece}"
            elif piece.strip():
                out.append(piece.strip())
        out.append(None)  # a line break ends the sentence
    found = [s for s in out if s]
    if clauses:
        found = [c.strip() for s in found for c in re.split(r"(?<=[:;])\s+", s) if c.strip()]
    return found


def narration(text: str) -> str:
    """The text without its quoted speech (each quote becomes a blank)."""
    return _QUOTED.sub(" ", text)


@dataclass
class Actor:
    name: str  # as first written
    how: str  # "speaks" or "acts"
    example: str  # the sentence it was found in


def _is_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _verb_like(word: str) -> bool:
    w = word.lower()
    if not word.islower() or len(w) < 2:
        return False
    if w in _SPEECH_VERBS or w in _OTHER_VERBS:
        return True
    return bool(re.fullmatch(r"[a-z]{2,}(?:s|ed)", w)) and not re.search(r"(?:ss|us|is|ous|ness|ics)$", w)


def actors(text: str, language: str = "en") -> list[Actor]:
    """Names (groups of capitalised words) that speak or act in ``text``'s narration, once each."""
    english = language.split("-")[0].lower() == "en"
    plain = narration(text)
    words_lower = {w for w in _WORD.findall(plain) if w.islower()}
    sentences = split_sentences(plain, clauses=True)
    groups: list[tuple[str, bool, bool, str]] = []  # (name, acts, speaks, sentence)
    counts: dict[str, int] = {}
    mid_sentence: set[str] = set()
    for sentence in sentences:
        tokens = _WORD.findall(sentence)
        i = 0
        while i < len(tokens):
            if not tokens[i][0].isupper():
                i += 1
                continue
            start = i
            while i < len(tokens) and tokens[i][0].isupper():
                i += 1
            group = tokens[start:i]
            before = tokens[start - 1].lower() if start else ""
            after = tokens[i] if i < len(tokens) else ""
            after2 = tokens[i + 1] if i + 1 < len(tokens) else ""
            name_words = _strip_non_name_words(group)
            if not name_words or _after_determiner(tokens, start):
                continue
            if any(w.lower().endswith(("'s", "\u2019s")) for w in group[-1:]):
                continue  # "Archie's hand": a mention, not an actor
            name = " ".join(name_words)
            counts[name] = counts.get(name, 0) + 1
            if start > 0 and name_words[0] == group[0]:
                mid_sentence.add(name)
            speaks = before in _SPEECH_VERBS or after.lower() in _SPEECH_VERBS and after.islower()
            verb = after2 if after.endswith("ly") and after.islower() else after
            acts = speaks or _verb_like(verb) or (not english and verb.islower() and len(verb) >= 2)
            groups.append((name, acts, speaks, sentence.strip()))
    found: dict[str, Actor] = {}
    for name, acts, speaks, sentence in groups:
        if not acts or name in found:
            continue
        caps = all(_is_caps(w) for w in name.split())
        if not english and not caps:
            continue
        if not caps and (name.lower() in words_lower or (len(name.split()) == 1 and name.lower() in _ROLES)):
            continue
        if not (speaks or caps or counts[name] >= 2):
            continue
        if not caps and not speaks and name not in mid_sentence and counts[name] < 2:
            continue
        found[name] = Actor(name, "speaks" if speaks else "acts", sentence)
    for match in _LABEL.finditer(text):
        label = " ".join(match.group(1).split())
        if _strip_non_name_words(label.split()) and label not in found:
            found[label] = Actor(label, "speaks", match.group(0).strip())
    return list(found.values())


def _after_determiner(tokens: list[str], start: int) -> bool:
    """``the Waiter``, ``a great THUD``, ``the video game HUD``: a noun phrase, not a name."""
    for back in range(1, 4):
        if start - back < 0:
            return False
        word = tokens[start - back]
        if word.lower() in _DETERMINERS:
            return True
        if not word.islower() or _verb_like(word):
            return False
    return False


def _strip_non_name_words(group: list[str]) -> list[str]:
    """A capitalised group without the words that are not names (pronouns,
    function words, roles, time words, titles): ``Then Archie`` -> ``Archie``;
    ``The Waiter`` -> nothing."""
    kept = [w for w in group if w.lower().strip(".") not in _NOT_NAMES]
    if not kept or all(w.lower() in _ROLES or w.lower() in _NUMBERS or w.upper().rstrip(".") in TITLES for w in kept):
        return []
    return kept


def person_for(name: str, people: list[Person]) -> Person | None:
    """The person a name group stands for: one of their spellings, made of
    their words, or ending in their name (``Fake Lincoln``, ``Young Nell``)."""
    words = [w.upper() for w in _WORD.findall(name) if w.upper().rstrip(".") not in TITLES]
    for person in people:
        if person.pattern.fullmatch(name) or (words and (set(words) <= person.words or words[-1] in person.words)):
            return person
    return None
