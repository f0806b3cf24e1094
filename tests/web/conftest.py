"""Fixtures of the web tests; the helpers are in webkit.py (a module name of
its own, so it never collides with other folders' conftest)."""

from __future__ import annotations

import pytest

from webkit import Client, Config, ScriptedModel, Server


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def server(tmp_path, model):
    config = Config(runs_dir=tmp_path / "runs", models={"embedded": "embedded", "fake": "fake:scripted"},
                    backend_for=lambda spec: model)
    with Server(config) as srv:
        yield srv


@pytest.fixture
def client(server) -> Client:
    return server.client()
