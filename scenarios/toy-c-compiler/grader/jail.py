"""Keep a candidate compiler from running any compiler but itself (python3 stdlib, Linux x86-64).

A self-contained piece a scenario's grader can use: it needs this file, ``confine.py`` (the
kernel mechanisms) and ``sealed.py`` (how built programs run), a kernel with Landlock (5.13+),
root in the grader's container, binutils (``as``, ``ld``) and two folders (see ``Jail``).

What it does (the why is in the scenario's README, section "Anti-cheat"):

1. ``load_front_ends`` / ``scan_workspace`` — before grading, every regular file of the workspace
   copy is searched for 32-byte needles drawn at random, per grading, from the executable
   segment of each compiler front end the grader image keeps out of reach (gcc's ``cc1``,
   ``cc1plus``, ``lto1``, moved to a root-only folder by ``grader.setup``). A workspace holding
   half the needles of a front end (in one file or spread over several) is refused, as is an
   ELF file with a segment both writable and executable.
2. ``Jail.cell`` — each test runs in a cell: its own uid, a private work folder (mode 0700, on
   a ``noexec`` filesystem) and, for the program it built, a root-owned folder holding a vetted
   copy of that one binary. The grader confines itself once (``Jail.lock_down``) and every
   process it starts inherits it:
   - Landlock: execute only in the system folders, the (vetted, read-only) workspace and the
     root-owned folders of built programs; write only the noexec ``/tmp`` (cells: their work
     folder, and ``/tmp`` itself for compilers that write ``/tmp/out.s``; umask 077, what a
     cell left goes with it) and ``/dev/null``; nothing under ``/proc`` (no ``/proc/self/mem``);
     other cells' folders are closed by their uid and mode 0700;
   - seccomp: no memory both writable and executable, no anonymous executable memory, no
     ``mprotect(PROT_EXEC)``, no ``memfd_create``, ``ptrace``, ``userfaultfd``,
     ``personality(READ_IMPLIES_EXEC)``, ``shmat(SHM_EXEC)``, no 32-bit or x32 system calls;
   - rlimits: stack at most 16 MiB (gcc's front end is 20 MiB of code), 256 processes,
     256 MiB per file, no core dumps.
   So bytes the candidate writes can never become code, and the code it can run is the system's
   (with the front ends gone) or the workspace's (vetted). After each step every process of the
   cell's uid is killed.
3. ``Jail.install`` / ``Jail.program`` — the program a compile built counts only if it is an
   x86-64 executable of machine code for the system's loader and C runtime (no ``#!`` script,
   no other loader or library), and it runs *sealed*: it can execute and read only its own
   copy, the loader and its libraries (no interpreter, run or loaded as a library), and any
   ``execve`` kills it (``sealed.py``).

Use (``grade.py`` does exactly this)::

    jail = Jail(workspace)          # root, Landlock, noexec /tmp; Unconfined(workspace) on a host
    refused = scan_workspace(workspace, load_front_ends(DEFAULT_FRONT_ENDS))  # [] if clean
    jail.lock_down([grader_folder])             # main thread, before any other thread starts
    with jail.cell(index) as cell:              # one per test (index: unique per grading)
        jail.put(cell, "t.c", source)
        argv, env = jail.command(cell, [compiler, "t.c", "-o", "t"])
        subprocess.run(argv, cwd=cell.workdir, env=env, start_new_session=True, timeout=10)
        program = jail.install(cell, "t")       # JailError: nothing built, or refused
        with jail.program(cell, program) as launch:     # sealed
            subprocess.run(launch.argv, cwd=cell.workdir, env=launch.env, pass_fds=launch.fds,
                           start_new_session=True, timeout=5)
    jail.close()

The grader's container needs ``isolate: true`` (root, with SETUID, SETGID, KILL, CHOWN,
FOWNER, DAC_OVERRIDE) and ``tmpfs: {/tmp: "rw,noexec,nosuid,nodev,size=1g"}``, and its
``setup`` moves the front ends to ``DEFAULT_FRONT_ENDS`` (see the toy C compiler's
``scenario.yaml``). ``python3 jail.py check`` prints what an environment supports (JSON).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import resource
import secrets
import shlex
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from confine import (
    AUDIT_ARCH_X86_64,
    ELF_MAGIC,
    FS_EXECUTE,
    FS_TRUNCATE,
    FS_WRITE_FILE,
    JEQ,
    JGE,
    JSET,
    LD,
    PF_X,
    PT_LOAD,
    READ,
    RET,
    RET_ALLOW,
    RET_EPERM,
    RUN,
    WRITE,
    X32_SYSCALL_BIT,
    arg_low,
    bpf,
    elf_problem,
    elf_segments,
    install_filter,
    landlock_abi,
    landlock_restrict_self,
    no_new_privs,
    ruleset,
)
from sealed import C_LIBRARIES, Sealer, vet_program

# ---------------------------------------------------------------- front-end fingerprints

NEEDLE_BYTES = 32
NEEDLES_PER_FRONT_END = 24
DEFAULT_FRONT_ENDS = Path("/usr/local/lib/ultrarun/frontends")


@dataclass
class FrontEnd:
    """A compiler front end (e.g. gcc's cc1) and needles drawn from its code."""

    name: str
    needles: list[bytes]


def load_front_ends(folder: Path, count: int = NEEDLES_PER_FRONT_END) -> list[FrontEnd]:
    """Draw ``count`` needles at random from the executable segments of each file in ``folder``.

    Needles change with every grading, so a copy altered in a few places cannot know which
    bytes to alter; low-entropy windows (padding, tables of zeros) are skipped. A folder that
    is missing or unreadable gives no front end.
    """
    rng = secrets.SystemRandom()
    out: list[FrontEnd] = []
    try:
        paths = sorted(folder.iterdir())
    except OSError:  # missing, or readable by root only and the grader is not root
        return out
    for path in paths:
        try:
            data = path.read_bytes() if path.is_file() else b""
        except OSError:
            continue
        code = [(s.offset, s.filesz) for s in elf_segments(data)
                if s.type == PT_LOAD and s.flags & PF_X and s.filesz > 4 * NEEDLE_BYTES]
        if not code:
            continue
        needles: list[bytes] = []
        for _ in range(count * 50):
            if len(needles) == count:
                break
            off, size = rng.choice(code)
            at = off + rng.randrange(size - NEEDLE_BYTES)
            needle = data[at:at + NEEDLE_BYTES]
            if len(set(needle)) >= NEEDLE_BYTES // 2 and needle not in needles:
                needles.append(needle)
        out.append(FrontEnd(path.name, needles))
    return out


def scan_workspace(root: Path, front_ends: list[FrontEnd]) -> list[str]:
    """Problems that disqualify a workspace: front-end code anywhere in it, W+X ELF files.

    Every regular file counts (not only ELF files: a loader could map code from any file), and
    needles found in different files add up (a copy split into pieces is still a copy).
    """
    found: list[dict[bytes, str]] = [{} for _ in front_ends]
    problems = []
    for path in _regular_files(root):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size < NEEDLE_BYTES:
                continue
            with mmap.mmap(fd, 0, prot=mmap.PROT_READ) as m:
                why = elf_problem(m)
                if why:
                    problems.append(f"{path.relative_to(root)}: {why}")
                for fe, hits in zip(front_ends, found, strict=True):
                    for needle in fe.needles:
                        if needle not in hits and m.find(needle) != -1:
                            hits[needle] = str(path.relative_to(root))
        except (OSError, ValueError):
            continue
        finally:
            os.close(fd)
    for fe, hits in zip(front_ends, found, strict=True):
        if fe.needles and len(hits) * 2 >= len(fe.needles):
            where = sorted(set(hits.values()))
            shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3
                                            else "")
            problems.append(f"the workspace carries the code of the compiler front end "
                            f"{fe.name} ({len(hits)}/{len(fe.needles)} fingerprints, in "
                            f"{shown})")
    return problems


