"""`dsr develop` with a scripted model: the four steps, the hash rule, takes,
repair of invalid answers, and bad input."""

from __future__ import annotations

import json

import pytest
import yaml

from dsr.cli import main
from dsr.develop.project import DevelopOptions, develop
from dsr.errors import UserError
from dsr.story.loader import load_story, story_warnings

from develop_fakes import ScriptedModel, default_answer

LOGLINE = ("A retired lighthouse keeper finds a silent child on the rocks after a storm and must get "
           "her home before the island's ferry stops for winter.")


def run(folder, model, **options):
    options.setdefault("structure", "short")
    options.setdefault("scenes", 5)
    return develop(folder, DevelopOptions(**options), backend=model)


def test_four_steps_give_the_story_dsr_write_reads(tmp_path, capsys):
    model = ScriptedModel()
    result = run(tmp_path / "dev", model, logline=LOGLINE)
    assert model.kinds() == ["premise", "characters", "beats", "scenes", "scenes", "scenes", "scenes"]
    assert [r.action for r in result.reports] == ["written"] * 4
    story = load_story(tmp_path / "dev" / "story.yaml")
    assert story.title == "The Last Ferry" and story.logline == LOGLINE
    assert [c.name for c in story.characters] == ["EDITH", "MIA", "TOM"]
    assert "Wants: To be left in peace." in story.characters[0].profile
    # 5 scenes over the short structure's shares .25/.25/.30/.20: the turn gets the extra one.
    assert len(story.scenes) == 5
    text = (tmp_path / "dev" / "story.yaml").read_text()
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("# -- beat")] == [
        "# -- beat 1: Situation", "# -- beat 2: Disturbance", "# -- beat 3: Turn", "# -- beat 4: Ending"]
    # TOM was in no scene: added to one, flagged in the file and in the summary, never silently.
    assert "# FLAG: TOM added to scene" in text
    assert any("TOM added to scene" in flag for flag in result.flags)
    assert story_warnings(story) == []
    # The relationship to someone outside the cast was dropped and noted.
    state = json.loads((tmp_path / "dev" / "develop.json").read_text())
    assert any("NOBODY" in note for note in state["steps"]["characters"]["notes"])
    assert main(["story", "check", str(tmp_path / "dev" / "story.yaml"), "--strict"]) == 0
    capsys.readouterr()


def test_rerun_is_free_and_a_hand_edit_redoes_only_later_steps(tmp_path):
    model = ScriptedModel()
    folder = tmp_path / "dev"
    run(folder, model, logline=LOGLINE)
    again = ScriptedModel()
    result = run(folder, again)  # the logline and options are remembered
    assert again.requests == []
    assert [r.action for r in result.reports] == ["unchanged"] * 4

    cast_file = folder / "characters.yaml"
    data = yaml.safe_load(cast_file.read_text())
    data["characters"][2]["profile"] = "Tom Kerr, the ferry skipper, secretly afraid of the sea."
    data["characters"].append({"name": "AGNES", "profile": "The island's postmistress, who knows everyone."})
    edited = "# mine now\n" + yaml.safe_dump(data, sort_keys=False)
    cast_file.write_text(edited)
    premise_before = (folder / "premise.yaml").read_text()

    third = ScriptedModel()
    result = run(folder, third)
    assert [r.action for r in result.reports] == ["unchanged", "kept", "written", "written"]
    assert third.kinds()[0] == "beats" and "premise" not in third.kinds() and "characters" not in third.kinds()
    assert cast_file.read_text() == edited and (folder / "premise.yaml").read_text() == premise_before
    for request in third.requests:  # every later prompt says what the writer changed
        assert "The writer changed these by hand" in request.prompt
        assert "added AGNES" in request.prompt and "TOM's profile is now: Tom Kerr" in request.prompt
    story = load_story(folder / "story.yaml")
    assert "AGNES" in [c.name for c in story.characters]

    fourth = ScriptedModel()
    assert [r.action for r in run(folder, fourth).reports] == ["unchanged", "kept", "unchanged", "unchanged"]
    assert fourth.requests == []


def test_redo_draws_a_new_take_and_keeps_the_old_one(tmp_path):
    folder = tmp_path / "dev"
    run(folder, ScriptedModel(), logline=LOGLINE)
    old = (folder / "characters.yaml").read_text()
    model = ScriptedModel(overrides={"characters": lambda r: _cast(["ROSA", "IAN"]) if r.sample >= 100 else None})
    result = run(folder, model, redo="characters")
    assert model.kinds()[0] == "characters" and model.requests[0].sample == 100
    assert "premise" not in model.kinds() and "beats" in model.kinds() and "scenes" in model.kinds()
    assert (folder / "takes" / "characters.1.yaml").read_text() == old
    assert [c.name for c in load_story(folder / "story.yaml").characters] == ["ROSA", "IAN"]
    assert result.reports[1].action == "written" and "take 2" in result.reports[1].detail
    # The take is remembered: a plain re-run keeps it.
    again = ScriptedModel()
    run(folder, again)
    assert again.requests == []


