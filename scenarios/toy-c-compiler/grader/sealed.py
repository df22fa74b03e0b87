"""Only machine code the candidate compiled may score (python3 stdlib, Linux x86-64).

A program a ``compile`` built is vetted before it runs (``vet_program``): it must be an x86-64
ELF executable whose loader is the system's and whose libraries are the C runtime's (and,
for a real code base, the few libraries its recipe links with); a ``#!`` script, another
machine's code, another loader or another library is refused with the reason.

Then it runs *sealed* (``Sealer.launch``): a 1 KiB launcher assembled by the grader (``as``,
``ld``; no C compiler is needed) lays two more restrictions on itself, in the cell's uid,
and replaces itself with the program:

- a Landlock layer under which the process may execute only the program's vetted copy and
  the dynamic loader, and read only those, the libraries it was allowed, a few data files of
  the C library (time zones, locales), its work folder and what the grader adds (a project's
  test files). An interpreter cannot be run (``execve`` of ``python3``: no EXECUTE right),
  handed to the loader (``ld.so /usr/bin/python3``: no READ right), or mapped as a library
  (``dlopen("libperl.so")``: no READ right): Landlock checks EXECUTE on the ELF interpreter
  too, and every library the loader maps it must first open;
- a seccomp filter that kills the process at any ``execve`` but the launcher's own, and at
  any ``execveat``. The launcher's ``execve`` is told apart by its path argument: a page the
  launcher maps at a random address (34 bits of entropy) that the new program image no longer
  has; a program guessing it has one try, since a wrong guess kills it. The grader reports a
  program killed this way (``SIGSYS``) as one that tried to run another program.

Landlock alone would refuse every other program already; the filter makes the attempt fatal
and visible in ``--details``. A program whose own tests run it again (Jim Tcl's ``exec [info
nameofexecutable]``) is launched with ``exec_self``: no filter, Landlock still letting it
execute nothing but itself and the loader.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from confine import (
    AUDIT_ARCH_X86_64,
    EM_X86_64,
    ET_DYN,
    ET_EXEC,
    FS_EXECUTE,
    FS_READ_FILE,
    FS_TRUNCATE,
    FS_WRITE_FILE,
    JEQ,
    JGE,
    LD,
    READ,
    RET,
    RET_ALLOW,
    RET_KILL_PROCESS,
    SECCOMP_ARCH,
    SECCOMP_NR,
    WRITE,
    X32_SYSCALL_BIT,
    arg_high,
    arg_low,
    bpf,
    elf_problem,
    read_executable,
    ruleset,
)

# The dynamic loader a program may ask for (every name the system's loader has).
LOADERS = ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
           "/usr/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
# The C runtime: what any C program may link with.
C_LIBRARIES = frozenset({"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
                         "librt.so.1", "libutil.so.1", "libgcc_s.so.1",
                         "ld-linux-x86-64.so.2"})
LIBRARY_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64")
# Data the C library reads on a program's behalf (no code in them).
C_DATA = ("/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo", "/usr/lib/locale")
DEVICES_RW = ("/dev/null", "/dev/zero", "/dev/full")
DEVICES_R = ("/dev/urandom", "/dev/random")

NR_EXECVE, NR_EXECVEAT = 59, 322
SECRET_LOW, SECRET_HIGH = 0x1000_0000_0000, 0x7000_0000_0000  # where the launcher's page goes
LAUNCHER_FAILED = "ultrarun-seal:"  # the launcher's stderr when it could not seal or start


def vet_program(data: bytes, libraries: Iterable[str] = C_LIBRARIES) -> str | None:
    """Why a built file may not run as the candidate's program (None: it may)."""
    if data[:2] == b"#!":
        return ("is a script (#!): the output must be an x86-64 executable of machine code, "
                "not a program for an interpreter")
    exe = read_executable(data)
    if exe is None:
        return "is not an x86-64 ELF executable"
    if exe.machine != EM_X86_64:
        return f"is an ELF file for machine {exe.machine}, not x86-64"
    if exe.type not in (ET_EXEC, ET_DYN):
        return f"is an ELF file of type {exe.type}, not an executable"
    why = elf_problem(data)
    if why:
        return f"refused: {why}"
    if exe.interpreter is not None and exe.interpreter not in LOADERS:
        return (f"asks for the program loader {exe.interpreter[:80]!r}, not the system's "
                f"({LOADERS[0]})")
    allowed = set(libraries)
    others = [n for n in exe.needed if n not in allowed]
    if others:
        return (f"links with {', '.join(repr(n[:80]) for n in others[:5])}: a program may "
                f"use only {', '.join(sorted(allowed))}")
    return None