def _regular_files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            p = Path(dirpath) / name
            if stat.S_ISREG(os.lstat(p).st_mode):
                yield p


# ----------------------------------------------------------------- the grader's confinement

SYSTEM_RUN = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
SYSTEM_READ = ("/etc", "/proc", "/sys", "/dev")

# The grader's seccomp filter (every process it starts inherits it).
NR = {"mmap": 9, "mprotect": 10, "shmat": 30, "ptrace": 101, "personality": 135,
      "process_vm_writev": 311, "memfd_create": 319, "userfaultfd": 323, "pkey_mprotect": 329}
PROT_WRITE, PROT_EXEC = 2, 4
MAP_ANONYMOUS = 0x20
SHM_EXEC = 0o100000
READ_IMPLIES_EXEC = 0x0400000

SECCOMP_PROGRAM = bpf([
    (LD, 4), (JEQ, AUDIT_ARCH_X86_64, None, "deny"),
    (LD, 0), (JGE, X32_SYSCALL_BIT, "deny", None),
    (JEQ, NR["mmap"], "mmap", None),
    (JEQ, NR["mprotect"], "prot", None),
    (JEQ, NR["pkey_mprotect"], "prot", None),
    (JEQ, NR["shmat"], "shmat", None),
    (JEQ, NR["personality"], "personality", None),
    (JEQ, NR["memfd_create"], "deny", None),
    (JEQ, NR["ptrace"], "deny", None),
    (JEQ, NR["process_vm_writev"], "deny", None),
    (JEQ, NR["userfaultfd"], "deny", None),
    (RET, RET_ALLOW),
    ("label", "mmap"),
    (LD, arg_low(2)), (JSET, PROT_EXEC, None, "allow"),
    (JSET, PROT_WRITE, "deny", None),
    (LD, arg_low(3)), (JSET, MAP_ANONYMOUS, "deny", "allow"),
    ("label", "prot"),
    (LD, arg_low(2)), (JSET, PROT_EXEC, "deny", "allow"),
    ("label", "shmat"),
    (LD, arg_low(2)), (JSET, SHM_EXEC, "deny", "allow"),
    ("label", "personality"),
    (LD, arg_low(0)), (JEQ, 0xFFFFFFFF, "allow", None),
    (JSET, READ_IMPLIES_EXEC, "deny", "allow"),
    ("label", "allow"), (RET, RET_ALLOW),
    ("label", "deny"), (RET, RET_EPERM),
])


