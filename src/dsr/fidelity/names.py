"""Who a name in a screenplay refers to, given the story's cast.

A person may be written several legitimate ways: the story's name
(``NELL HARTLEY``), each word of it (``NELL``, ``HARTLEY``), a declared
alias, with a title (``MR. OKAFOR``), in any case, possessive (``Nell's``),
or as a cue with an extension (``NELL (V.O.)``, handled by the parser). A
*near miss* of one of those forms (``NELLY``, ``NEL``, ``TESA``) is not
legitimate: it is the same person under a drifting name.

Near miss, for names of 3+ letters: one is the other plus at most two
letters at the end (NELL/NELLY, NEL/NELL, TESS/TESSA), or they differ by one
edit (4+ letters: NELL/NEIL, a swapped pair of letters counts as one) or two
(7+ letters: CHRISTOPHER/CHRISTOFER). A plain trailing ``S`` in running text
(``Nells``) is a possessive typed without its apostrophe, not drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from dsr.story.model import Character, OutlineScene, Story

# Words before a name that say how someone is addressed, not who they are.
TITLES = frozenset({
    "MR", "MRS", "MS", "MISS", "MX", "DR", "DOCTOR", "SIR", "DAME", "LADY", "LORD", "AUNT", "AUNTIE", "UNCLE",
    "CAPTAIN", "CAPT", "DET", "DETECTIVE", "SGT", "SERGEANT", "PROF", "PROFESSOR", "FR", "FATHER", "REV",
    "OFFICER", "AGENT", "NURSE", "JUDGE", "COACH", "GRANDMA", "GRANDPA", "OLD", "YOUNG", "LITTLE", "OLDER",
    "YOUNGER", "BIG", "ST", "SAINT",
})
# Cue words that make a speaker a role, not a named person (a waiter may speak
# without being in the cast). Compared without a plural S.
GENERIC_ROLES = frozenset({
    "MAN", "MEN", "WOMAN", "WOMEN", "BOY", "GIRL", "GUY", "KID", "CHILD", "CHILDREN", "BABY", "TEEN", "TEENAGER",
    "VOICE", "CROWD", "ALL", "BOTH", "EVERYONE", "EVERYBODY", "TOGETHER", "OTHER", "OTHERS", "GROUP", "FIGURE",
    "WAITER", "WAITRESS", "BARTENDER", "BARMAN", "BARMAID", "DRIVER", "GUARD", "COP", "OFFICER", "POLICEMAN",
    "POLICEWOMAN", "POLICE", "NURSE", "DOCTOR", "PARAMEDIC", "CLERK", "RECEPTIONIST", "SECRETARY", "ASSISTANT",
    "SOLDIER", "STRANGER", "PASSENGER", "CUSTOMER", "CLIENT", "ANNOUNCER", "NARRATOR", "REPORTER", "JOURNALIST",
    "TEACHER", "STUDENT", "PUPIL", "OPERATOR", "DISPATCHER", "PILOT", "PRIEST", "VICAR", "VENDOR", "SHOPKEEPER",
    "CASHIER", "BOUNCER", "HOST", "HOSTESS", "RADIO", "TV", "TELEVISION", "PHONE", "INTERCOM", "PA", "SPEAKER",
    "LIBRARIAN", "PATRON", "ATTENDANT", "GUEST", "NEIGHBOR", "NEIGHBOUR", "LANDLORD", "LANDLADY", "FISHERMAN",
    "SAILOR", "COASTGUARD", "WORKER", "OWNER", "MANAGER", "BOSS", "CHEF", "COOK", "PORTER", "BUTLER", "MAID",
    "SERVANT", "KNIGHT", "KING", "QUEEN", "PRINCE", "PRINCESS", "GUARDIAN", "MONK", "NUN", "SHERIFF", "DEPUTY",
    "AGENT", "TECHNICIAN", "ENGINEER", "SCIENTIST", "ROBOT", "COMPUTER", "AI", "SYSTEM", "AUTOMATED", "RECORDING",
    "VOICEMAIL", "AUDIENCE", "JUDGE", "LAWYER", "ATTORNEY", "WITNESS", "CLERK", "TOURIST", "HIKER", "FARMER",
    "MOTHER", "FATHER", "MUM", "MOM", "DAD", "SON", "DAUGHTER", "BROTHER", "SISTER", "WIFE", "HUSBAND",
    "GRANDMOTHER", "GRANDFATHER", "FRIEND", "SPOKESMAN", "SPOKESPERSON", "PRESENTER", "COMMENTATOR",
})
# Cue extensions under which a speaker is heard, not present in the place.
NOT_PRESENT_EXTENSIONS = re.compile(
    r"\b(?:V\.?\s*O|VOICE[\s-]*OVER|ON\s+(?:THE\s+)?(?:PHONE|TV|RADIO|SCREEN|TAPE|SPEAKER)|PHONE|FILTERED|"
    r"RECORDED|RECORDING|TAPE|PRE-?LAP|RADIO|INTERCOM|TV)\b",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"(?:['\u2019]S|['\u2019])$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")


def name_words(name: str) -> list[str]:
    """The words of a name, upper case, without dots or possessives: ``Mr. O'Neil's`` -> ``MR O'NEIL``."""
    words = []
    for word in _WORD.findall(name.upper()):
        word = _POSSESSIVE.sub("", word).strip("-'\u2019")
        if word:
            words.append(word)
    return words