def library_files(names: Iterable[str]) -> list[str]:
    """The system's files of these libraries (links resolved: the rules name the files)."""
    out = []
    for name in sorted(set(names)):
        for d in LIBRARY_DIRS:
            path = os.path.join(d, name)
            if os.path.exists(path):
                out.append(os.path.realpath(path))
                break
    return out


def killed_for_exec(returncode: int | None) -> bool:
    return returncode == -signal.SIGSYS


ALLOW_ALL = bpf([(RET, RET_ALLOW)])


def exec_filter(secret: int) -> bytes:
    """Kill at any execve but the one whose path is at ``secret``, and at any execveat."""
    return bpf([
        (LD, SECCOMP_ARCH), (JEQ, AUDIT_ARCH_X86_64, None, "kill"),
        (LD, SECCOMP_NR), (JGE, X32_SYSCALL_BIT, "kill", None),
        (JEQ, NR_EXECVE, "execve", None),
        (JEQ, NR_EXECVEAT, "kill", "allow"),
        ("label", "execve"),
        (LD, arg_low(0)), (JEQ, secret & 0xFFFFFFFF, None, "kill"),
        (LD, arg_high(0)), (JEQ, secret >> 32, "allow", "kill"),
        ("label", "allow"), (RET, RET_ALLOW),
        ("label", "kill"), (RET, RET_KILL_PROCESS),
    ])


# The launcher: `seal BLOBFD RULESETFD PROGRAM [ARG...]`. BLOBFD holds the address of the page
# for the program's path (u64), the filter's length in instructions (u64) and the filter.
# It restricts itself (Landlock ruleset, then the filter), copies PROGRAM to that page and
# execs it with its own argv from PROGRAM on and its environment. Any failure: a line on
# stderr starting with LAUNCHER_FAILED, exit 127.
LAUNCHER_ASM = r"""
        .section .note.GNU-stack,"",@progbits
        .section .rodata
message: .ascii "ultrarun-seal: could not seal and start the program\n"
        .set message_len, . - message
        .set BLOBMAX, 16384
        .text
        .globl _start
_start:
        mov     (%rsp), %rbx
        cmp     $4, %rbx
        jl      fail
        lea     8(%rsp), %r12
        lea     16(%rsp,%rbx,8), %r13
        mov     8(%r12), %rsi
        call    number
        mov     %rax, %r14
        mov     16(%r12), %rsi
        call    number
        mov     %rax, %r15
        xor     %ebp, %ebp
.Lread:
        mov     $BLOBMAX, %edx
        sub     %rbp, %rdx
        jz      .Lgot
        lea     blob(%rip), %rsi
        add     %rbp, %rsi
        mov     %r14, %rdi
        xor     %eax, %eax
        syscall
        cmp     $-4, %rax
        je      .Lread
        test    %rax, %rax
        js      fail
        jz      .Lgot
        add     %rax, %rbp
        jmp     .Lread
.Lgot:
        mov     $3, %eax
        mov     %r14, %rdi
        syscall
        mov     blob+8(%rip), %rcx
        test    %rcx, %rcx
        jz      fail
        cmp     $2000, %rcx
        ja      fail
        lea     16(,%rcx,8), %rax
        cmp     %rax, %rbp
        jne     fail
        mov     $446, %eax
        mov     %r15, %rdi
        xor     %esi, %esi
        syscall
        test    %rax, %rax
        jnz     fail
        mov     $3, %eax
        mov     %r15, %rdi
        syscall
        mov     $9, %eax
        mov     blob(%rip), %rdi
        mov     $4096, %esi
        mov     $3, %edx
        mov     $0x100022, %r10d
        mov     $-1, %r8
        xor     %r9d, %r9d
        syscall
        cmp     blob(%rip), %rax
        jne     fail
        mov     %rax, %rdi
        mov     24(%r12), %rsi
        mov     $4095, %ecx
.Lcopy:
        movb    (%rsi), %dl
        movb    %dl, (%rdi)
        test    %dl, %dl
        jz      .Lcopied
        inc     %rsi
        inc     %rdi
        dec     %ecx
        jnz     .Lcopy
        jmp     fail
.Lcopied:
        mov     blob+8(%rip), %rax
        mov     %ax, fprog(%rip)
        lea     blob+16(%rip), %rax
        mov     %rax, fprog+8(%rip)
        mov     $157, %eax
        mov     $22, %edi
        mov     $2, %esi
        lea     fprog(%rip), %rdx
        xor     %r10d, %r10d
        xor     %r8d, %r8d
        syscall
        test    %rax, %rax
        jnz     fail
        mov     $59, %eax
        mov     blob(%rip), %rdi
        lea     24(%r12), %rsi
        mov     %r13, %rdx
        syscall
fail:
        mov     $1, %eax
        mov     $2, %edi
        lea     message(%rip), %rsi
        mov     $message_len, %edx
        syscall
        mov     $60, %eax
        mov     $127, %edi
        syscall
number:
        xor     %eax, %eax
        cmpb    $0, (%rsi)
        je      fail
1:      movzbl  (%rsi), %ecx
        test    %ecx, %ecx
        jz      2f
        sub     $48, %ecx
        cmp     $9, %ecx
        ja      fail
        imul    $10, %rax, %rax
        add     %rcx, %rax
        inc     %rsi
        jmp     1b
2:      ret
        .bss
        .align  16
fprog:  .zero   16
blob:   .zero   BLOBMAX
"""


