"""Endpoints from the command line: `--profile P --model M`, `--tool-mode`, `--temperature`,
`--timeout`, `--profiles FILE` and $ULTRARUN_PROFILES, `--no-api-key`, `ultrarun models`;
resume keeps them. Real HTTP to the fake OpenAI server, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer, Reply

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def ur(cwd: Path, *args: str, env: dict[str, str] | None = None
       ) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "FAKE_KEY")}
    full.update({"PYTHONPATH": str(ROOT), "COLUMNS": "250", **(env or {})})
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300)


def finish() -> Reply:
    return Reply(tool_calls=[("finish", {"summary": "done"})])


def bash(cmd: str) -> Reply:
    return Reply(tool_calls=[("bash", {"command": cmd})])


def profiles_file(path: Path, base_url: str) -> Path:
    path.write_text(f"profiles:\n  fake:\n    model: model-a\n    base_url: {base_url}\n"
                    "    api_key_env: FAKE_KEY\n    context_window: 4096\n"
                    "    price_in_per_mtok: 1.0\n    price_out_per_mtok: 2.0\n")
    return path


def test_profile_with_another_model_and_request_flags(tmp_path: Path) -> None:
    with FakeOpenAIServer([bash("echo 1 >> log.txt"), finish()]) as server:
        f = profiles_file(tmp_path / "mine.yaml", server.base_url)
        r = ur(tmp_path, "run", str(TINY), "--profile", "fake", "--model", "model-b",
               "--profiles", str(f), "--temperature", "0.3", "--timeout", "42",
               "--tool-mode", "native", "--sandbox", "local", "--run-id", "flags",
               "--max-steps", "1", env={"FAKE_KEY": "sk-fake"})
        assert r.returncode == 0, r.stdout + r.stderr
        chats = server.completion_requests
    assert chats and all(c.body["model"] == "model-b" and c.body["temperature"] == 0.3
                         for c in chats)
    assert chats[0].header("authorization") == "Bearer sk-fake"
    info = json.loads((tmp_path / "logs" / "flags" / "run.json").read_text())
    assert (info["model"], info["profile"], info["api_key_env"]) == ("model-b", "fake", "FAKE_KEY")
    o = info["options"]
    assert (o["model_override"], o["tool_mode"], o["model_timeout_s"]) == \
        ("model-b", "native", 42.0)
    assert o["profiles"] == [str(f)] and info["base_url"] == server.base_url
    assert info["totals"]["cost"] > 0  # the profile's prices apply to the other model too
    # Resume asks the same model at the same endpoint, with the same settings.
    with FakeOpenAIServer([finish()]) as again:
        profiles_file(f, again.base_url)
        r = ur(tmp_path, "resume", "flags", "--max-steps", "5", "--base-url", again.base_url,
               env={"FAKE_KEY": "sk-fake"})
        assert r.returncode == 0, r.stdout + r.stderr
        assert [c.body["model"] for c in again.completion_requests] == ["model-b"]
        assert again.completion_requests[0].body["temperature"] == 0.3


def test_profiles_from_the_environment_and_models_listing(tmp_path: Path) -> None:
    f = profiles_file(tmp_path / "env.yaml", "http://127.0.0.1:9/v1")
    env = {"ULTRARUN_PROFILES": str(f)}
    r = ur(tmp_path, "models", env=env)
    assert r.returncode == 0
    line = next(x for x in r.stdout.splitlines() if x.startswith("fake "))
    assert "model-a" in line and "FAKE_KEY (not set)" in line and "env.yaml" in line
    assert "$1 / $2" in line
    assert "vllm-local" in r.stdout and "none (keyless)" in r.stdout  # the shipped ones too
    rows = [json.loads(x) for x in ur(tmp_path, "models", "--json", env=env).stdout.splitlines()]
    assert {"name": "fake", "file": str(f)}.items() <= next(
        x for x in rows if x["name"] == "fake").items()
    bad = ur(tmp_path, "run", str(TINY), "--profile", "nope", "--sandbox", "local")
    assert bad.returncode == 2 and "--profile 'nope' is not a profile" in bad.stderr
    missing = ur(tmp_path, "run", str(TINY), "--profile", "fake", "--profiles", "gone.yaml")
    assert missing.returncode == 2 and "--profiles gone.yaml: no such file" in missing.stderr
    both = ur(tmp_path, "run", str(TINY), "--profile", "fake", "--model", "reference",
              env=env)
    assert both.returncode == 2 and "--model 'reference' with --profile 'fake'" in both.stderr


def test_keyless_endpoint(tmp_path: Path) -> None:
    with FakeOpenAIServer([finish()]) as server:
        r = ur(tmp_path, "run", str(TINY), "--model", "m", "--base-url", server.base_url,
               "--no-api-key", "--sandbox", "local", "--run-id", "nokey")
        assert r.returncode == 0, r.stdout + r.stderr
        assert server.completion_requests[0].header("authorization") == "Bearer no-key"
    info = json.loads((tmp_path / "logs" / "nokey" / "run.json").read_text())
    assert info["api_key_env"] in ("", None)
    # Without the flag, a raw model name wants OPENAI_API_KEY and says so, naming the model.
    r = ur(tmp_path, "run", str(TINY), "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
           "--sandbox", "local", "--run-id", "key")
    assert r.returncode == 1 and "model 'm' at" in r.stderr and "OPENAI_API_KEY" in r.stderr
    assert "profile" not in r.stderr.split("(details")[0].replace("the profile", "")
