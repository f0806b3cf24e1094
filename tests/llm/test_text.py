import pytest

from dsr.llm.text import clean_answer, extract_json, strip_chatter, strip_fences, strip_think


def test_think_blocks_are_removed():
    assert strip_think("<think>plan\nmore</think>\nINT. ROOM - DAY") == "\nINT. ROOM - DAY"
    assert strip_think("a<THINKING>x</THINKING>b") == "ab"


def test_unclosed_think_hides_the_rest_and_lone_close_hides_the_start():
    assert strip_think("INT. ROOM<think>and then I") == "INT. ROOM"
    assert strip_think("reasoning from the template\n</think>\nThe answer") == "\nThe answer"


def test_fences_keep_the_longest_block():
    text = "Here:\n```json\n{}\n```\nand\n```fountain\nINT. HOUSE - DAY\n\nShe waits.\n```\n"
    assert strip_fences(text) == "INT. HOUSE - DAY\n\nShe waits."
    assert strip_fences("no fences") == "no fences"
    assert strip_fences("```\nunclosed at the end") == "unclosed at the end"


@pytest.mark.parametrize("lead", ["Sure! Here is the scene:", "Here's the screenplay:", "Certainly.",
                                  "Below is the formatted scene:"])
def test_lead_in_lines_go(lead):
    assert strip_chatter(f"{lead}\n\nINT. HOUSE - DAY\nShe waits.") == "INT. HOUSE - DAY\nShe waits."


def test_sign_offs_go_and_content_stays():
    text = "Here is the scene:\nINT. HOUSE - DAY\nHere is the key, she says.\n\nLet me know if you want changes!"
    assert strip_chatter(text) == "INT. HOUSE - DAY\nHere is the key, she says."


def test_content_that_merely_starts_like_chatter_is_kept():
    # A long first line is content, not an announcement.
    line = "Sure footsteps echo down the hall as MAYA walks, counting doors, never looking back at anyone at all, not once"
    assert strip_chatter(line + ".\nMore.") == line + ".\nMore."


def test_clean_answer_combines_everything():
    text = "<think>hmm</think>Sure! Here it is:\n```\nINT. BARN - NIGHT\n\nRain.\n```\nHope this helps!"
    assert clean_answer(text) == "INT. BARN - NIGHT\n\nRain."


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure! ```json\n{"a": {"b": [1, 2]}}\n``` done', {"a": {"b": [1, 2]}}),
        ('<think>{"draft": true}</think> {"final": 1}', {"final": 1}),
        ('use {braces} like this, then {"x": "}"}', {"x": "}"}),
        ('{"a": [1, 2,],}', {"a": [1, 2]}),
        ("\u201ca\u201d: no object here", None),
        ('{\u201ca\u201d: 1}', {"a": 1}),
        ("[1, 2]", None),
        ("", None),
    ],
)
def test_extract_json(text, expected):
    assert extract_json(text) == expected


def test_truncated_object_is_not_mistaken_for_its_inner_part():
    assert extract_json('{"elements": [{"type": "action", "text": "x"}, {"type": "dia') is None