def test_a_redo_keeps_a_hand_edited_file_as_a_take(tmp_path):
    folder = tmp_path / "dev"
    run(folder, ScriptedModel(), logline=LOGLINE, until="characters")
    mine = (folder / "characters.yaml").read_text().replace("Stubborn pride.", "Cannot swim.")
    (folder / "characters.yaml").write_text(mine)
    model = ScriptedModel()
    run(folder, model, redo="characters", until="characters")
    assert (folder / "takes" / "characters.1.edited.yaml").read_text() == mine
    assert "EDITH's profile is now" in model.requests[0].prompt  # the redraw is told what the writer wrote


def test_until_stops_after_a_step(tmp_path):
    model = ScriptedModel()
    result = run(tmp_path / "dev", model, logline=LOGLINE, until="beats")
    assert model.kinds() == ["premise", "characters", "beats"]
    assert not (tmp_path / "dev" / "story.yaml").exists()
    assert [(r.step, r.action) for r in result.reports][-1] == ("story", "not run")
    beats = yaml.safe_load((tmp_path / "dev" / "beats.yaml").read_text())
    assert [b["name"] for b in beats["beats"]] == ["Situation", "Disturbance", "Turn", "Ending"]


def _cast(names):
    return {"characters": [{"name": n, "who": f"{n.title()}, a person of the island.", "want": "To leave.",
                            "need": "To stay.", "flaw": "Too much pride.", "voice": "Plain words.", "relationships": []}
                           for n in names]}


def test_an_invalid_answer_is_asked_again_with_the_findings(tmp_path):
    model = ScriptedModel(overrides={
        "characters": lambda r: _cast(["EDITH", "EDITH"]),  # the first answer: two of the same name
        "characters_repair": lambda r: _cast(["EDITH", "MIA"]),
    })
    run(tmp_path / "dev", model, logline=LOGLINE)
    assert model.kinds()[1:3] == ["characters", "characters_repair"]
    repair = model.requests[2]
    assert "two characters are called EDITH" in repair.last
    assert repair.messages[-2]["role"] == "assistant"
    state = json.loads((tmp_path / "dev" / "develop.json").read_text())
    assert state["steps"]["characters"]["attempts"] == 2
    assert state["steps"]["characters"]["rejected"][0] == [
        "give at least 2 characters with different names",
        "two characters are called EDITH; give each character a different name (the second was left out)"]


def test_a_namesake_is_left_out_when_the_rest_is_a_cast(tmp_path):
    model = ScriptedModel(overrides={"characters": lambda r: _cast(["EDITH", "MIA", "EDITH", "EDITH"])})
    result = run(tmp_path / "dev", model, logline=LOGLINE, until="characters", max_attempts=2)
    cast = yaml.safe_load((tmp_path / "dev" / "characters.yaml").read_text())["characters"]
    assert [c["name"] for c in cast] == ["EDITH", "MIA"]
    assert result.flags == ["characters.yaml: kept with a weakness no answer was free of: two characters are "
                            "called EDITH; give each character a different name (the second was left out)"]


def test_an_answer_that_is_not_json_is_asked_again(tmp_path):
    model = ScriptedModel(overrides={"premise": lambda r: "Sure! The title is The Last Ferry." if r.kind == "premise" else None})
    run(tmp_path / "dev", model, logline=LOGLINE, until="premise")
    assert model.kinds() == ["premise", "premise_repair"]
    assert "not a JSON object" in model.requests[1].last


def test_a_step_that_never_passes_stops_with_one_line_and_writes_nothing(tmp_path, capsys):
    def strangers(request):
        answer = json.loads(json.dumps(default_answer(request)))
        for scene in answer["scenes"]:
            scene["characters"] = ["GHOST"]
        return answer

    model = ScriptedModel(overrides={"scenes": strangers})
    with pytest.raises(UserError) as caught:
        run(tmp_path / "dev", model, logline=LOGLINE, max_attempts=2)
    message = str(caught.value)
    assert message.startswith("step story: no valid scene 1 (beat: Situation) after 2 attempts")
    assert "'GHOST' is not in the cast (EDITH, MIA, TOM)" in message and "\n" not in message
    assert caught.value.exit_code == 5
    assert not (tmp_path / "dev" / "story.yaml").exists()
    assert (tmp_path / "dev" / "beats.yaml").exists()  # finished steps are kept


