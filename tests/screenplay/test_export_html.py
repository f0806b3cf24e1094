"""HTML export: one self-contained, escaped page with the screenplay's elements."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from export_sample import sample

from dsr.screenplay.export.html import to_html
from dsr.screenplay.io import read_fountain
from dsr.screenplay.model import Element, Screenplay
from testkit.shared import shared_files

CORPUS = shared_files("corpus/*.fountain")
VOID = {"meta", "br", "hr", "img", "link", "input"}


class Structure(HTMLParser):
    """Checks that tags nest and close, and collects (tag, classes, text) of paragraphs."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, str]] = []
        self.paragraphs: list[tuple[str, str]] = []
        self._text: list[str] | None = None
        self._class = ""

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        self.tags.append((tag, cls))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "p":
            self._text, self._class = [], cls

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack}")
            return
        self.stack.pop()
        if tag == "p" and self._text is not None:
            self.paragraphs.append((self._class, "".join(self._text)))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    assert not parser.errors
    assert parser.stack == []
    return parser


def test_is_a_complete_self_contained_page():
    html = to_html(sample())
    assert html.startswith("<!DOCTYPE html>")
    page = structure(html)
    assert ("style", "") in page.tags
    assert "<link" not in html and "src=" not in html and "http" not in html
    assert "Courier" in html and "8.5in" in html
    assert "<title>BRICK &amp; STEEL &lt;script&gt;alert(1)&lt;/script&gt;</title>" in html


def test_everything_is_escaped():
    html = to_html(sample())
    assert "<script>" not in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert "<b>BRICK &amp; STEEL</b>" in html
    assert "A gorgeous day. &lt;Sun&gt; &amp; <i>shade</i>." in html
    assert "&quot;To&quot; <u>retirement</u> &amp; &#x27;more&#x27;." in html


def test_elements_have_their_classes_and_text():
    page = structure(to_html(sample()))
    paragraphs = dict((text, cls) for cls, text in page.paragraphs)
    assert paragraphs["1AEXT. BRICK'S PATIO - DAY1A"] == "scene-heading"
    assert paragraphs["INT. GARAGE - NIGHT"] == "scene-heading"
    assert paragraphs["STEEL (O.S.)"] == "character"
    assert paragraphs["(beer raised)"] == "parenthetical"
    assert paragraphs["\"To\" retirement & 'more'."] == "dialogue"
    assert paragraphs["SMASH CUT TO:"] == "transition"
    assert paragraphs["THE END"] == "centered"
    assert paragraphs["A song line"] == "lyrics"  # a control character is dropped
    assert paragraphs["A gorgeous day. <Sun> & shade.\n\nSteel enters fast, now.\n    Indented <b>not bold</b>."] == "action"
    assert ("div", "dual") in page.tags
    assert sum(1 for tag in page.tags if tag == ("section", "page")) == 2  # the === page break
    assert ("section", "page title-page") in page.tags
    assert "cut this?" not in to_html(sample())


def test_emphasis_tags():
    html = to_html(Screenplay(elements=[Element("action", "**b** *i* _u_ ***bi***", 1)]))
    assert "<b>b</b> <i>i</i> <u>u</u> <b><i>bi</i></b>" in html


def test_no_title_page_section_without_title_page():
    html = to_html(Screenplay(elements=[Element("action", "x", 1)]))
    assert "title-page" not in html.split("</style>")[1]


def test_css_uses_the_industry_indents():
    html = to_html(sample())
    css = html.split("<style>")[1].split("</style>")[0]
    assert "padding: 1in 1in 1in 1.5in" in css
    assert ".page .character { margin-left: 2.2in; }" in css  # 3.7 in from the page edge
    assert ".page .dialogue { margin-left: 1in; width: 3.5in; }" in css  # 2.5 in, 35 characters
    assert "margin-left: 1.6in" in css  # parenthetical 3.1 in


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_scripts_export(path):
    sp = read_fountain(path)[1]
    page = structure(to_html(sp))
    classes = [cls for cls, _ in page.paragraphs]
    assert classes.count("scene-heading") == sum(1 for el in sp.elements if el.type == "scene_heading")
    assert classes.count("character") == sum(1 for el in sp.elements if el.type == "character")


CHROMIUM = Path("/usr/bin/chromium")


def test_indents_measured_in_a_real_browser(tmp_path):
    """Lay the page out in headless Chromium and measure: CSS px are 96 per inch."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    page_file = tmp_path / "script.html"
    page_file.write_text(to_html(sample()), encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_file.resolve().as_uri())
            inches = page.evaluate(
                """() => {
                    const body = document.querySelectorAll('section.page')[1];
                    const left = body.getBoundingClientRect().left;
                    const at = (sel, side) => (document.querySelector(sel).getBoundingClientRect()[side] - left) / 96;
                    return {
                        page: body.getBoundingClientRect().width / 96,
                        heading: at('.scene-heading', 'left'),
                        action: at('.action', 'left'),
                        cue: at('.speech .character', 'left'),
                        paren: at('.speech .parenthetical', 'left'),
                        dialogue: at('.speech .dialogue', 'left'),
                        dialogue_right: at('.speech .dialogue', 'right'),
                        transition_text_right: (() => {
                            const r = document.createRange();
                            r.selectNodeContents(document.querySelector('.transition'));
                            return (r.getBoundingClientRect().right - left) / 96;
                        })(),
                        number_left: at('.scene-number.left', 'left'),
                        number_right: at('.scene-number.right', 'left'),
                    };
                }"""
            )
        finally:
            browser.close()
    assert inches["page"] == pytest.approx(8.5, abs=0.01)
    assert inches["heading"] == pytest.approx(1.5, abs=0.01)
    assert inches["action"] == pytest.approx(1.5, abs=0.01)
    assert inches["cue"] == pytest.approx(3.7, abs=0.01)
    assert inches["paren"] == pytest.approx(3.1, abs=0.01)
    assert inches["dialogue"] == pytest.approx(2.5, abs=0.01)
    assert inches["dialogue_right"] == pytest.approx(6.0, abs=0.01)
    assert inches["transition_text_right"] == pytest.approx(7.5, abs=0.02)
    assert inches["number_left"] < 1.5 and inches["number_right"] > 7.5