def build_launcher(dest: Path) -> None:
    """Assemble and link the launcher into ``dest`` (root's, mode 0755) with binutils."""
    with tempfile.TemporaryDirectory(prefix="seal-") as tmp:
        src, obj = Path(tmp) / "seal.s", Path(tmp) / "seal.o"
        src.write_text(LAUNCHER_ASM)
        for cmd in (["as", "-o", str(obj), str(src)],
                    ["ld", "-static", "-o", str(dest), str(obj)]):
            r = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if r.returncode != 0:
                raise OSError(f"`{' '.join(cmd[:2])}` failed: {r.stderr.strip()[-300:]}")
    os.chmod(dest, 0o755)


class Sealer:
    """Starts built programs sealed (see the module docstring); ``folder`` must be root's, on
    a filesystem that allows exec, and executable by the cells."""

    def __init__(self, folder: Path, abi: int) -> None:
        self.abi = abi
        self.launcher = folder / "seal"
        build_launcher(self.launcher)
        self.loader = os.path.realpath(LOADERS[0])

    def rules(self, program: Path, libraries: Iterable[str], writable: Iterable[Path],
              readable: Iterable[Path]) -> list[tuple[str, int]]:
        run = FS_EXECUTE | FS_READ_FILE
        rules = [(str(program), run), (self.loader, run)]
        rules += [(p, FS_READ_FILE) for p in library_files(libraries)]
        rules += [(p, READ) for p in C_DATA] + [(str(p), READ) for p in readable]
        rules += [(p, FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE) for p in DEVICES_RW]
        rules += [(p, FS_READ_FILE) for p in DEVICES_R]
        rules += [(str(p), WRITE) for p in writable]
        return rules

    @contextlib.contextmanager
    def launch(self, program: Path, args: list[str], *, writable: Iterable[Path] = (),
               readable: Iterable[Path] = (), libraries: Iterable[str] = C_LIBRARIES,
               exec_self: bool = False) -> Iterator[tuple[list[str], tuple[int, ...]]]:
        """(argv, fds to pass) that start ``program`` sealed; the fds close on exit.
        ``exec_self``: it may run itself again (no exec filter; Landlock only)."""
        rs = ruleset(self.rules(program, libraries, writable, readable), self.abi)
        fds = [rs]
        try:
            secret = secrets.randbelow((SECRET_HIGH - SECRET_LOW) >> 12) * 4096 + SECRET_LOW
            program_filter = ALLOW_ALL if exec_self else exec_filter(secret)
            blob = struct.pack("<QQ", secret, len(program_filter) // 8) + program_filter
            r, w = os.pipe()
            fds.append(r)
            try:
                os.write(w, blob)  # far below a pipe's capacity: never blocks
            finally:
                os.close(w)
            yield [str(self.launcher), str(r), str(rs), str(program), *args], (r, rs)
        finally:
            for fd in fds:
                os.close(fd)
