"""Tiers 1-4 of the c-compiler scenario: C programs built with the candidate and run
(python3 stdlib only). Shared by the hidden grader and the workspace's run_tests.py.

A test is ``<tests>/<tier>/<stage>/<name>.c`` or a folder ``<name>/`` of several files, with
``<name>.expected.json``: ``{"exit_code": N, "stdout": "..."}`` (gcc's results) or
``{"reject": true}``, and optionally ``"build": {"flags": [...], "mode": ...}``:

- ``together`` (default): ``compile [flags] a.c b.c -o t [-l...]``
- ``separate``: ``compile -c [flags] a.c -o a.o`` for each file, then ``compile a.o b.o -o t``
- ``asm``: ``compile -S [flags] a.c -o a.s`` for each file, then ``gcc a.s b.s -o t`` (the gcc
  driver only assembles and links).

A rejected program passes only when its valid twin (``<stage>/twins/<name>.c``, when the
suite has one) compiles and runs correctly too: refusing everything earns nothing.

Where programs run is up to the caller: ``cells`` has the interface of the grader's jail
(``cell(index)``, ``put``, ``install``, ``read``, ``stop``, ``command`` for the compiler and
system programs, ``program`` for a program the candidate built, which the jail runs sealed;
see the toy-c-compiler grader's jail.py and sealed.py), ``PlainCells`` below is the
unconfined one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

TIERS = ("t1", "t2", "t3", "t4")
OUTPUT_CAP = 1 << 20
READ_CAP = 256 << 20


# ------------------------------------------------------------------ where programs run


@dataclass
class Cell:
    """One test's place: its uid, a work folder, a folder for the programs it built."""

    uid: int
    workdir: Path
    bindir: Path
    binaries: list[Path] = field(default_factory=list)


class Launch(NamedTuple):
    """How to start a built program (the jail's ``Launch`` has the same fields)."""

    argv: list[str]
    env: dict[str, str] | None
    fds: tuple[int, ...] = ()


def redirected(argv: list[str], stdin: str | None, stdout: str | None) -> list[str]:
    """``argv`` with its stdin/stdout from/to files of its working folder (through sh)."""
    if stdin is None and stdout is None:
        return argv
    redirs = (f" < {shlex.quote(stdin)}" if stdin else "") + \
        (f" > {shlex.quote(stdout)}" if stdout else "")
    return ["sh", "-c", f'exec "$@"{redirs}', "sh", *argv]


