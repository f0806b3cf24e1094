"""The run directory: where a run's inputs, per-scene artifacts and outputs
live, written atomically, with the hashes that decide what to redo (plumbing in ``dsr.files``).

Layout (``scenes/NNN`` is the 1-based scene number)::

    RUN_DIR/
      input/<story file as given>   story.json (normalised)
      scenes/003/directives.json  prose.md  screenplay.fountain  meta.json
      prose.md  screenplay.fountain  screenplay.pdf  manifest.json
      calls.sqlite                  the call cache and journal
      takes.json                    scene -> take number (``--scene N``)
      .lock                         pid of the dsr write using the directory

Every file is written to a temporary name beside it and moved into place
with ``os.replace``, so a crash or ``kill -9`` leaves either the old file or
the new one, never half of one. There is no fsync: it would put a disk flush
on the critical path of every scene, and what a power cut might lose is
redone from the call cache at no model cost.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dsr.files import atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
from dsr.locks import directory_lock


class RunDir:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- paths -------------------------------------------------------------
    @property
    def calls_db(self) -> Path:
        return self.root / "calls.sqlite"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def scene_dir(self, index: int) -> Path:
        return self.root / "scenes" / f"{index + 1:03d}"

    def path(self, name: str) -> Path:
        return self.root / name

    # -- lock --------------------------------------------------------------
    def lock(self, command: str = "dsr write"):
        """One ``dsr write`` (or other ``command``) per run directory (``dsr.locks``)."""
        return directory_lock(self.root, command)

    # -- inputs ------------------------------------------------------------
    def save_input(self, story_path: Path, story_json: dict) -> None:
        source = self.root / "input" / story_path.name
        data = story_path.read_bytes()
        if not source.exists() or source.read_bytes() != data:
            atomic_write_bytes(source, data)
        for old in (self.root / "input").iterdir():
            if old != source and old.is_file():
                old.unlink()  # the input of an earlier run with another file name
        atomic_write_json(self.root / "story.json", story_json)

    def takes(self) -> dict[int, int]:
        data = read_json(self.root / "takes.json") or {}
        return {int(k) - 1: int(v) for k, v in data.items()}

    def save_takes(self, takes: dict[int, int]) -> None:
        atomic_write_json(self.root / "takes.json", {str(k + 1): v for k, v in sorted(takes.items())})

    # -- per-scene artifacts ---------------------------------------------------
    def scene_meta(self, index: int) -> dict:
        return read_json(self.scene_dir(index) / "meta.json") or {}

    def update_scene_meta(self, index: int, section: str, data: dict) -> None:
        meta = self.scene_meta(index)
        meta[section] = data
        atomic_write_json(self.scene_dir(index) / "meta.json", meta)

    def read_scene_file(self, index: int, name: str) -> str | None:
        try:
            return (self.scene_dir(index) / name).read_text("utf-8")
        except OSError:
            return None

    def write_scene_file(self, index: int, name: str, text: str) -> None:
        atomic_write_text(self.scene_dir(index) / name, text)

    def prune_scenes(self, count: int) -> None:
        """Remove artifacts of scenes beyond the outline's end (it got shorter)."""
        scenes = self.root / "scenes"
        if not scenes.is_dir():
            return
        for child in scenes.iterdir():
            if child.is_dir() and child.name.isdigit() and int(child.name) > count:
                shutil.rmtree(child, ignore_errors=True)