STACK_HARD = 16 << 20
RLIMITS = {resource.RLIMIT_NPROC: (256, 256), resource.RLIMIT_CORE: (0, 0),
           resource.RLIMIT_FSIZE: (256 << 20, 256 << 20)}


def _lower(which: int, soft: int, hard: int) -> None:
    """Lower a limit to at most (soft, hard), never raising what the container already set."""
    cur_soft, cur_hard = resource.getrlimit(which)
    inf = resource.RLIM_INFINITY
    hard = hard if cur_hard == inf else min(hard, cur_hard)
    soft = min(hard, soft if cur_soft == inf else min(soft, cur_soft))
    resource.setrlimit(which, (soft, hard))


def _restrict_self(ruleset_fd: int) -> None:
    """rlimits, no new privileges, Landlock, seccomp: for this process and all it starts."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_STACK)
    for which, (want_soft, want_hard) in {**RLIMITS, resource.RLIMIT_STACK: (soft, STACK_HARD)
                                          }.items():  # NPROC counts per uid; root is exempt
        _lower(which, want_soft, want_hard)
    no_new_privs()
    landlock_restrict_self(ruleset_fd)
    install_filter(SECCOMP_PROGRAM)


# ---------------------------------------------------------------------------------- cells

UID_BASE = 20000
BINARY_CAP = 64 << 20
RUN_AS = shlex.split(os.environ.get("ULTRARUN_RUN_AS", ""))


class JailError(RuntimeError):
    """The environment cannot confine candidates, or a cell's program is refused."""


@dataclass
class Cell:
    """One test's confinement: a uid, a private work folder and a folder for its binary."""

    uid: int
    workdir: Path
    bindir: Path


@dataclass(frozen=True)
class Defences:
    """The defences of built programs; a grading switches one off only to show what it stops
    (``--ablate``): ``vet`` (only x86-64 executables of the C runtime are installed; off: any
    ELF or ``#!`` script) and ``seal`` (they run sealed; off: as the cell's uid, no more)."""

    vet: bool = True
    seal: bool = True


@dataclass
class Launch:
    """How to start a built program: its command line, environment and the fds it inherits."""

    argv: list[str]
    env: dict[str, str] | None
    fds: tuple[int, ...] = ()