def strip_possessive(word: str) -> str:
    return _POSSESSIVE.sub("", word)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit),
    cut off at ``limit + 1``: names are short, so the plain table is fast."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def near_miss(variant: str, form: str, *, in_text: bool = False) -> bool:
    """Whether ``variant`` (upper case) looks like a mistyped or drifting
    ``form`` (upper case) rather than another name. ``in_text``: ``form + S``
    is then a possessive without its apostrophe, not drift."""
    if variant == form:
        return False
    short, long_ = sorted((variant, form), key=len)
    if len(short) < 3:
        return False
    if in_text and variant == form + "S":
        return False
    if long_.startswith(short) and len(long_) - len(short) <= 2:
        return True
    if len(short) >= 7:
        return edit_distance(variant, form, 2) <= 2
    if len(short) >= 4:
        return edit_distance(variant, form, 1) <= 1
    return False


def aliases_of(character: Character) -> list[str]:
    return [a for a in character.aliases if a.strip()]


def extras_of(scene: OutlineScene) -> list[str]:
    return [e for e in scene.extras if e.strip()]


AMBIGUOUS = ""  # a form shared by two people (a family name): legitimate, but nobody in particular


@dataclass
class Cast:
    """The story's people and every legitimate way of writing each one."""

    names: list[str]  # the story's names, upper case, in story order
    forms: dict[str, str] = field(default_factory=dict)  # form -> person (AMBIGUOUS when shared)
    full_forms: dict[str, str] = field(default_factory=dict)  # whole names and aliases -> person
    _drift_memo: dict[tuple[str, bool], str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, story: Story) -> Cast:
        cast = cls(names=[" ".join(name_words(c.name)) or c.name.upper() for c in story.characters])
        written_forms = [(person, name_words(written)) for person, character in zip(cast.names, story.characters)
                         for written in [character.name, *aliases_of(character)]]
        # Whole names first: BOB is Bob even when CYBER BOB is someone else too.
        for person, words in written_forms:
            if words:
                cast._add(" ".join(words), person, cast.full_forms)
        cast.forms.update(cast.full_forms)
        for person, words in written_forms:
            for word in words:
                if word not in TITLES and len(word) >= 2 and word not in cast.full_forms:
                    cast._add(word, person, cast.forms)
        return cast

    @staticmethod
    def _add(form: str, person: str, into: dict[str, str]) -> None:
        into[form] = AMBIGUOUS if into.get(form, person) != person else person

    def person(self, written: str) -> str | None:
        """The person a legitimately written name refers to (AMBIGUOUS for a
        shared family name), or None when it is none of the cast's forms."""
        words = name_words(written)
        if not words:
            return None
        whole = " ".join(words)
        if whole in self.forms:
            return self.forms[whole]
        core = [w for w in words if w not in TITLES] or words
        people = {self.forms.get(w) for w in core}
        if len(people) == 1 and None not in people:
            return people.pop()
        return None

    def drift_target(self, written: str, *, in_text: bool = False) -> str | None:
        """The person ``written`` is a near miss of, or None. Every word must
        be a form or a near miss of the same person, one at least a near miss."""
        key = (written, in_text)
        if key not in self._drift_memo:  # a script repeats its words
            self._drift_memo[key] = self._drift_target(written, in_text)
        return self._drift_memo[key]

    def _drift_target(self, written: str, in_text: bool) -> str | None:
        words = [w for w in name_words(written) if w not in TITLES]
        if not words:
            return None
        whole = " ".join(words)
        for form, person in self.full_forms.items():
            if " " in form and near_miss(whole, form, in_text=in_text):
                return person
        targets: set[str] = set()
        drifted = False
        for word in words:
            person = self.forms.get(word)
            if person is not None:
                targets.add(person)
                continue
            near = {p for form, p in self.forms.items() if len(form) >= 3 and " " not in form
                    and near_miss(word, form, in_text=in_text)}
            if len(near) != 1:
                return None
            targets |= near
            drifted = True
        if drifted and len(targets) == 1:
            target = targets.pop()
            return target or None
        return None


def is_generic_role(cue: str) -> bool:
    """``WAITER``, ``OLD MAN``, ``COP #2``, ``GUARD 1``, ``VOICES``: a role, not a named person."""
    if re.search(r"[#\d]", cue):
        return True
    for word in name_words(cue):
        if word in GENERIC_ROLES or (word.endswith("S") and word[:-1] in GENERIC_ROLES):
            return True
    return False


def matches_extra(cue: str, extras: list[str]) -> bool:
    """Whether a cue names one of the scene's extras (``WAITER`` for "a waiter")."""
    cue_words = [w for w in name_words(cue) if w not in ("A", "AN", "THE")]
    if not cue_words:
        return False
    for extra in extras:
        words = [w for w in name_words(extra) if w not in ("A", "AN", "THE")]
        if words and (set(cue_words) <= set(words) or set(words) <= set(cue_words)):
            return True
    return False
