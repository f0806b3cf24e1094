"""The writers' room refuses what it must: paths out of the runs directory,
oversized uploads, unknown runs, stale edits, requests without the token,
other sites and other host names; and never shows a model key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from webkit import Server, create_run, story_data, written_run
from dsr.web.app import MAX_BODY_BYTES, Config


@pytest.mark.parametrize("path", [
    "/api/runs/../story",
    "/api/runs/%2e%2e/story",
    "/api/runs/%2E%2E/story",
    "/api/runs/..%2f..%2fetc/story",
    "/api/runs/%2fetc%2fpasswd/story",
    "/api/runs//etc/story",
    "/api/runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd/download/fountain",
    "/api/runs/..%5c..%5cwindows/story",
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/%2e%2e/%2e%2e/pipeline/edit.py",
])
def test_paths_outside_the_runs_directory_are_refused(server, client, path, tmp_path):
    (tmp_path / "secret.yaml").write_text("title: secret\n")
    reply = client.get(path)
    assert reply.status in (400, 404), (path, reply.status, reply.text)
    assert b"secret" not in reply.body and b"import" not in reply.body
    if reply.headers.get("content-type", "").startswith("application/json"):
        assert reply.json["error"]


def test_symlink_out_of_the_runs_directory_is_not_a_run(server, client, tmp_path):
    outside = tmp_path / "outside"
    (outside / "input").mkdir(parents=True)
    (outside / "input" / "story.yaml").write_text("title: Outside\ncharacters: [A]\nscenes: [{summary: s}]\n")
    (tmp_path / "runs" / "sneaky").symlink_to(outside)
    reply = client.get("/api/runs/sneaky/story")
    assert reply.status == 404 and "no run 'sneaky'" in reply.json["error"]
    assert "sneaky" not in {r["id"] for r in client.get("/api/runs").json["runs"]}
    # a link inside a run pointing out is not followed for the story either
    run_id = create_run(client)
    run_input = tmp_path / "runs" / run_id / "input"
    for f in run_input.iterdir():
        f.unlink()
    (run_input / "story.yaml").symlink_to(outside / "input" / "story.yaml")
    reply = client.get(f"/api/runs/{run_id}/story")
    assert reply.status == 404 and "Outside" not in reply.text
    # nor for a scene's files, or the screenplay download
    written = written_run(server, client)
    scene = tmp_path / "runs" / written / "scenes" / "001" / "prose.md"
    scene.unlink()
    scene.symlink_to(outside / "input" / "story.yaml")
    assert "Outside" not in client.get(f"/api/runs/{written}/scenes/1").text
    assert "Outside" not in client.get(f"/api/runs/{written}").text
    script = tmp_path / "runs" / written / "screenplay.fountain"
    script.unlink()
    script.symlink_to(outside / "input" / "story.yaml")
    assert client.get(f"/api/runs/{written}/download/fountain").status == 404


def test_unknown_run_scene_and_take_are_404_with_a_message(server, client):
    reply = client.get("/api/runs/no-such-run")
    assert reply.status == 404 and reply.json["error"] == "no run 'no-such-run' in the runs directory"
    run_id = written_run(server, client)
    assert "scenes 1 to 2" in client.get(f"/api/runs/{run_id}/scenes/9").json["error"]
    assert client.get(f"/api/runs/{run_id}/scenes/1/takes/5").status == 404
    assert client.get(f"/api/runs/{run_id}/download/docx").status == 404
    assert client.get("/api/nothing-here").json["error"].startswith("no such page")


def test_oversized_uploads_are_refused_with_the_limit(server, client, tmp_path):
    big = b"title: X\n" + b"# padding\n" * (MAX_BODY_BYTES // 10 + 10)
    reply = client.post("/api/import?name=big.yaml", raw=big, headers={"Content-Type": "application/octet-stream"})
    assert reply.status == 413 and "limit 2 MiB" in reply.json["error"]
    run_id = create_run(client)
    story = client.get(f"/api/runs/{run_id}/story").json
    story["story"]["logline"] = "x" * (MAX_BODY_BYTES + 1)
    reply = client.put(f"/api/runs/{run_id}/story", {"story": story["story"], "base_version": story["version"]})
    assert reply.status == 413
    assert client.get(f"/api/runs/{run_id}/story").json["story"]["logline"] != "x"
    # A body sent in chunks without a length is cut off at the limit too.
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/api/import?name=big.yaml")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    chunk = b"# " + b"x" * 65534 + b"\n"
    try:
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert conn.getresponse().status == 413
    assert len(list((tmp_path / "runs").iterdir())) == 1


def test_token_required_and_cookie_session(tmp_path, model):
    config = Config(runs_dir=tmp_path / "runs", token="s3cret-token", models={"fake": "fake:scripted"},
                    backend_for=lambda spec: model, check_host=False)
    with Server(config) as srv:
        client = srv.client()
        assert client.get("/").status == 200  # the page shell, which asks for the token
        for path in ("/api/runs", "/api/session", "/api/runs/x/story", "/api/examples"):
            reply = client.get(path)
            assert reply.status == 401 and "token" in reply.json["error"], path
        assert client.post("/api/runs", {"story": story_data()}).status == 401
        assert client.post("/api/login", {"token": "wrong"}).status == 401
        login = client.post("/api/login", {"token": "s3cret-token"})
        cookie = login.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert "s3cret-token" not in cookie
        client.headers["Cookie"] = cookie.split(";")[0]
        assert client.get("/api/runs").status == 200
        bearer = srv.client()
        bearer.headers["Authorization"] = "Bearer s3cret-token"
        assert bearer.get("/api/runs").status == 200


def test_serve_refuses_other_hosts_without_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DSR_SERVE_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "dsr", "serve", "--host", "0.0.0.0", "--runs", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--token" in result.stderr and "Traceback" not in result.stderr


def test_dns_rebinding_and_other_origins_are_refused(server):
    assert server.client(host_header="evil.example:8000").get("/api/runs").status == 403
    assert server.client(host_header=f"localhost:{server.port}").get("/api/runs").status == 200
    client = server.client()
    reply = client.post("/api/runs", {"story": story_data()}, headers={"Origin": "http://evil.example"})
    assert reply.status == 403
    reply = client.post("/api/runs", {"story": story_data()}, headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert reply.status == 201


def test_model_keys_never_reach_the_page(tmp_path, model, monkeypatch):
    monkeypatch.setenv("DSR_TEST_KEY", "sk-very-secret-123")
    spec = "openai:gpt-x@https://api.example.com/v1?api_key=sk-in-url-456#key_env=DSR_TEST_KEY"
    config = Config(runs_dir=tmp_path / "runs", models={"remote": spec, "fake": "fake:scripted"},
                    backend_for=lambda spec: model)
    with Server(config) as srv:
        client = srv.client()
        run_id = written_run(srv, client)
        bodies = [client.get(p).body for p in (
            "/", "/static/app.js", "/api/session", "/api/runs", f"/api/runs/{run_id}", f"/api/runs/{run_id}/story",
            f"/api/runs/{run_id}/scenes/1", f"/api/runs/{run_id}/pages")]
        session = client.get("/api/session").json
        assert [m["name"] for m in session["models"]] == ["remote", "fake"]
        for body in bodies:
            assert b"sk-very-secret-123" not in body and b"sk-in-url-456" not in body and b"DSR_TEST_KEY" not in body


def test_dsr_serve_starts_on_loopback_and_serves_the_page(tmp_path):
    import json
    import time
    import urllib.request

    from webkit import free_port

    port = free_port()
    config = tmp_path / "dsr.toml"
    config.write_text('prose_tokens = 300\n[models]\nlocal = "openai:m@http://127.0.0.1:9/v1#key_env=DSR_TEST_NOKEY"\n')
    process = subprocess.Popen([sys.executable, "-m", "dsr", "serve", "--port", str(port), "--runs", str(tmp_path / "runs"),
                                "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/session", timeout=60) as reply:
                    session = json.loads(reply.read())
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "dsr serve did not answer"
                time.sleep(0.3)
        assert [m["name"] for m in session["models"]] == ["embedded", "local"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as reply:
            page = reply.read().decode("utf-8")
        assert "<title>dsr · writers' room</title>" in page
        # Nothing on the page comes from elsewhere: no address in the page, its script or its styles.
        for name in ("/", "/static/app.js", "/static/app.css", "/screenplay.css"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{name}", timeout=60) as reply:
                text = reply.read().decode("utf-8")
            assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
    finally:
        process.terminate()
        out, _err = process.communicate(timeout=30)
    assert f"http://localhost:{port}/" in out