def read_beneath(root: Path, rel: str, cap: int = BINARY_CAP) -> bytes:
    """The bytes of a regular file a cell wrote at ``rel`` below ``root``, no link followed on
    the way (the cell owns those folders), at most ``cap`` bytes; JailError otherwise."""
    parts = [p for p in Path(rel).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise JailError(f"{rel}: not a path below the cell's folder")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        leaf = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except OSError as e:
        raise JailError(f"no {rel} was built ({e.strerror})") from None
    finally:
        os.close(fd)
    with os.fdopen(leaf, "rb") as src:
        st = os.fstat(src.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise JailError(f"{rel} is not a regular file")
        if st.st_size > cap:
            raise JailError(f"{rel} is {st.st_size} bytes (the cap is {cap})")
        return src.read(cap + 1)


def check_program(data: bytes, name: str, defences: Defences,
                  libraries: Iterable[str] = ()) -> None:
    """Raise JailError when ``data`` may not run as the program ``name`` (``libraries``: what
    it may link with beyond the C runtime)."""
    if defences.vet:
        why = vet_program(data, C_LIBRARIES | set(libraries))
        if why:
            raise JailError(f"{name} {why}")
        return
    if data[:4] != ELF_MAGIC and data[:2] != b"#!":  # setpriv's execvp would run it with sh
        raise JailError(f"{name} is not a program (neither ELF nor a #! script)")
    why = elf_problem(data)
    if why:
        raise JailError(f"{name} refused: {why}")


class Jail:
    """Runs untrusted commands in cells.

    ``workroot`` must be on a ``noexec`` filesystem (e.g. a tmpfs mounted ``noexec``) and
    ``binroot`` on one that allows exec; the grader must be root. ``workspace`` (the graded
    copy) is made world-readable and is read-only to every cell.

    The Landlock and seccomp rules, the rlimits and the umask are laid once on the grader's
    own process (``lock_down``) and inherited by everything it starts: a cell costs a uid
    switch (``setpriv``), not a fork of the grader. Cells are kept apart by their uids (folders
    0700, files 0600); none can write where code may run.
    """

    def __init__(self, workspace: Path, workroot: Path = Path("/tmp"),
                 binroot: Path = Path("/var/tmp"), uid_base: int = UID_BASE,
                 defences: Defences = Defences()) -> None:
        self.workspace = workspace
        self.uid_base = uid_base
        self.defences = defences
        self.abi = landlock_abi()
        problems = []
        if os.geteuid() != 0:
            problems.append("the grader is not root (it must start each test as its own uid)")
        if self.abi < 1:
            problems.append("the kernel has no Landlock (5.13+ with landlock in its LSM list)")
        if not os.statvfs(workroot).f_flag & os.ST_NOEXEC:
            problems.append(f"{workroot} is not mounted noexec (mount a tmpfs with noexec)")
        if os.statvfs(binroot).f_flag & os.ST_NOEXEC:
            problems.append(f"{binroot} is mounted noexec: built programs could not run")
        if shutil.which("setpriv") is None:
            problems.append("setpriv (util-linux) is missing")
        if problems:
            raise JailError("; ".join(problems))
        self.shared_tmp = workroot
        self.workroot = Path(_mkdtemp(workroot, "jail-work-", 0o711))
        self.binroot = Path(_mkdtemp(binroot, "jail-bin-", 0o711))
        try:
            self.sealer = Sealer(self.binroot, self.abi) if defences.seal else None
        except OSError as exc:
            self.close()
            raise JailError(f"cannot build the launcher of sealed programs: {exc}") from None
        _open_for_reading(workspace)

    def lock_down(self, readable: list[Path]) -> None:
        """Confine this process and everything it will start; call it from the main thread
        before any other starts. ``readable``: more folders the grader itself must read."""
        rules = [(p, RUN) for p in SYSTEM_RUN] + [(p, READ) for p in SYSTEM_READ]
        # Cells write their folder and, for compilers that write /tmp/out.s, the noexec /tmp
        # (the sticky bit, umask 077 and their uids keep them apart); the grader installs
        # programs in binroot, which cells may run but, root's, not write.
        rules += [("/dev/null", READ | FS_WRITE_FILE | FS_TRUNCATE),
                  (str(self.workspace), RUN), (str(self.shared_tmp), WRITE),
                  (str(self.binroot), WRITE | FS_EXECUTE)]
        rules += [(str(p), READ) for p in readable]
        fd = ruleset(rules, self.abi)
        try:
            os.umask(0o077)
            _restrict_self(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        shutil.rmtree(self.workroot, ignore_errors=True)
        shutil.rmtree(self.binroot, ignore_errors=True)

    @contextlib.contextmanager
    def cell(self, index: int) -> Iterator[Cell]:
        """A fresh cell for test number ``index``; its processes and folders go on exit."""
        uid = self.uid_base + index
        kill_uid(uid)
        workdir = self.workroot / f"c{index}-{secrets.token_hex(4)}"
        bindir = self.binroot / f"c{index}-{secrets.token_hex(8)}"
        workdir.mkdir(mode=0o700)
        os.chown(workdir, uid, uid)
        bindir.mkdir()
        os.chmod(bindir, 0o711)
        try:
            yield Cell(uid, workdir, bindir)
        finally:
            kill_uid(uid)
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(bindir, ignore_errors=True)
            _remove_owned_by(self.shared_tmp, uid)

    def put(self, cell: Cell, name: str, data: bytes) -> None:
        """Write an input file into the cell's work folder (before anything ran in it)."""
        fd = os.open(cell.workdir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchown(fh.fileno(), cell.uid, cell.uid)

    def install(self, cell: Cell, name: str, libraries: Iterable[str] = (),
                into: Cell | None = None) -> Path:
        """Copy a program the cell built into the binary folder of ``into`` (default: the same
        cell); raise JailError if refused.

        Every process of the cell is killed first; the file must be a regular file (links are
        not followed) of at most 64 MiB and pass ``check_program``: an x86-64 executable of
        the system's loader, the C runtime and ``libraries`` (see sealed.py).
        """
        kill_uid(cell.uid)
        data = read_beneath(cell.workdir, name)
        check_program(data, name, self.defences, libraries)
        dest = (into or cell).bindir / name
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o755)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            os.fchmod(out.fileno(), 0o755)  # root's: the cell may run it, not change it
        return dest

    def read(self, cell: Cell, rel: str, cap: int = BINARY_CAP) -> bytes:
        """A file the cell wrote (see ``read_beneath``); stop the cell first."""
        return read_beneath(cell.workdir, rel, cap)

    def stop(self, cell: Cell) -> None:
        """Kill every process of the cell (what it leaves can no longer change)."""
        kill_uid(cell.uid)

    @contextlib.contextmanager
    def program(self, cell: Cell, program: Path, args: Iterable[str] = (), *,
                readable: Iterable[Path] = (), writable: Iterable[Path] = (),
                libraries: Iterable[str] = (), stdin: str | None = None,
                stdout: str | None = None, exec_self: bool = False) -> Iterator[Launch]:
        """How to run an installed ``program`` in ``cell``: sealed (sealed.py), reading only
        its libraries (the C runtime's and ``libraries``), the C library's data and
        ``readable``, writing only its work folder, the noexec ``/tmp`` and ``writable``;
        ``stdin``/``stdout``: files of its working folder (opened by sh in the cell);
        ``exec_self``: it may run itself again, nothing else."""
        if self.sealer is None:
            argv, env = self.command(cell, redirected([str(program), *args], stdin, stdout))
            yield Launch(argv, env)
            return
        with self.sealer.launch(program, list(args), libraries=C_LIBRARIES | set(libraries),
                                readable=readable, exec_self=exec_self,
                                writable=[cell.workdir, self.shared_tmp, *writable]
                                ) as (sealed_argv, fds):
            argv, env = self.command(cell, redirected(sealed_argv, stdin, stdout))
            yield Launch(argv, env, fds)

    def command(self, cell: Cell, argv: list[str]) -> tuple[list[str], dict[str, str]]:
        """The command line and environment that run ``argv`` as ``cell``'s uid."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(cell.workdir), "TMPDIR": str(cell.workdir)}
        return ["setpriv", f"--reuid={cell.uid}", f"--regid={cell.uid}", "--clear-groups",
                "--", *argv], env


class Unconfined:
    """``Jail``'s interface without confinement, for grading on a host (tests, a local sandbox):
    each cell is a plain temporary folder, commands run through ``$ULTRARUN_RUN_AS`` if set."""

    def __init__(self, workspace: Path, defences: Defences = Defences()) -> None:
        self.workspace = workspace
        self.defences = defences

    def lock_down(self, readable: list[Path]) -> None:
        pass

    def close(self) -> None:
        pass

    @contextlib.contextmanager
    def cell(self, index: int) -> Iterator[Cell]:
        with tempfile.TemporaryDirectory(prefix="grade-", ignore_cleanup_errors=True) as tmp:
            os.chmod(tmp, 0o777)  # a $ULTRARUN_RUN_AS prefix may run code as another user
            yield Cell(os.getuid(), Path(tmp), Path(tmp))

    def put(self, cell: Cell, name: str, data: bytes) -> None:
        (cell.workdir / name).write_bytes(data)
        os.chmod(cell.workdir / name, 0o644)

    def install(self, cell: Cell, name: str, libraries: Iterable[str] = (),
                into: Cell | None = None) -> Path:
        """The program as built, if ``check_program`` lets it run (no copy: no jail here)."""
        path = cell.workdir / name
        check_program(read_beneath(cell.workdir, name), name, self.defences, libraries)
        if into is not None and into is not cell:
            shutil.copy2(path, into.bindir / name)
            return into.bindir / name
        return path

    def read(self, cell: Cell, rel: str, cap: int = BINARY_CAP) -> bytes:
        return read_beneath(cell.workdir, rel, cap)

    def stop(self, cell: Cell) -> None:
        """Nothing to stop: an unconfined cell's commands were waited for."""

    @contextlib.contextmanager
    def program(self, cell: Cell, program: Path, args: Iterable[str] = (), *,
                readable: Iterable[Path] = (), writable: Iterable[Path] = (),
                libraries: Iterable[str] = (), stdin: str | None = None,
                stdout: str | None = None, exec_self: bool = False) -> Iterator[Launch]:
        """Unsealed (no Landlock here): only through ``$ULTRARUN_RUN_AS`` if set."""
        argv, env = self.command(cell, redirected([str(program), *args], stdin, stdout))
        yield Launch(argv, env)

    def command(self, cell: Cell, argv: list[str]) -> tuple[list[str], dict[str, str] | None]:
        return [*RUN_AS, *argv], None


def redirected(argv: list[str], stdin: str | None, stdout: str | None) -> list[str]:
    """``argv`` with its stdin/stdout from/to files of its working folder (through sh)."""
    if stdin is None and stdout is None:
        return argv
    redirs = (f" < {shlex.quote(stdin)}" if stdin else "") + \
        (f" > {shlex.quote(stdout)}" if stdout else "")
    return ["sh", "-c", f'exec "$@"{redirs}', "sh", *argv]


def kill_uid(uid: int, rounds: int = 50) -> None:
    """SIGKILL every process whose real, effective or saved uid is ``uid`` (until none is left)."""
    for _ in range(rounds):
        victims = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith(b"Uid:"):
                            if str(uid).encode() in line.split()[1:4]:
                                victims.append(int(entry))
                            break
            except OSError:
                continue
        if not victims:
            return
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


def _remove_owned_by(folder: Path, uid: int) -> None:
    """Remove the entries of ``folder`` (not below) that ``uid`` created."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)


def _mkdtemp(parent: Path, prefix: str, mode: int) -> str:
    path = parent / f"{prefix}{secrets.token_hex(6)}"
    path.mkdir(mode=mode)
    os.chmod(path, mode)
    return str(path)


def _open_for_reading(root: Path) -> None:
    """Let every cell read (never write) the workspace: a+r on files, a+rx on folders."""
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        with contextlib.suppress(OSError):
            os.chmod(dirpath, stat.S_IMODE(os.lstat(dirpath).st_mode) | 0o555)
        for name in files:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                mode = stat.S_IMODE(st.st_mode) & 0o777 | 0o444
                if mode & 0o111:
                    mode |= 0o111
                with contextlib.suppress(OSError):
                    os.chmod(p, mode)


def main(argv: list[str]) -> int:
    if argv[:1] != ["check"]:
        print("usage: jail.py check", file=sys.stderr)
        return 2
    report = {"landlock_abi": landlock_abi(), "root": os.geteuid() == 0,
              "tmp_noexec": bool(os.statvfs("/tmp").f_flag & os.ST_NOEXEC),
              "front_ends": [fe.name for fe in load_front_ends(DEFAULT_FRONT_ENDS)]}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
