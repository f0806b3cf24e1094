"""Fixtures of the training tests: a tiny random Llama with the embedded
model's tokenizer, datasets made by the synthesis code from real corpus
screenplays, and one short training on them shared by the tests that use
its result (see ``train_helpers``)."""

from __future__ import annotations

import pytest
from train_helpers import make_dataset, make_tiny_base, train_tiny


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    return make_tiny_base(tmp_path_factory.mktemp("tiny") / "base")


@pytest.fixture(scope="session")
def datasets_dir(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("synth"))


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny_base, datasets_dir):
    """``dsr train`` of stage 1 on the tiny base, 4 steps: (checkpoint dir, printed summary)."""
    return train_tiny(tmp_path_factory.mktemp("trained"), tiny_base, datasets_dir / "stage1", max_steps=4)
