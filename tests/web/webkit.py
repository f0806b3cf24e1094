"""Helpers of the web tests (fixtures in conftest.py): a real ``dsr serve`` app (uvicorn in a thread, a free port on 127.0.0.1)
over a temporary runs directory, and a small HTTP client that sends paths
exactly as given (so ``%2e%2e`` reaches the server undecoded)."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))

from fakes import ScriptedModel  # noqa: E402

from dsr.web.app import Config, create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    def __init__(self, port: int, host_header: str | None = None):
        self.port = port
        self.headers: dict[str, str] = {}
        self.host_header = host_header

    def request(self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = {**self.headers, **(headers or {})}
        if self.host_header:
            all_headers.setdefault("Host", self.host_header)
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        conn.close()
        return reply

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None or "raw" in kw else {}, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)


class Server:
    def __init__(self, config: Config):
        import uvicorn

        self.app = create_app(config)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 120  # generous: a loaded machine starts threads slowly
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kw) -> Client:
        return Client(self.port, **kw)

    def wait_job(self, run_id: str, timeout: float = 60) -> dict:
        job = self.app.state.jobs.wait(run_id, timeout)
        assert job is not None and job.state != "running", f"job of {run_id} still running"
        return job.to_dict()


def story_data(n: int = 2) -> dict:
    places = ["KITCHEN", "HALLWAY", "ROOFTOP", "STAIRWELL"]
    return {
        "title": "The Missing Mug",
        "logline": "A woman finds out who has been using her kitchen.",
        "characters": [{"name": "MAYA", "profile": "Thirty, precise."}, {"name": "JONAH", "profile": "Her brother."}],
        "scenes": [{"place": places[i % 4], "time": "NIGHT", "characters": ["MAYA", "JONAH"] if i % 2 else ["MAYA"],
                    "summary": f"Maya searches the place for the mug, step {i + 1}."} for i in range(n)],
    }


def create_run(client: Client, data: dict | None = None) -> str:
    reply = client.post("/api/runs", {"story": data or story_data()})
    assert reply.status == 201, reply.text
    return reply.json["id"]


def written_run(server: Server, client: Client, data: dict | None = None) -> str:
    run_id = create_run(client, data)
    reply = client.post(f"/api/runs/{run_id}/write", {"stage1_model": "fake", "stage2_model": "fake"})
    assert reply.status == 202, reply.text
    job = server.wait_job(run_id)
    assert job["state"] == "done", job
    return run_id


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path
