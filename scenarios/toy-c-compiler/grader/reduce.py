"""Shrink miscompiled fuzz programs with C-Reduce, inside the grader's jail (python3 stdlib).

Asked for after an evaluation (``$ULTRARUN_FUZZ_REDUCE`` or ``grade.py --reduce``): the
programs are drawn again from their seeds, and each is reduced by ``creduce`` for at most
``seconds``. C-Reduce runs as the grader (root, under the grader's own confinement); its
interestingness test is a relay that hands each variant back to the grader process over a
root-only unix socket, and the grader decides, with the jail it grades with, whether the
variant is still a miscompile:

- gcc builds it without the warnings that betray undefined behaviour (``LINT``: formats,
  uninitialised values, implicit declarations, sequence points, ...), its builds under
  UBSan (``SANITIZE``) run clean, and its ``-O0`` and ``-O2`` builds agree (``fuzz.oracle``);
- the candidate compiles it in a cell, as a hidden test, and the program it built gives
  another output or exit code, crashes or runs past the limit (outcome ``miscompiled``).

C-Reduce keeps the smallest interesting variant in the file as it goes; stopped at the time
bound, what it holds is still checked once more, and kept only if it is still a miscompile
(else the original is kept, as ``partly reduced`` from nothing). The result of each program:
the original and the reduced source, gcc's and the candidate's output on the reduced one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import socketserver
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz import (
    FUZZ_ENV,
    SHOWN,
    Candidate,
    Case,
    Expected,
    Plan,
    Source,
    classify,
    gcc_run,
    run_built,
)
from runner import run_limited

REDUCE_ENV = f"{FUZZ_ENV}_REDUCE"  # JSON: {"cases": [{"index": i, "seed": s}], "seconds": T}
SOURCE_CAP = 64 << 10  # characters of an original program kept in the result
CHECK_TIMEOUT = 60  # seconds C-Reduce waits for one interestingness test
CREDUCE_FLAGS = ["--tidy"]  # no backup copy of the file (it is ours, in a folder of its own)
# Warnings that mean the variant has undefined behaviour (or is not C a compiler must take).
LINT = ["-O1", "-Wall"] + [f"-Werror={w}" for w in (
    "format", "main", "return-type", "implicit-function-declaration", "implicit-int",
    "uninitialized", "maybe-uninitialized", "sequence-point", "builtin-declaration-mismatch",
    "int-conversion", "incompatible-pointer-types", "array-bounds", "int-to-pointer-cast",
    "pointer-to-int-cast", "return-local-addr", "shift-count-overflow",
    "shift-negative-value", "overflow", "nonnull", "address", "div-by-zero")]
# Two builds: gcc's compile time explodes when overflow and bounds checks meet in one.
SANITIZE = [["-fsanitize=signed-integer-overflow,shift,integer-divide-by-zero,null,return,"
             "unreachable,vla-bound,bool,enum"], ["-fsanitize=bounds"]]
RELAY = """#!/usr/bin/python3 -I
import socket, sys
data = open("t.c", "rb").read()
s = socket.socket(socket.AF_UNIX)
s.connect({path!r})
s.sendall(len(data).to_bytes(8, "big") + data)
sys.exit(0 if s.recv(1) == b"1" else 1)
"""


@dataclass(frozen=True)
class Request:
    cases: list[tuple[int, int]]  # (index, seed) of each program to reduce
    seconds: float


def request_from(arg: str | None, env: dict[str, str] | None = None) -> Request | None:
    """What to reduce: ``--reduce`` JSON, else ``$ULTRARUN_FUZZ_REDUCE``; None: nothing."""
    text = arg or (os.environ if env is None else env).get(REDUCE_ENV)
    if not text:
        return None
    data = json.loads(text)
    return Request([(int(c["index"]), int(c["seed"])) for c in data["cases"]],
                   float(data.get("seconds", 60)))


@dataclass
class Checker:
    """Decides whether a variant is still a miscompile, in the grader's cells."""

    cells: Any
    candidate: Candidate
    gcc: list[str]
    first_cell: int
    slots: int
    template: Case
    checks: int = 0
    last: dict[str, Any] = field(default_factory=dict)
    _free: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._free = list(range(self.first_cell + 1, self.first_cell + 1 + self.slots))
        self._next = self.first_cell + 1 + self.slots

    def __call__(self, source: str) -> bool:
        with self._lock:  # a check C-Reduce gave up on may still run: then one cell more
            self.checks += 1
            if not self._free:
                self._free.append(self._next)
                self._next += 1
            cell = self._free.pop()
        try:
            return self.interesting(cell, source)
        finally:
            with self._lock:
                self._free.append(cell)

    def interesting(self, cell: int, source: str) -> bool:
        """Cheapest first: most variants fail to build or no longer miscompile, so gcc -O0 and
        the candidate decide first, then -O2, the lint and the sanitizers."""
        case = Case(self.template.index, self.template.seed, self.template.tier, source,
                    self.template.features, self.template.flags)
        plan = Plan(0, 0, compile_timeout=60)
        expected = gcc_run(self.cells, cell, case, plan, self.gcc, "-O0")
        if not isinstance(expected, Expected):
            return False
        with tempfile.TemporaryDirectory(prefix="reduce-") as tmp:
            path = Path(tmp) / "t.c"
            path.write_text(source)
            want: dict[str, Any] = {"exit_code": expected.exit_code, "stdout": expected.stdout}
            if case.flags:
                want["build"] = {"flags": list(case.flags)}
            verdict, details = self.candidate(cell, path, want)
        outcome, reason = classify(verdict, details)
        if outcome != "miscompiled" or \
                gcc_run(self.cells, cell, case, plan, self.gcc, "-O2") != expected or \
                not self.gcc_clean(cell, case):
            return False
        if outcome == "miscompiled":
            self.last = {"expected": {"exit_code": expected.exit_code,
                                      "stdout": expected.stdout[:SHOWN]},
                         "got": {"exit_code": details.get("got_exit_code",
                                                          details.get("run_rc")),
                                 "stdout": str(details.get("got_stdout", ""))[:SHOWN]},
                         "reason": reason[:SHOWN]}
        return outcome == "miscompiled"

    def gcc_clean(self, cell: int, case: Case) -> bool:
        """No warning of undefined behaviour, and clean runs under the sanitizers."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        for flags in [None, *SANITIZE]:
            with self.cells.cell(cell) as c:
                self.cells.put(c, "t.c", case.source.encode())
                env["TMPDIR"] = str(c.workdir)
                if flags is None:
                    quiet = [a for a in self.gcc if a != "-w"]  # -w would silence the lint
                    argv = [*quiet, *LINT, *case.flags, "-S", "t.c", "-o", "t.s"]
                else:
                    argv = [*self.gcc, "-O0", *flags, "-fno-sanitize-recover=all",
                            "-static-libubsan", *case.flags, "t.c", "-o", "t"]
                comp = run_limited(argv, c.workdir, 120, env=env)
                if comp.returncode != 0:
                    return False
                if flags is None:
                    continue
                run = run_built(self.cells, c, self.cells.install(c, "t"), 5)
            if run.timed_out or run.stderr or run.returncode is None or run.returncode < 0:
                return False
        return True


class _Relay(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def _serve(check: Callable[[str], bool], path: str) -> _Relay:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            size = int.from_bytes(_read(self.request, 8), "big")
            source = _read(self.request, min(size, 16 << 20)).decode("utf-8", "replace")
            answer = b"1" if check(source) else b"0"
            with contextlib.suppress(OSError):  # C-Reduce may have stopped the relay
                self.request.sendall(answer)

    server = _Relay(path, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def reduce_one(case: Case, check: Checker, seconds: float, jobs: int) -> dict[str, Any]:
    """Reduce ``case`` for at most ``seconds``; the result for the grader's last line."""
    out: dict[str, Any] = {"index": case.index, "seed": case.seed, "tier": case.tier,
                           "features": list(case.features), "source": case.source[:SOURCE_CAP],
                           "lines_before": case.source.count("\n")}
    t0 = time.monotonic()
    if not check(case.source):
        return {**out, "status": "not reproduced", "seconds": round(time.monotonic() - t0, 1)}
    first = dict(check.last)
    work = Path(tempfile.mkdtemp(prefix="reduce-"))  # root's, 0700 (the grader's umask)
    try:
        sock = str(work / "relay.sock")
        server = _serve(check, sock)
        try:
            with check.cells.cell(check.first_cell) as cell:
                relay = cell.bindir / "interesting"  # where a root-owned script may run
                relay.write_text(RELAY.format(path=sock))
                os.chmod(relay, 0o700)
                (work / "t.c").write_text(case.source)
                env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(work),
                       "HOME": str(work)}
                left = max(1.0, seconds - (time.monotonic() - t0))
                run = run_limited(["creduce", "--n", str(jobs), "--timeout", str(CHECK_TIMEOUT),
                                   *CREDUCE_FLAGS, str(relay), "t.c"], work, left, env=env)
        finally:
            server.shutdown()
            server.server_close()
        reduced = (work / "t.c").read_text(errors="replace")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    status = "reduced" if run.returncode == 0 else \
        f"partly reduced (stopped at {seconds:g} s)" if run.timed_out else "partly reduced"
    if reduced != case.source and not check(reduced):  # a variant cut short: keep the original
        reduced, status = case.source, "not reduced"
    last = check.last if reduced != case.source else first
    return {**out, **last, "status": status, "reduced": reduced,
            "lines_after": reduced.count("\n"), "checks": check.checks,
            "seconds": round(time.monotonic() - t0, 1)}


def reduce_all(request: Request, source: Source, cells: Any, candidate: Candidate,
               gcc: list[str], first_cell: int, jobs: int) -> list[dict[str, Any]]:
    """Reduce each requested program in turn (C-Reduce runs ``jobs`` checks at once)."""
    if shutil.which("creduce") is None:
        return [{"index": i, "seed": s, "status": "failed: creduce is not installed"}
                for i, s in request.cases]
    results = []
    for index, seed in request.cases:
        case = source.make(seed, index)
        check = Checker(cells, candidate, gcc, first_cell, max(1, jobs), case)
        results.append(reduce_one(case, check, request.seconds, max(1, jobs)))
    return results
