"""The viewer's server over real HTTP: access (loopback host, token), security headers, the
JSON API on a growing run, and run folders read as data (forged commit ids, garbage lines,
NaN, huge lines)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from agent.view.server import CSP, ServerThread
from agent.view.tracker import Cursor, RunTracker
from tests.analysis.synth import RunBuilder
from tests.view.bigrun import BigRun


def get(url: str, path: str, headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def api(url: str, path: str) -> Any:
    status, _, body = get(url, path)
    assert status == 200, body
    return json.loads(body)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    b = RunBuilder(tmp_path / "logs" / "r1", run_id="r1")
    b.snapshot({"a.txt": "1\n"})
    b.bash("echo hi", output="hi")
    b.snapshot({"a.txt": "2\n"})
    b.evaluate({"t": "pass"}, final=True)
    b.write()
    return tmp_path / "logs"


def test_headers_and_loopback_host(logs: Path) -> None:
    with ServerThread([logs]) as url:
        status, headers, body = get(url, "/")
        assert status == 200 and b"/static/app.js" in body
        assert headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe" not in CSP
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        status, headers, _ = get(url, "/api/runs")
        assert status == 200 and headers["content-type"].startswith("application/json")
        # A page elsewhere that rebinds its DNS name to 127.0.0.1 still names its own host.
        status, _, body = get(url, "/api/runs", {"Host": "evil.example:8765"})
        assert status == 403 and b"loopback" in body
        status, _, _ = get(url, "/api/runs", {"Host": "localhost:1"})
        assert status == 200
        assert get(url, "/static/../run.json")[0] == 404
        assert get(url, "/api/runs/nope/rows")[0] == 404


def test_token_off_loopback(logs: Path) -> None:
    with ServerThread([logs], host="127.0.0.1", token="s3cret") as url:
        base = url.split("?")[0]
        assert get(base, "/api/runs")[0] == 401
        assert get(base, "/api/runs", {"Authorization": "Bearer wrong"})[0] == 401
        assert get(base, "/api/runs", {"Authorization": "Bearer s3cret"})[0] == 200
        status, headers, _ = get(base, "/?token=s3cret")
        assert status == 303 and "?token" not in headers["location"]
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        status, _, _ = get(base, "/api/runs", {"Cookie": cookie.split(";")[0]})
        assert status == 200


def test_view_off_loopback_needs_a_token(tmp_path: Path) -> None:
    """The CLI makes one up (and prints it) rather than serve a LAN without one."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("ULTRARUN_VIEW_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli.main", "view", str(tmp_path),
                             "--host", "0.0.0.0", "--port", "0"], env=env,
                            stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "?token=" in line, line
        url = line.split("ultrarun view: ")[1].strip()
        port = urlsplit(url).port
        assert get(f"http://127.0.0.1:{port}/", "/api/runs")[0] == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_api_follows_a_growing_run(tmp_path: Path) -> None:
    run = BigRun(tmp_path / "logs" / "grow", eval_every=5)
    run.add(3)
    with ServerThread([tmp_path / "logs"]) as url:
        d = api(url, "/api/runs/grow/delta?version=0&wait=0")
        assert d["header"]["rows"] == 4 and d["cursor"]["calls"] == 3
        assert d["header"]["status"] == "interrupted"  # nobody holds the lock: not running
        c = d["cursor"]
        run.add(3)  # step 5 is graded, its evaluation lands after step 6
        q = f"version={c['version']}&calls={c['calls']}&evals={c['evals']}&alerts={c['alerts']}"
        d2 = api(url, f"/api/runs/grow/delta?{q}&wait=5")
        assert d2["header"]["rows"] == 7 and len(d2["calls"]["step"]) == 3
        assert [e["step"] for e in d2["evals"]] == [5]
        assert 5 in d2["touched"] and 6 in d2["touched"]  # row 5 gained its evaluation
        rows = api(url, "/api/runs/grow/rows?start=5&end=7")["rows"]
        assert [r["step"] for r in rows] == [5, 6] and rows[0]["evals"] == [[37, 180]]
        detail = api(url, "/api/runs/grow/steps/5")
        assert detail["calls"][0]["arguments"]["command"].startswith("make -j2")
        assert detail["evaluations"][0]["passed"] == 37
        assert api(url, "/api/runs/grow/position?step=6")["position"] == 6
        found = api(url, "/api/runs/grow/search?q=test-4%20%26%26")
        assert [s["step"] for s in found["steps"]] == [4]


def test_run_folders_are_read_as_data(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r", run_id="r")
    sha = b.snapshot({"a.txt": "1\n"})
    b.bash("true")
    b.snapshot({"a.txt": "2\n"})
    b.raw('{"seq": 99, "t": NaN, "type": "model_call", "step": 3, "message": {}, '
          '"prompt_tokens": Infinity, "cost": NaN}')
    b.raw("not json at all")
    b.raw("[" * 100_000 + "]" * 100_000)  # deep nesting
    b.emit("snapshot", commit=f"--output={tmp_path / 'pwned'}", changed=True, tool_calls=1)
    b.emit("frobnicate", step=2, anything={"x": 1})  # a type this version does not know
    run = b.write()
    t = RunTracker(run)
    t.refresh()
    assert len(t.warnings) == 2  # the garbage line and the deep one
    d = t.delta(Cursor())
    json.dumps(d, allow_nan=False)  # no NaN reaches a page
    before, after = t.commits_for(1)  # the forged snapshot ends step 1
    assert after.startswith("--output=")
    from agent.view.detail import step_diff_json

    out = step_diff_json(run / "snapshots.git", before, after)
    assert out["lines"] == [] and "not a commit id" in out["note"]
    assert not (tmp_path / "pwned").exists()
    # Positive control: git itself would write the file given that argument.
    subprocess.run(["git", "--git-dir", str(run / "snapshots.git"), "diff", sha, sha,
                    f"--output={tmp_path / 'pwned'}"], check=True)
    assert (tmp_path / "pwned").exists()