def test_weak_answers_are_kept_flagged_when_none_is_better(tmp_path):
    long_title = "The Long Cold Winter of the Lighthouse Keeper and the Silent Child"
    model = ScriptedModel(overrides={"premise": lambda r: {**default_answer(r), "title": long_title}})
    result = run(tmp_path / "dev", model, logline=LOGLINE, until="premise", max_attempts=2)
    assert model.kinds() == ["premise", "premise_repair"]
    assert yaml.safe_load((tmp_path / "dev" / "premise.yaml").read_text())["title"] == long_title
    assert result.flags == ["premise.yaml: kept with a weakness no answer was free of: "
                            "title is too long (12 words; at most 8)"]


def test_given_genre_language_and_style_are_kept(tmp_path):
    model = ScriptedModel()
    run(tmp_path / "dev", model, logline=LOGLINE, genre="thriller", language="Deutsch", style="Cold.",
        until="premise")
    premise = yaml.safe_load((tmp_path / "dev" / "premise.yaml").read_text())
    assert (premise["genre"], premise["language"], premise["style"]) == ("thriller", "de", "Cold.")
    assert "Write in German" in model.requests[0].messages[0]["content"]
    assert "Genre (given): thriller" in model.requests[0].prompt


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("logline", ["", "   \n\t "])
def test_empty_logline_is_refused(tmp_path, capsys, logline):
    assert main(["develop", logline, "-o", str(tmp_path / "dev")]) == 2
    assert capsys.readouterr().err == ("dsr: error: the logline is empty; give one or two sentences: who wants "
                                       "what, and what stands in the way\n")


def test_a_ten_thousand_word_logline_is_refused_with_the_limit(tmp_path, capsys):
    long = tmp_path / "logline.txt"
    long.write_text("word " * 10_000)
    assert main(["develop", "--logline-file", str(long), "-o", str(tmp_path / "dev")]) == 2
    err = capsys.readouterr().err
    assert "the logline has 10,000 words; the limit is 200" in err and err.count("\n") == 1
    assert not (tmp_path / "dev").exists()


@pytest.mark.parametrize("scenes", ["0", "1000", "-3"])
def test_scene_count_is_bounded(tmp_path, capsys, scenes):
    assert main(["develop", LOGLINE, "-o", str(tmp_path / "dev"), "--scenes", scenes]) == 2
    assert "--scenes must be between 1 and 200" in capsys.readouterr().err


def test_unknown_structure_lists_those_that_exist(tmp_path, capsys):
    assert main(["develop", LOGLINE, "-o", str(tmp_path / "dev"), "--structure", "hero-journey"]) == 2
    assert capsys.readouterr().err == ("dsr: error: --structure 'hero-journey' does not exist; structures: "
                                       "save-the-cat, short, three-act, tv-cold-open-four-acts\n")


def test_unknown_step_names_are_refused(tmp_path, capsys):
    assert main(["develop", LOGLINE, "-o", str(tmp_path / "dev"), "--redo", "cast"]) == 2
    assert "--redo 'cast': steps are premise, characters, beats, story" in capsys.readouterr().err


def test_a_new_directory_needs_a_logline(tmp_path, capsys):
    assert main(["develop", "-o", str(tmp_path / "dev")]) == 2
    assert "give a LOGLINE" in capsys.readouterr().err


