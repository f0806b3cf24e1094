"""HTML: one self-contained page styled as screenplay pages.

The stylesheet (screenplay.css beside this file) is inlined, so the file
opens anywhere with nothing else. ``===`` starts a new ``.page``; the
browser does not paginate the body further. Every piece of text is escaped;
emphasis becomes ``<b>``, ``<i>`` and ``<u>``.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib.resources import files

from dsr.screenplay.export.structure import Dual, Speech, printable, printable_items, title_page
from dsr.screenplay.inline import plain, run_lines
from dsr.screenplay.model import Element, Screenplay

_CLASSES = {
    "scene_heading": "scene-heading",
    "action": "action",
    "transition": "transition",
    "centered": "centered",
    "lyrics": "lyrics",
    "character": "character",
    "parenthetical": "parenthetical",
    "dialogue": "dialogue",
}


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return files("dsr.screenplay.export").joinpath("screenplay.css").read_text(encoding="utf-8")


def rich(text: str) -> str:
    """Fountain text -> escaped HTML with <b>/<i>/<u>; line breaks stay ``\\n`` (pre-wrap)."""
    out_lines = []
    for line_runs in run_lines(printable(text)):
        parts = []
        for run in line_runs:
            piece = escape(run.text)
            if run.underline:
                piece = f"<u>{piece}</u>"
            if run.italic:
                piece = f"<i>{piece}</i>"
            if run.bold:
                piece = f"<b>{piece}</b>"
            parts.append(piece)
        out_lines.append("".join(parts))
    return "\n".join(out_lines)


def _element(el: Element, in_speech: bool = False) -> str:
    css = _CLASSES.get(el.type, "action")
    if el.type == "lyrics" and in_speech:
        css = "dialogue lyrics"
    body = rich(el.text)
    if el.type == "scene_heading" and el.scene_number:
        number = escape(el.scene_number)
        body = f'<span class="scene-number left">{number}</span>{body}<span class="scene-number right">{number}</span>'
    return f'<p class="{css}">{body}</p>'


def _speech(speech: Speech) -> str:
    parts = [_element(speech.cue)] if speech.cue is not None else []
    parts += [_element(part, in_speech=True) for part in speech.parts]
    return '<div class="speech">' + "".join(parts) + "</div>"


def _title_page(sp: Screenplay) -> str:
    page = title_page(sp)
    if page is None:
        return ""

    def lines(values: list[str]) -> str:
        return "".join(f"<p>{rich(value)}</p>" for value in values)

    groups = "".join(f'<div class="title-group">{lines(group)}</div>' for group in page.groups)
    return (
        '<section class="page title-page">\n'
        f'<div class="title-block">{groups}</div>\n'
        f'<div class="title-foot"><div class="left">{lines(page.foot_left)}</div>'
        f'<div class="right">{lines(page.foot_right)}</div></div>\n'
        "</section>\n"
    )


def stylesheet() -> str:
    """The screenplay page stylesheet (for pages that embed ``body_html``)."""
    return _stylesheet()


def body_html(sp: Screenplay, title_page_too: bool = True) -> str:
    """The ``<section class="page">`` elements of ``sp``, without the document
    around them: for pages that show a screenplay among other things."""
    pages: list[list[str]] = [[]]
    for item in printable_items(sp):
        if isinstance(item, Dual):
            pages[-1].append('<div class="dual">' + _speech(item.left) + _speech(item.right) + "</div>")
        elif isinstance(item, Speech):
            pages[-1].append(_speech(item))
        elif item.type == "page_break":
            if pages[-1]:
                pages.append([])
        else:
            pages[-1].append(_element(item))
    if not pages[-1] and len(pages) > 1:
        pages.pop()
    body = "".join('<section class="page">\n' + "\n".join(page) + "\n</section>\n" for page in pages)
    return (_title_page(sp) if title_page_too else "") + body


def to_html(sp: Screenplay) -> str:
    """``sp`` as a complete HTML document (a str)."""
    title = plain(" ".join(sp.title_value("title") or [])).strip() or "Screenplay"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="dsr">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_stylesheet()}</style>\n</head>\n<body>\n"
        f"{body_html(sp)}</body>\n</html>\n"
    )
