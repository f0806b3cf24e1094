"""`dsr write` reports continuity findings of the screenplay it wrote in
manifest.json, the same ones `dsr check --story` finds in its files."""

from __future__ import annotations

import json

from pipeline_support import run
from fakes import ScriptedModel, default_answer

from dsr.evaluate.items import load_story_json
from dsr.fidelity.continuity import check_screenplay
from dsr.screenplay.parser import parse


def jonah_drops_in(request):
    """Scene 1's outline lists MAYA only; here her brother speaks in it too."""
    answer = default_answer(request)
    if "KITCHEN" not in request.heading:
        return answer
    if request.kind == "prose":
        return answer + '\n\nJONAH leans in the doorway. JONAH says, "Looking for this?"'
    return answer + "\nJONAH leans in the doorway.\n\nJONAH\nLooking for this?\n"


def test_the_manifest_lists_continuity_findings_of_the_written_screenplay(story_file, tmp_path, monkeypatch):
    # The stage-1 gate would send Jonah's lines back (test_fidelity_gate.py): switched
    # off here, to see the manifest report whatever the screenplay holds.
    from dsr.pipeline.orchestrate import Pipeline

    from dsr.fidelity.prose import ProseGate

    monkeypatch.setattr(ProseGate, "__call__", lambda self, prose: [])
    monkeypatch.setattr(Pipeline, "screenplay_gate", lambda self, index, events: lambda body: [])
    out = tmp_path / "run"
    summary = run(story_file, out, ScriptedModel(overrides={"prose": jonah_drops_in,
                                                            "stage2_fountain": jonah_drops_in}))
    manifest = json.loads((out / "manifest.json").read_text())
    found = check_screenplay(load_story_json(out / "story.json"), parse((out / "screenplay.fountain").read_text()))
    assert manifest["continuity"] == [f.to_dict() for f in found]
    assert [(f["code"], f["scenes"]) for f in manifest["continuity"]] == [("not-in-scene-outline", [1])]
    assert "JONAH" in manifest["continuity"][0]["message"]
    assert "1 continuity finding in manifest.json" in str(summary)
