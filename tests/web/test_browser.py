"""The writers' room end to end in a real headless Chromium, with the real
embedded model: build a two-scene story from scratch (keyboard reordering
included), write it and watch both scenes arrive, edit one scene's prose and
re-convert it, draw a second take and switch back, download the PDF.

Screenshots of the finished page are saved as test artifacts in
$DSR_TEST_ARTIFACTS, by default build/test-artifacts/ in the checkout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from webkit import REPO, Server
from dsr.web.app import Config

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
# Short answers keep the embedded model's turn small on a busy CPU.
FAST = {"directives_tokens": 80, "prose_tokens": 90, "stage2_tokens": 256, "max_attempts": 1}
MODEL_WAIT_MS = 600_000

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")]


def save_artifact(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    folder = Path(os.environ.get("DSR_TEST_ARTIFACTS") or REPO / "build" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copy(shot, target.with_name(f".{name}.{os.getpid()}.tmp"))
    os.replace(target.with_name(f".{name}.{os.getpid()}.tmp"), target)  # whole files only, whoever writes last
    print(f"screenshot: {target}")
    return target


def job_done(page, kind: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(f'#job[data-kind="{kind}"]')).to_have_attribute("data-state", "done", timeout=MODEL_WAIT_MS)


def test_outline_write_fix_switch_take_and_export(tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from pypdf import PdfReader

    config = Config(runs_dir=tmp_path / "runs", models={"embedded": "embedded"}, settings=FAST)
    with Server(config) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(srv.url + "/#/")

        # -- a story from scratch
        page.get_by_role("link", name="New story").click()
        page.get_by_label("Title (required)").fill("The Spare Key")
        page.get_by_label("Logline").fill("A nurse locked out of her flat finds out who feeds her cat.")
        for name, profile in (("JUNE", "Thirty, a tired nurse. Says what she thinks."),
                              ("MR. OKAFOR", "Seventy, the neighbour. Polite, a poor liar.")):
            page.get_by_role("button", name="Add character").click()
            page.locator("input[id$='-name']").last.fill(name)
            page.locator("textarea[id$='-profile']").last.fill(profile)
        scenes = (("MR. OKAFOR'S FLAT", "CONTINUOUS", "June sees her cat asleep on his armchair. He admits nothing."),
                  ("LANDING", "MORNING", "June's key does not fit. Mr. Okafor offers tea and hides a bag of cat food."))
        for place, time, summary in scenes:
            page.get_by_role("button", name="Add scene").click()
            page.locator("input[id$='-place']").last.fill(place)
            page.locator("input[id$='-time']").last.fill(time)
            card = page.locator("li.scene").last
            card.get_by_label("JUNE").check()
            card.get_by_label("MR. OKAFOR").check()
            page.locator("textarea[id$='-summary']").last.fill(summary)
        # The landing comes first: move it up with the keyboard.
        page.locator("#scene-1").focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(page.locator("#f-scenes-0-place")).to_have_value("LANDING")
        expect(page.locator("#scene-0")).to_be_focused()
        expect(page.locator(".findings-all")).to_contain_text("No problems")
        page.get_by_role("button", name="Create story").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Story: The Spare Key")

        # -- write it and watch both scenes arrive
        page.get_by_role("link", name="Go to the scenes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("The Spare Key")
        expect(page.locator("#scene-card-1")).to_have_attribute("data-state", "waiting")
        page.get_by_role("button", name="Write", exact=True).click()
        expect(page.locator("#scene-card-1")).to_have_attribute("data-state", "done", timeout=MODEL_WAIT_MS)
        expect(page.locator("#scene-card-2")).to_have_attribute("data-state", "done", timeout=MODEL_WAIT_MS)
        job_done(page, "write")
        expect(page.locator("#script-1 .scene-heading")).to_have_text("INT. LANDING - MORNING")
        expect(page.locator("#script-2 .scene-heading")).to_have_text("INT. MR. OKAFOR'S FLAT - CONTINUOUS")

        # -- edit scene 2's prose and re-convert that scene
        page.locator("#edit-prose-2").click()
        expect(page.locator("#prose-edit-2")).to_be_focused()
        page.locator("#prose-edit-2").fill("The cat sleeps on the armchair in a knitted collar.\n\n"
                                           'JUNE points at the collar. "You knitted that."')
        page.locator("#reconvert-2").click()
        job_done(page, "reconvert")
        expect(page.locator("#prose-2")).to_contain_text("knitted collar")
        expect(page.locator("#script-2")).to_contain_text("collar", timeout=10_000)
        expect(page.locator("#scene-card-2 .badge.edited")).to_be_visible()

        # -- a second take of scene 1, compared, then back to the first
        first_take = page.locator("#script-1").inner_text()
        page.locator("#redraw-1").click()
        job_done(page, "redraw")
        expect(page.locator("#scene-card-1")).to_have_attribute("data-take", "1")
        page.locator("#take-1").select_option("0")
        page.locator("#compare-btn-1").click()
        expect(page.locator("#compare-1 .scene-page")).to_have_count(2)
        page.locator("#use-take-1").click()
        job_done(page, "take")
        expect(page.locator("#scene-card-1")).to_have_attribute("data-take", "0")
        assert page.locator("#script-1").inner_text() == first_take

        # -- the PDF
        with page.expect_download() as download_info:
            page.locator("#download-pdf").click()
        pdf_path = tmp_path / "download.pdf"
        download_info.value.save_as(pdf_path)
        text = "\n".join(p.extract_text() for p in PdfReader(pdf_path).pages)
        assert "THE SPARE KEY" in text.upper() and "INT. LANDING - MORNING" in text and "collar" in text

        save_artifact(page, tmp_path, "writers-room-scenes.png")
        page.get_by_role("link", name="Pages").click()
        expect(page.locator(".sheet").first).to_be_visible()
        save_artifact(page, tmp_path, "writers-room-pages.png")
        assert not errors, errors
        browser.close()


def test_a_develop_that_failed_is_listed_opened_and_developed_again(tmp_path):
    """Scripted develop models (no real model): the page of a run whose develop
    failed, the runs list's marks (one cut off by a restart too), and Develop again."""
    import sys

    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "develop"))
    from develop_fakes import ScriptedModel as DevelopModel

    from dsr.develop.project import DevelopOptions, develop
    from dsr.errors import UserError

    logline = "A retired lighthouse keeper finds a silent child on the rocks after a storm."
    bad = DevelopModel(overrides={"characters": lambda r: "No cast today."}, spec="fake:bad")
    good = DevelopModel(spec="fake:good")
    runs = tmp_path / "runs"
    with pytest.raises(UserError):  # a develop a server restart cut off after its premise
        develop(runs / "cut-off" / "develop", DevelopOptions(logline=logline, structure="short", scenes=3),
                DevelopModel(overrides={"characters": lambda r: "No cast today."}))
    config = Config(runs_dir=runs, models={"bad": "fake:bad", "good": "fake:good"},
                    backend_for=lambda spec: {"fake:bad": bad, "fake:good": good}[spec])
    with Server(config) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(srv.url + "/#/")
        expect(page.locator("table.runs")).to_contain_text("develop did not finish (1 of 4 steps)")

        page.get_by_label("Logline: who wants what").fill(logline)
        page.locator("#develop-scenes").fill("3")
        page.locator("#develop-model").select_option("bad")
        page.get_by_role("button", name="Develop the story").click()
        expect(page.locator("#develop-state")).to_have_attribute("data-state", "failed", timeout=60_000)
        expect(page.locator("#develop-state")).to_contain_text("Develop failed: step characters: no valid cast")
        expect(page.get_by_role("heading", level=1)).to_have_text("The Last Ferry")
        expect(page.locator("#develop-steps li.done")).to_have_count(1)
        expect(page.get_by_role("button", name="Write", exact=True)).to_have_count(0)
        save_artifact(page, tmp_path, "writers-room-develop-failed.png")

        page.get_by_role("link", name="dsr writers' room").click()
        row = page.locator("table.runs tr", has_text="develop failed")
        expect(row).to_contain_text("The Last Ferry")
        expect(row).to_contain_text("step characters")
        save_artifact(page, tmp_path, "writers-room-runs-developing.png")

        row.get_by_role("link").click()
        expect(page.get_by_label("New draws for the step not done")).to_be_checked()  # no answer passed
        page.locator("#develop-again-model").select_option("good")
        page.get_by_role("button", name="Develop again").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Story: The Last Ferry", timeout=60_000)
        assert good.kinds()[0] == "characters"  # the premise was kept
        assert not errors, errors
        browser.close()
