"""Shared helpers for the toy-c-compiler grader and tooling (python3 stdlib only).

- ``run_limited``: run a command in its own process group with a timeout and
  capped output capture; the whole group is killed on timeout.
- ``list_tests`` / ``load_expected``: discover the test suite layout
  (``<tests_dir>/<stage>/<name>.c`` + ``<name>.expected.json``).
- ``build_and_run`` / ``gcc_expected``: compile a test (with host gcc or any
  compiler) and run it, producing the expected-result dict (used by
  tools/regen_expected.py).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
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


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


EXIT_GRACE = 0.25  # seconds to keep reading pipes after the process exited


def run_limited(
    cmd: list[str],
    cwd: str | os.PathLike,
    timeout: float,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    env: dict | None = None,
    pass_fds: tuple[int, ...] = (),
) -> RunResult:
    """Run ``cmd`` in a new session; kill its process group on timeout.

    stdout/stderr are read with a selector, keeping at most ``output_cap``
    bytes of each (the rest is read and discarded), so a process flooding its
    pipes can neither block nor exhaust memory.  When the process exits, the
    rest of its process group is killed; pipes still held open by escaped
    descendants are abandoned after a short grace period. ``pass_fds``: descriptors the
    command inherits (a sealed program's launcher reads its rules from them).
    """
    start = time.monotonic()
    deadline = start + timeout
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
            pass_fds=pass_fds,
        )
    except OSError as exc:
        return RunResult(None, b"", b"", start_error=f"{type(exc).__name__}: {exc}")

    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    truncated = {fd: False for fd in bufs}
    sel = selectors.DefaultSelector()
    for fd in bufs:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    timed_out = False
    exited_at = None
    try:
        while sel.get_map():
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
                _kill_group(proc.pid)  # stragglers that may hold the pipes
            if exited_at is not None and now - exited_at > EXIT_GRACE:
                break
            if exited_at is None and now >= deadline:
                timed_out = True
                break
            for key, _ in sel.select(timeout=0.05):
                fd = key.fd
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(fd)
                    continue
                room = output_cap - len(bufs[fd])
                if room > 0:
                    bufs[fd] += chunk[:room]
                if len(chunk) > max(room, 0):
                    truncated[fd] = True
        if not timed_out:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:  # closed its pipes but kept running
                timed_out = True
    finally:
        sel.close()
        _kill_group(proc.pid)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        proc.stdout.close()
        proc.stderr.close()
    return RunResult(
        None if timed_out else proc.returncode,
        bytes(bufs[out_fd]),
        bytes(bufs[err_fd]),
        timed_out=timed_out,
        stdout_truncated=truncated[out_fd],
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


def twin_path(c_path: Path) -> Path:
    """The valid twin of an invalid test: ``<stage>/twins/<name>.c``."""
    return c_path.parent / "twins" / c_path.name


def load_expected(c_path: Path) -> dict:
    with open(expected_path(c_path), encoding="utf-8") as fh:
        return json.load(fh)


def is_invalid_stage(stage: str) -> bool:
    return stage.endswith("-invalid")


# ----------------------------------------------------- expected results


def gcc_command(extra_flags: tuple[str, ...] = ()) -> list[str]:
    """Host gcc as the suite's judge: ``[gcc, flags...]`` (``t.c -o t`` is appended)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise RuntimeError("gcc not found on PATH")
    return [gcc, "-std=gnu11", "-w", *extra_flags]


def build_and_run(
    c_path: Path,
    invalid: bool,
    compiler: list[str],
    run_timeout: float = 10.0,
    env: dict | None = None,
    label: str = "gcc",
    source_name: str = "t.c",
) -> dict:
    """Compile ``c_path`` with ``compiler`` (``t.c -o t`` appended, ``t.c`` being
    ``source_name``) and run it.

    Returns the expected dict (``{"exit_code", "stdout"}``, or ``{"reject": true}``
    for an invalid program).  Raises RuntimeError when the test is unusable this
    way (valid program rejected, invalid one accepted, timeout, crash, output on
    stderr such as a sanitizer report, ...).
    """
    with tempfile.TemporaryDirectory(prefix="toyc-expect-") as tmp:
        shutil.copyfile(c_path, Path(tmp) / source_name)
        comp = run_limited([*compiler, source_name, "-o", "t"], tmp, 120, env=env)
        if invalid:
            if comp.returncode == 0:
                raise RuntimeError(f"{c_path}: {label} accepted a program of the invalid stage")
            if comp.returncode is None:
                raise RuntimeError(f"{c_path}: {label} did not finish")
            return {"reject": True}
        if comp.returncode != 0:
            raise RuntimeError(
                f"{c_path}: {label} failed:\n{comp.stderr.decode(errors='replace')[-1500:]}"
            )
        run = run_limited(["./t"], tmp, run_timeout, env=env)
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


def gcc_expected(
    c_path: Path, invalid: bool, run_timeout: float = 10.0, extra_flags: tuple[str, ...] = ()
) -> dict:
    """Compile ``c_path`` with host gcc and run it; return the expected dict."""
    return build_and_run(c_path, invalid, gcc_command(extra_flags), run_timeout)