def test_invalid_hand_edited_characters_give_the_story_checkers_error_with_the_line(tmp_path, capsys):
    folder = tmp_path / "dev"
    run(folder, ScriptedModel(), logline=LOGLINE, until="characters")
    cast_file = folder / "characters.yaml"
    text = cast_file.read_text()
    broken = text.replace("- name: MIA", "- nmae: MIA", 1)
    cast_file.write_text(broken)
    line = broken.splitlines().index("- nmae: MIA") + 1
    assert main(["develop", "-o", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dsr: error: {cast_file}: ")
    assert f"characters[1].nmae (line {line}): unknown key (did you mean 'name'?)" in err
    assert cast_file.read_text() == broken  # nothing overwritten


def test_a_second_develop_on_the_same_directory_is_refused(tmp_path):
    folder = tmp_path / "dev"
    folder.mkdir()
    (folder / ".lock").write_text(f"{__import__('os').getppid()} {__import__('socket').gethostname()}\n")
    with pytest.raises(UserError, match="in use by another dsr develop") as caught:
        run(folder, ScriptedModel(), logline=LOGLINE)
    assert caught.value.exit_code == 3


class RecordingReporter:
    def __init__(self):
        self.events = []

    def start(self, stage, total):
        self.events.append(("start", stage, total))

    def item_done(self, stage, index, reused):
        self.events.append(("done", stage, index))

    def completion(self, stage, completion):
        self.events.append(("answer", stage))


def test_progress_is_reported_per_step_and_per_scene(tmp_path):
    reporter = RecordingReporter()
    develop(tmp_path / "dev", DevelopOptions(logline=LOGLINE, structure="short", scenes=5),
            backend=ScriptedModel(), reporter=reporter)
    starts = [e for e in reporter.events if e[0] == "start"]
    assert starts == [("start", "premise", 1), ("start", "characters", 1), ("start", "beats", 1), ("start", "story", 5)]
    assert [e[2] for e in reporter.events if e[:2] == ("done", "story")] == [0, 1, 2, 3, 4]
    assert ("answer", "story") in reporter.events


def test_an_answer_cut_off_by_the_token_limit_is_asked_again_not_kept(tmp_path):
    from dsr.llm.base import Completion

    def cut(request):
        return Completion('{"title": "The Last', "length") if request.kind == "premise" else None

    model = ScriptedModel(overrides={"premise": cut})
    run(tmp_path / "dev", model, logline=LOGLINE, until="premise")
    assert model.kinds() == ["premise", "premise_repair"]
    assert "cut off at 600 tokens" in model.requests[1].last
    assert model.requests[1].params.max_tokens == model.requests[0].params.max_tokens


def test_of_weak_answers_the_one_with_fewest_findings_is_kept(tmp_path):
    def weak(request):
        base = default_answer(request)
        if request.kind == "premise":
            return {**base, "theme": "Sea.", "conflict": "Edith waits."}  # two texts too short
        return {**base, "theme": "Sea."}  # one

    model = ScriptedModel(overrides={"premise": weak})
    result = run(tmp_path / "dev", model, logline=LOGLINE, until="premise", max_attempts=3)
    # Weak but usable answers are asked again once, not as often as unusable ones.
    assert model.kinds() == ["premise", "premise_repair"]
    premise = yaml.safe_load((tmp_path / "dev" / "premise.yaml").read_text())
    assert premise["conflict"] == default_answer(model.requests[1])["conflict"]
    assert result.flags == ["premise.yaml: kept with a weakness no answer was free of: "
                            "theme is too short (1 word; write at least 4)"]


def test_the_whole_characters_before_a_cut_are_kept_and_flagged(tmp_path):
    from dsr.llm.base import Completion

    whole = json.dumps(_cast(["EDITH", "MIA"]))[:-2]  # '{"characters": [{...}, {...}' without ']}'
    cut = whole + ', {"name": "TOM", "who": "A ferry skipper who'

    def characters(request):
        return Completion(cut, "length")

    model = ScriptedModel(overrides={"characters": characters, "characters_repair": characters})
    result = run(tmp_path / "dev", model, logline=LOGLINE, until="characters", max_attempts=3)
    cast = yaml.safe_load((tmp_path / "dev" / "characters.yaml").read_text())["characters"]
    assert [c["name"] for c in cast] == ["EDITH", "MIA"]
    assert model.kinds() == ["premise", "characters", "characters_repair"]
    assert result.flags == ["characters.yaml: kept with a weakness no answer was free of: the answer was cut "
                            "off at 1800 tokens; write less (the items before the cut were kept)"]


def test_until_says_when_a_later_file_is_left_behind(tmp_path):
    folder = tmp_path / "dev"
    run(folder, ScriptedModel(), logline=LOGLINE)
    new_cast = ScriptedModel(overrides={"characters": lambda r: _cast(["ROSA", "IAN"]) if r.sample >= 100 else None})
    result = run(folder, new_cast, redo="characters", until="characters")
    assert [(r.step, r.action, r.detail) for r in result.reports[2:]] == [
        ("beats", "not run", "--until characters; the file there was not brought up to date"),
        ("story", "not run", "--until characters; the file there was not brought up to date")]
    again = ScriptedModel()
    assert [r.action for r in run(folder, again).reports] == ["unchanged", "unchanged", "written", "written"]


def test_a_failed_run_resumes_with_its_own_options_and_keeps_the_steps_done(tmp_path):
    junk = ScriptedModel(overrides={"characters": lambda r: "not a cast", "characters_repair": lambda r: "still not"})
    with pytest.raises(UserError, match="step characters"):
        run(tmp_path / "dev", junk, logline=LOGLINE, max_attempts=2)
    again = ScriptedModel()
    # Nothing given this time (as a retry from the writers' room or a bare `dsr develop -o DIR`).
    result = develop(tmp_path / "dev", DevelopOptions(), backend=again)
    assert [r.action for r in result.reports] == ["unchanged", "written", "written", "written"]
    assert "premise" not in again.kinds()
    story = load_story(tmp_path / "dev" / "story.yaml")
    assert story.logline == LOGLINE and len(story.scenes) == 5
