"""Fixtures of the pipeline tests; the helpers are in pipeline_support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_support import story_data, write_yaml


@pytest.fixture
def story_file(tmp_path) -> Path:
    return write_yaml(tmp_path / "mug.yaml", story_data(4))
