"""One hand-built screenplay with every printed element, emphasis and text that must be escaped.

Shared by the FDX and HTML export tests (the PDF tests build what each needs).
"""

from dsr.screenplay.model import Element, Screenplay


def sample() -> Screenplay:
    return Screenplay(
        title_page={
            "Title": ["**BRICK & STEEL**", "<script>alert(1)</script>"],
            "Credit": ["Written by"],
            "Author": ["Stu Maschwitz"],
            "Draft date": ["1/27/2012"],
            "Contact": ["Next Level Productions", "1588 Mission Dr."],
        },
        elements=[
            Element("scene_heading", "EXT. BRICK'S PATIO - DAY", 1, scene_number="1A"),
            Element("action", "A gorgeous day. <Sun> & *shade*.\n\nSteel enters **fast**, _now_.\n    Indented <b>not bold</b>.", 2),
            Element("character", "STEEL (O.S.)", 3, name="STEEL", extension="(O.S.)"),
            Element("parenthetical", "(beer raised)", 4),
            Element("dialogue", "\"To\" _retirement_ & 'more'.", 5),
            Element("note", "cut this?", 6),
            Element("character", "BRICK", 7, name="BRICK"),
            Element("dialogue", "To ***retirement***.", 8),
            Element("character", "STEEL", 9, name="STEEL", dual=True),
            Element("dialogue", "Cheers.", 10),
            Element("transition", "SMASH CUT TO:", 11),
            Element("page_break", "", 12),
            Element("scene_heading", "INT. GARAGE - NIGHT", 13),
            Element("centered", "THE END", 14),
            Element("lyrics", "A song\u0007 line", 15),
        ],
    )
