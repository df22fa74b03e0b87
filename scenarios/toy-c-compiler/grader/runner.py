"""Shared helpers for the toy-c-compiler grader and tooling (python3 stdlib only).

- ``run_limited``: run a command in its own process group with a timeout and
  capped output capture; the whole group is killed on timeout.
- ``list_tests`` / ``load_expected``: discover the test suite layout
  (``<tests_dir>/<stage>/<name>.c`` + ``<name>.expected.json``).
- ``gcc_expected``: compile a test with host gcc and run it, producing the
  expected-result dict (used by tools/regen_expected.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUTPUT_CAP = 1 << 20  # bytes of stdout/stderr kept per process


@dataclass
class RunResult:
    returncode: int | None  # None when timed out or failed to start
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    start_error: str | None = None
    stdout_truncated: bool = False
    duration: float = 0.0


def _drain(stream, cap: int, sink: list, flags: dict) -> None:
    """Read ``stream`` to EOF, keeping at most ``cap`` bytes."""
    kept = 0
    try:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            if kept < cap:
                part = chunk[: cap - kept]
                sink.append(part)
                kept += len(part)
                if len(part) < len(chunk):
                    flags["truncated"] = True
            else:
                flags["truncated"] = True
    except (OSError, ValueError):
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_limited(
    cmd: list[str],
    cwd: str | os.PathLike,
    timeout: float,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    env: dict | None = None,
) -> RunResult:
    """Run ``cmd`` in a new session; kill its process group on timeout.

    Output is drained by background threads so a process that floods its
    pipes can neither block nor exhaust memory.  Stragglers left in the
    process group after the main process exits are killed too.
    """
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        return RunResult(None, b"", b"", start_error=f"{type(exc).__name__}: {exc}")

    out: list[bytes] = []
    err: list[bytes] = []
    out_flags: dict = {}
    err_flags: dict = {}
    threads = [
        threading.Thread(
            target=_drain, args=(proc.stdout, output_cap, out, out_flags), daemon=True
        ),
        threading.Thread(
            target=_drain, args=(proc.stderr, output_cap, err, err_flags), daemon=True
        ),
    ]
    for t in threads:
        t.start()

    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    # Kill the whole group in every case: on timeout, and to reap background
    # children that might keep the pipes open after the main process exited.
    _kill_group(proc.pid)
    if timed_out:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    for t in threads:
        t.join(timeout=2)
    return RunResult(
        None if timed_out else proc.returncode,
        b"".join(out),
        b"".join(err),
        timed_out=timed_out,
        stdout_truncated=bool(out_flags.get("truncated")),
        duration=time.monotonic() - start,
    )


# ---------------------------------------------------------------- test suite


def list_stages(tests_dir: str | os.PathLike) -> list[str]:
    root = Path(tests_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def list_tests(
    tests_dir: str | os.PathLike, stages: list[str] | None = None
) -> list[tuple[str, str, Path]]:
    """Return ``[(stage, name, c_path)]`` sorted by stage then name."""
    root = Path(tests_dir)
    result = []
    for stage in list_stages(root):
        if stages is not None and stage not in stages:
            continue
        for c_file in sorted((root / stage).glob("*.c")):
            result.append((stage, c_file.stem, c_file))
    return result


def expected_path(c_path: Path) -> Path:
    return c_path.with_name(c_path.stem + ".expected.json")


def load_expected(c_path: Path) -> dict:
    with open(expected_path(c_path), encoding="utf-8") as fh:
        return json.load(fh)


def is_invalid_stage(stage: str) -> bool:
    return stage.endswith("-invalid")


# ----------------------------------------------------- gcc reference results


def gcc_expected(
    c_path: Path, invalid: bool, run_timeout: float = 10.0, extra_flags: tuple[str, ...] = ()
) -> dict:
    """Compile ``c_path`` with host gcc and run it; return the expected dict.

    Raises RuntimeError when the test is unusable (valid program gcc rejects,
    invalid program gcc accepts, timeout, exit code out of range, ...).
    """
    gcc = shutil.which("gcc")
    if gcc is None:
        raise RuntimeError("gcc not found on PATH")
    with tempfile.TemporaryDirectory(prefix="toyc-gcc-") as tmp:
        src = Path(tmp) / "t.c"
        shutil.copyfile(c_path, src)
        comp = run_limited([gcc, "-std=gnu11", "-w", *extra_flags, "t.c", "-o", "t"], tmp, 60)
        if invalid:
            if comp.returncode == 0:
                raise RuntimeError(f"{c_path}: gcc accepted a program of the invalid stage")
            if comp.returncode is None:
                raise RuntimeError(f"{c_path}: gcc did not finish")
            return {"reject": True}
        if comp.returncode != 0:
            raise RuntimeError(f"{c_path}: gcc failed:\n{comp.stderr.decode(errors='replace')}")
        run = run_limited(["./t"], tmp, run_timeout)
        if run.timed_out:
            raise RuntimeError(f"{c_path}: program timed out")
        if run.returncode is None or run.returncode < 0:
            raise RuntimeError(f"{c_path}: program crashed ({run.returncode})")
        if run.stdout_truncated:
            raise RuntimeError(f"{c_path}: program output too large")
        if run.stderr:
            raise RuntimeError(f"{c_path}: program wrote to stderr: {run.stderr[:500]!r}")
        try:
            stdout = run.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuntimeError(f"{c_path}: non-UTF-8 output") from exc
        return {"exit_code": run.returncode, "stdout": stdout}