class PlainCells:
    """Cells as plain temporary folders, no confinement (the agent's own test runs)."""

    @contextlib.contextmanager
    def cell(self, index: int) -> Iterator[Cell]:
        tmp = tempfile.mkdtemp(prefix="cc-test-")
        try:
            yield Cell(os.getuid(), Path(tmp), Path(tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def put(self, cell: Cell, name: str, data: bytes) -> None:
        (cell.workdir / name).write_bytes(data)

    def install(self, cell: Cell, name: str, libraries: Iterable[str] = (),
                into: Cell | None = None) -> Path:
        path = cell.workdir / name
        if not path.is_file():
            raise FileNotFoundError(f"no program {name} was built")
        if into is not None and into is not cell:
            dest = into.bindir / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            return dest
        return path

    def read(self, cell: Cell, rel: str, cap: int = READ_CAP) -> bytes:
        with open(cell.workdir / rel, "rb") as fh:
            return fh.read(cap)

    def stop(self, cell: Cell) -> None:
        """Nothing to stop: a plain cell's commands were waited for."""

    def command(self, cell: Cell, argv: list[str]) -> tuple[list[str], dict[str, str] | None]:
        """The command line and environment that run ``argv`` in ``cell`` (as they are)."""
        return argv, None

    @contextlib.contextmanager
    def program(self, cell: Cell, program: Path, args: Iterable[str] = (), *,
                readable: Iterable[Path] = (), writable: Iterable[Path] = (),
                libraries: Iterable[str] = (), stdin: str | None = None,
                stdout: str | None = None, exec_self: bool = False) -> Iterator[Launch]:
        yield Launch(redirected([str(program), *args], stdin, stdout), None)


def place(cells: Any, cell: Cell, rel: str, data: bytes) -> None:
    """Write ``data`` at ``rel`` in the cell's work folder, making the folders on the way."""
    parent = cell.workdir
    for part in Path(rel).parts[:-1]:
        parent = parent / part
        if not parent.is_dir():
            parent.mkdir(mode=0o755)
            if os.geteuid() == 0:
                try:
                    os.chown(parent, cell.uid, cell.uid)
                except PermissionError:  # no CAP_CHOWN: open the folder instead
                    os.chmod(parent, 0o1777)
    cells.put(cell, rel, data)


def copy_test(cells: Any, cell: Cell, path: Path) -> None:
    """Put a test's files (one .c file, or a folder's whole tree) in the cell."""
    if path.is_file():
        place(cells, cell, path.name, path.read_bytes())
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            place(cells, cell, str(p.relative_to(path)), p.read_bytes())


def run_in(cells: Any, cell: Cell, run: Callable[..., Any], cmd: list[str], timeout: float,
           cwd: Path | None = None, cap: int = OUTPUT_CAP) -> Any:
    """Run ``cmd`` in ``cell``, as ``cells`` runs things there (its uid, its confinement)."""
    argv, env = cells.command(cell, cmd)
    return run(argv, cwd or cell.workdir, timeout, cap, env=env)


def run_program(cells: Any, cell: Cell, run: Callable[..., Any], program: Path,
                args: list[str], timeout: float, cwd: Path | None = None,
                cap: int = OUTPUT_CAP, **how: Any) -> Any:
    """Run a program the candidate built (installed by ``cells.install``) in ``cell``: sealed
    in the jail. ``how``: ``readable``, ``writable``, ``libraries``, ``stdin``, ``stdout``,
    ``exec_self``."""
    with cells.program(cell, program, args, **how) as launch:
        return run(launch.argv, cwd or cell.workdir, timeout, cap, env=launch.env,
                   pass_fds=launch.fds)


def killed_for_exec(returncode: int | None) -> bool:
    """A sealed program that tried to run another program dies of SIGSYS."""
    return returncode == -signal.SIGSYS


# ------------------------------------------------------------------ the suite


def list_suite(tests_dir: Path, tiers: list[str] | tuple[str, ...] = TIERS
               ) -> list[tuple[str, str, str, Path]]:
    """``[(tier, stage, name, path)]``: path is ``name.c`` or a folder ``name/``."""
    out = []
    for tier in tiers:
        root = tests_dir / tier
        if not root.is_dir():
            continue
        for stage_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for exp in sorted(stage_dir.glob("*.expected.json")):
                name = exp.name[: -len(".expected.json")]
                src = stage_dir / f"{name}.c"
                out.append((tier, stage_dir.name, name, src if src.is_file() else
                            stage_dir / name))
    return out


def expected_of(path: Path) -> dict[str, Any]:
    """The expected-results file of a test (``path`` is its .c file or its folder)."""
    return json.loads((path.parent / f"{path.stem}.expected.json").read_text())


def twin_of(path: Path) -> Path:
    """Where the valid twin of a program to reject would be."""
    return path.parent / "twins" / path.name


def sources_of(path: Path) -> list[str]:
    """The C files a test compiles, relative to its folder."""
    if path.is_file():
        return [path.name]
    return sorted(p.name for p in path.glob("*.c"))


def build_steps(expected: dict[str, Any], sources: list[str], compiler: str) -> list[list[str]]:
    """The commands that build ``t`` in the test's folder (see the module docstring)."""
    build = expected.get("build", {})
    flags = list(build.get("flags", []))
    mode = build.get("mode", "together")
    ldflags = [f for f in flags if f.startswith(("-l", "-L"))]
    cflags = [f for f in flags if f not in ldflags]
    if mode == "together":
        return [[compiler, *cflags, *sources, "-o", "t", *ldflags]]
    if mode in ("separate", "asm"):
        opt, ext, driver = ("-c", ".o", compiler) if mode == "separate" else ("-S", ".s", "gcc")
        outs = [s[:-2] + ext for s in sources]
        steps = [[compiler, opt, *cflags, s, "-o", o] for s, o in zip(sources, outs, strict=True)]
        return [*steps, [driver, *outs, "-o", "t", *ldflags]]
    raise ValueError(f"unknown build mode {mode!r}")


def _short(data: bytes | str, limit: int = 400) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return data if len(data) <= limit else data[:limit] + f"...[{len(data) - limit} more chars]"


@dataclass
class Context:
    """What every test needs: the compiler, where programs run, and the limits."""

    compiler: str | None
    cells: Any  # PlainCells, or the grader's jail.Jail / jail.Unconfined
    run: Callable[..., Any]  # run(cmd, cwd, timeout, cap, env=...) -> RunResult-like
    compile_timeout: float = 10.0
    run_timeout: float = 5.0


def _build(ctx: Context, cell: Cell, path: Path, expected: dict[str, Any],
           details: dict[str, Any]) -> tuple[str, dict[str, Any]] | bool:
    """Build ``path`` in ``cell``: True (built), False (a step said no), or a verdict."""
    copy_test(ctx.cells, cell, path)
    assert ctx.compiler is not None
    for i, cmd in enumerate(build_steps(expected, sources_of(path), ctx.compiler)):
        r = run_in(ctx.cells, cell, ctx.run, cmd, ctx.compile_timeout)
        shown = " ".join(cmd[1:]) if cmd[0] == ctx.compiler else " ".join(cmd)
        details[f"step{i}"] = {"cmd": shown, "rc": r.returncode,
                               "seconds": round(r.duration, 3), "stderr": _short(r.stderr)}
        if r.start_error:
            return "error", {**details, "reason": f"could not start: {r.start_error}"}
        if r.timed_out:
            return "timeout", {**details,
                               "reason": f"`{shown}` exceeded {ctx.compile_timeout:g}s"}
        if r.returncode < 0:  # killed by a signal: a crash, not a rejection
            return "error", {**details, "reason": f"`{shown}` crashed (signal "
                                                  f"{-r.returncode})"}
        if r.returncode != 0:
            details["reason"] = f"`{shown}` exited {r.returncode}"
            return False
    return True


def _valid(ctx: Context, index: int, path: Path, expected: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    details: dict[str, Any] = {}
    with ctx.cells.cell(index) as cell:
        built = _build(ctx, cell, path, expected, details)
        if built is False:
            return "error", details
        if built is not True:
            return built
        try:
            program = ctx.cells.install(cell, "t")
        except (OSError, RuntimeError) as exc:
            return "error", {**details, "reason": f"the build exited 0 but: {exc}"}
        r = run_program(ctx.cells, cell, ctx.run, program, [], ctx.run_timeout)
    details["run_rc"] = r.returncode
    if r.start_error:
        return "fail", {**details, "reason": f"binary could not start: {r.start_error}"}
    if killed_for_exec(r.returncode):
        return "fail", {**details, "reason": "the binary tried to run another program (execve) "
                        "and was stopped: only machine code the compiler emitted may run"}
    if r.timed_out:
        return "timeout", {**details, "reason": f"binary exceeded {ctx.run_timeout:g}s"}
    want_out = expected.get("stdout", "").encode("utf-8")
    want_rc = expected.get("exit_code")
    if r.returncode == want_rc and r.stdout == want_out and not r.stdout_truncated:
        return "pass", details
    return "fail", {**details, "reason": "exit code or stdout differ",
                    "expected_exit_code": want_rc, "got_exit_code": r.returncode,
                    "expected_stdout": _short(want_out), "got_stdout": _short(r.stdout)}


def check_valid(ctx: Context, index: int, path: Path, expected: dict[str, Any]
                ) -> tuple[str, dict[str, Any]]:
    """A valid program not of the suite (the fuzz measure's), in cell ``index``, exactly as a
    test: (verdict, details)."""
    if ctx.compiler is None:
        return "error", {"reason": "compiler missing or not executable"}
    return _valid(ctx, index, path, expected)


def _invalid(ctx: Context, index: int, path: Path, expected: dict[str, Any]
             ) -> tuple[str, dict[str, Any]]:
    details: dict[str, Any] = {}
    with ctx.cells.cell(index) as cell:
        built = _build(ctx, cell, path, expected, details)
    if built is True:
        return "fail", {**details, "reason": "invalid program was accepted (exit 0)"}
    if built is not False:
        return built
    twin = twin_of(path)
    if not twin.is_file():
        return "pass", details
    verdict, twin_details = _valid(ctx, index + 1, twin, expected_of(twin))
    if verdict == "pass":
        return "pass", details
    return "fail", {**details, "twin": twin_details,
                    "reason": f"rejected, but its valid twin twins/{twin.name} did not pass "
                              f"({verdict}: {twin_details.get('reason')})"}


def check_program(ctx: Context, index: int, path: Path) -> tuple[str, dict[str, Any]]:
    """Test number ``index``: (``pass|fail|error|timeout``, details). Never raises.

    It uses cells ``2 * index`` and, for a program to reject, ``2 * index + 1`` (its twin).
    """
    try:
        expected = expected_of(path)
    except (OSError, ValueError) as exc:
        return "error", {"reason": f"bad expected file: {exc}"}
    if ctx.compiler is None:
        return "error", {"reason": "compiler missing or not executable"}
    try:
        if expected.get("reject"):
            return _invalid(ctx, 2 * index, path, expected)
        return _valid(ctx, 2 * index, path, expected)
    except Exception:  # a harness bug must cost one test, not the grade
        return "error", {"reason": "exception", "traceback": traceback.format_exc()}


def fresh_tree(cell: Cell, src: Path, dest: Path) -> None:
    """A fresh copy of ``src`` (trusted: the image's) for tests to run in, handed to the cell
    (its uid never ran a compile: nothing the compile did can be in it)."""
    shutil.copytree(src, dest, symlinks=True)
    give_tree(cell, dest)


def give_tree(cell: Cell, root: Path) -> None:
    """Hand a folder the grader copied into a cell over to the cell's uid (tier 5's trees)."""
    if os.geteuid() != 0 or cell.uid == 0:
        return
    try:
        os.lchown(root, cell.uid, cell.uid)
    except PermissionError:  # no CAP_CHOWN: make the tree writable by all instead
        subprocess.run(["chmod", "-R", "a+rwX", str(root)], check=False)
        return
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.lchown(os.path.join(dirpath, name), cell.uid, cell.uid)


def invalid_needs_valid(tests: list[tuple[str, str, str, Path]], results: dict[str, str],
                        stages: dict[str, list[int]]) -> None:
    """For invalid programs without a valid twin: a rejection counts only when at least half
    of its tier's valid programs pass (else it becomes `fail`)."""
    for tier in {t[0] for t in tests}:
        valid = [results[f"{t}/{s}/{n}"] for t, s, n, _ in tests
                 if t == tier and not s.endswith("-invalid")]
        if valid and sum(v == "pass" for v in valid) * 2 >= len(valid):
            continue
        for t, s, n, path in tests:
            key = f"{t}/{s}/{n}"
            if t == tier and s.endswith("-invalid") and results[key] == "pass" \
                    and not twin_of(path).is_file():
                results[key] = "fail"
                stages[f"{t}/{s}"][0] -= 1
