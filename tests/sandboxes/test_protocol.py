"""The Sandbox protocol, run against DockerSandbox and LocalSandbox: the contract tests of
``sandboxes/conformance.py`` (with this folder's ``sb`` fixture, both backends) and what only a
built-in backend can be asked (its memory under a flood, measured in a child process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sandboxes.conformance import *  # noqa: F403  (the contract tests, on conftest's `sb`)


def test_flood_is_capped_with_bounded_memory(backend: str, workspace: Path,
                                            tmp_path: Path) -> None:
    """A 1 GB flood: the harness process stays small and the result says it was cut."""
    # Peak RSS from VmHWM after resetting it: ru_maxrss would include the RSS of the forked
    # pytest process this child started as (Linux keeps it across exec).
    script = f"""
import sys, json
from sandboxes import open_sandbox
def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
open("/proc/self/clear_refs", "w").write("5")
with open_sandbox({backend!r}, workspace={str(workspace)!r}, outputs_dir={str(tmp_path)!r}) as sb:
    r = sb.exec("head -c 1000000000 /dev/zero | tr '\\\\0' x", timeout=300)
    print(json.dumps({{"rss_mb": hwm_mb(),
                      "bytes": r.output_bytes, "shown": len(r.output), "trunc": r.truncated,
                      "code": r.exit_code}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=400, cwd=Path(__file__).parents[2])
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["code"] == 0 and res["trunc"] and res["bytes"] == 1_000_000_000
    assert res["shown"] < 100_000
    assert res["rss_mb"] < 200, f"harness peak RSS {res['rss_mb']:.0f} MB"
