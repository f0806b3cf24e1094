"""The validator's rules as tables: finding codes, phrase lists, line patterns.

Tune what counts here; ``validate.py`` holds the logic that applies them.
Phrases are matched case-insensitively against action lines with quoted text
removed (quotes in action are signs, screens and sounds, not the writer's
voice). Each row is one readable regular expression.
"""

from __future__ import annotations

import re
from typing import Iterable, Literal

Severity = Literal["error", "warning"]

MAX_ACTION_LINES = 4

# code -> (severity, what it means); the table in validate.py's docstring says the same.
CODES: dict[str, tuple[Severity, str]] = {
    "empty-script": ("error", "nothing printable: no heading, action or dialogue"),
    "no-scene-heading": ("error", "action or dialogue but not one scene heading"),
    "content-before-heading": ("warning", "action or dialogue before the first scene heading"),
    "heading-not-recognized": ("error", "a scene heading glued to a neighbouring line, in ** or after #"),
    "heading-missing-place": ("warning", "a scene heading that names no place"),
    "heading-missing-time": ("warning", "a scene heading with no time of day"),
    "heading-unknown-time": ("warning", "a scene heading whose last part is not a time of day"),
    "cue-with-colon": ("error", "'BOB:' or 'BOB: Hello' instead of the name alone on its line"),
    "dialogue-without-cue": ("error", "dialogue or a parenthetical with no character cue above it"),
    "cue-without-dialogue": ("error", "a character cue with no dialogue under it"),
    "transition-not-recognized": ("warning", "'FADE OUT:' / 'CUT TO:' that parsed as action or as a cue"),
    "unclosed-boneyard": ("error", "'/*' with no '*/': everything after it is hidden"),
    "unclosed-note": ("error", "'[[' with no ']]' before the next note or blank line"),
    "camera-direction": ("warning", "'we see', 'camera pans', 'close on' ... in action"),
    "interior-thought": ("warning", "'she thinks', 'realizes', 'remembers' ... in action: tell, not show"),
    "long-action": ("warning", f"an action paragraph of over {MAX_ACTION_LINES} lines of text"),
}


# Phrase tables, matched case-insensitively in action lines. Each row is
# (words, pattern):
# - words: "|"-separated lower-case words or phrases; every match of the row
#   contains one of them. Alone (pattern None) the row matches exactly these.
# - pattern: a regular expression for rows that need more context than a word.
# The validator first looks the first word of each entry up in the set of
# words the script uses, and searches only for what is there: a 120-page
# script has ~2,500 action lines, too many to run every pattern on each.
# A match inside "quotes" does not count: quotes in action are signs, screens
# and sounds, not the writer's voice.

CAMERA_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("we", r"\bwe (?:see|hear|watch|follow|notice|glimpse|find|join|pan|tilt|zoom|track|dolly"
           r"|pull (?:back|out)|push in|move (?:in|closer)|cut (?:to|back)|return to|close in)\b"),
    ("camera", r"\b(?:the )?camera (?:pans|tilts|zooms|tracks|follows|moves|pushes|pulls|cranes|dollies"
               r"|holds|finds|rises|lingers|circles|swings|stays|reveals|catches|cuts)\b"),
    ("close on|angle on", None),
    ("close|closeup|closeups", r"\b(?:extreme )?close[- ]?ups?\b"),
    ("shot", r"\b(?:wide|tracking|establishing|overhead|reverse) shot\b"),
    ("pan", r"\bpan (?:to|across|up|down|left|right)\b"),
    ("zoom", r"\bzoom (?:in|out|on|to)\b"),
    ("frame", r"\b(?:into|out of|enters|exits|leaves|fills) (?:the )?frame\b"),
)

INTERIOR_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("thinks|thinking|ponders|pondering|contemplates|contemplating", None),
    ("thought", r"\b(?:(?:he|she|they|i|we|you|who) thought|lost in thought)\b"),
    # "feels" only with an emotion after it: "she feels along the wall" is visible.
    ("feel|feels|felt|feeling",
     r"\b(?:feels?|felt|feeling) (?:that|like|as if|as though|so|very|too|more|less"
     r"|a (?:bit|little|pang|surge|wave|rush|sense|twinge)|an? (?:urge|need|sense)"
     r"|sad|bad|good|happy|angry|alone|afraid|lost|sick|safe|guilty|proud|small|empty"
     r"|better|worse|nothing|something|relief|regret|shame|fear|joy|love|hope|pride|dread"
     r"|guilt|anger|sorry|\w+(?:ed|ful|ous|less|ive)\b)|\bfeeling (?:of|that)\b"),
    ("wonders|wondering|wondered", None),
    ("realizes|realises|realized|realised|realizing|realising", None),
    ("remembers|remembered|remembering|recalls|recalled|recalling|reminisces", None),
    ("knows|knew", None),
    ("doesn|does|didn|did", r"\b(?:does ?n[o']t|did ?n[o']t) (?:know|understand|realize|realise|remember)\b"),
    ("wishes|wished|hopes|hoped|longs for|yearns|regrets|regretted|believes|believed"
     "|imagines|imagined|understands|understood|decides|decided|fears|feared", None),
    ("worries about|worries that|worried about|worried that", None),
    ("mind", r"\bin (?:his|her|their|its) mind\b|\b(?:his|her|their) mind (?:races|wanders|drifts|reels)\b"),
    ("deep down", None),
)


def _compile_rows(rows: Iterable[tuple[str, str | None]]) -> tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]:
    """Rows as (entries, compiled pattern); a words-only row matches its entries as whole words."""
    compiled = []
    for words, pattern in rows:
        entries = tuple(words.split("|"))
        if pattern is None:
            pattern = r"\b(?:" + "|".join(re.escape(entry) for entry in entries) + r")\b"
        compiled.append((entries, re.compile(pattern, re.IGNORECASE)))
    return tuple(compiled)


CAMERA = _compile_rows(CAMERA_PHRASES)
INTERIOR = _compile_rows(INTERIOR_PHRASES)


# A line meant as a scene heading (upper case, as a writer or model writes one).
# HEADING_STARTS / TRANSITION_STARTS: how such lines begin, lower-cased, for
# the fast search that finds candidate lines.
HEADING_STARTS = ("int", "ext", "est", "i/e")
HEADING_LINE = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)[. ]\s*\S")
# Transitions: well-known ones in any case, any other "... TO:" in capitals.
# FADE IN: is left out on purpose: it is traditionally written at the action margin.
NAMED_TRANSITION = re.compile(
    r"^(?:FADE (?:OUT|TO BLACK|TO WHITE|TO)|CUT TO(?: BLACK)?|(?:SMASH|MATCH|JUMP|HARD|FLASH|TIME) CUT(?: TO)?"
    r"|DISSOLVE(?: TO)?|WIPE(?: TO)?|IRIS (?:IN|OUT))\s*[:.]$",
    re.IGNORECASE,
)
TRANSITION_STARTS = ("fade", "cut", "smash", "match", "jump", "hard", "flash", "time", "dissolve", "wipe", "iris")
CAPS_TRANSITION = re.compile(r"^[A-Z][A-Z ]* TO:$")
FADE_IN = re.compile(r"^FADE IN\s*[:.]?$", re.IGNORECASE)
# "BOB: Hello" / "CYBER BOSS (V.O.): Hello" / "BOB:" — a cue written like a play script.
COLON_CUE = re.compile(r"^([A-Z][A-Z0-9 .'\u2019&-]*?)\s*(\([^)]*\))?\s*:(?:\s+(\S.*))?$")
# Upper-case labels that are not speakers: "SUPER: 1985", "NOTE: ...", a
# "MONTAGE" line on its own.
NOT_SPEAKERS = frozenset(
    {
        "NOTE", "NOTES", "NB", "TODO", "SUPER", "SUPERIMPOSE", "TITLE", "TITLES", "TITLE CARD",
        "CARD", "CHYRON", "CAPTION", "CAPTIONS", "SUBTITLE", "SUBTITLES", "LEGEND", "INSERT",
        "INTERCUT", "INTERCUT WITH", "MONTAGE", "SERIES OF SHOTS", "FLASHBACK", "SIGN", "TEXT",
        "ON SCREEN", "ONSCREEN", "SCREEN", "LATER", "BEGIN", "END", "FADE IN", "PS", "SOUND", "SFX",
        "VFX", "MUSIC", "LOCATION", "TIME", "DATE", "CREDIT", "AUTHOR", "AUTHORS", "SOURCE",
        "DRAFT DATE", "CONTACT", "COPYRIGHT", "REVISION", "EPISODE", "SCENE", "ACT",
        "END FLASHBACK", "BACK TO PRESENT", "BACK TO SCENE", "END MONTAGE", "END OF MONTAGE", "CONTINUOUS",
        "MOMENTS LATER", "SILENCE", "BLACKOUT", "BLACK", "DARKNESS", "THE END", "END OF ACT", "COLD OPEN",
        "TEASER", "TAG", "PROLOGUE", "EPILOGUE", "PRESENT DAY", "SERIES OF SHOTS", "QUICK CUTS", "INTERCUT",
        "SPLIT SCREEN", "SLOW MOTION", "FREEZE FRAME", "TITLE SEQUENCE", "OPENING CREDITS", "END CREDITS",
    }
)
CUE_EXTENSION = re.compile(
    r"\((?:V\.? ?O\.?|O\.? ?S\.?|O\.? ?C\.?|CONT['\u2019]?D|OFF|ON PHONE|FILTERED)\)", re.IGNORECASE
)
PARENTHETICAL_ALONE = re.compile(r"^\([^()]*\)$")
CUE_LIKE = re.compile(r"^[A-Z][A-Z0-9 .'\u2019&-]*(?:\s*\([^)]*\))*$")
LOWERCASE = re.compile(r"[a-z]")
