"""Kernel mechanisms the jail is made of (python3 stdlib, Linux x86-64): reading ELF files,
Landlock rulesets, seccomp filters. Policy (what is allowed) lives in ``jail.py`` (cells and
the grader's own confinement) and ``sealed.py`` (how a built program runs)."""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import stat
import struct
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------- ELF files

ELF_MAGIC = b"\x7fELF"
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PF_X, PF_W = 1, 2
ET_EXEC, ET_DYN = 2, 3
EM_X86_64 = 62
DT_NULL, DT_NEEDED, DT_STRTAB = 0, 1, 5
# Other entries that make the loader open a library: filters and audit libraries.
DT_LOADS = {DT_NEEDED, 0x7FFFFFFD, 0x7FFFFFFF, 0x6FFFFEFB, 0x6FFFFEFC}
MAX_PHNUM = 512
MAX_DYNAMIC = 4096


@dataclass(frozen=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int


def elf_segments(data: bytes | mmap.mmap) -> list[Segment]:
    """The program headers of a 64-bit little-endian ELF file; [] if it is not one."""
    if len(data) < 64 or data[:4] != ELF_MAGIC or data[4] != 2 or data[5] != 1:
        return []
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = []
    for i in range(min(phnum, MAX_PHNUM)):
        at = phoff + i * phentsize
        if phentsize < 56 or at + 56 > len(data):
            break
        p_type, p_flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from("<IIQQQQ",
                                                                                 data, at)
        out.append(Segment(p_type, p_flags, p_offset, p_vaddr, p_filesz))
    return out


def elf_problem(data: bytes | mmap.mmap) -> str | None:
    """Why an ELF file may not run in a cell (a loadable segment both writable and executable)."""
    for i, s in enumerate(elf_segments(data)):
        if s.type == PT_LOAD and s.flags & PF_W and s.flags & PF_X:
            return f"ELF segment {i} is both writable and executable"
    return None


@dataclass
class Executable:
    """What an x86-64 ELF executable asks of the system: its loader and its libraries."""

    type: int
    machine: int
    interpreter: str | None
    needed: list[str] = field(default_factory=list)


def _cstr(data: bytes, at: int, limit: int = 4096) -> str:
    end = data.find(b"\0", at, at + limit)
    return data[at:end if end >= 0 else at + limit].decode("utf-8", "replace")


def read_executable(data: bytes) -> Executable | None:
    """The loader (``PT_INTERP``) and libraries (``DT_NEEDED``, filters, audit libraries) of
    an ELF64 LE file; None if
    the file is not one. Offsets outside the file are ignored (the kernel would refuse it)."""
    segments = elf_segments(data)
    if not segments:
        return None
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    exe = Executable(e_type, e_machine, None)
    loads = [s for s in segments if s.type == PT_LOAD]

    def offset_of(vaddr: int) -> int | None:
        for s in loads:
            if s.vaddr <= vaddr < s.vaddr + s.filesz:
                return s.offset + vaddr - s.vaddr
        return None

    for s in segments:
        if s.type == PT_INTERP and s.offset < len(data):
            exe.interpreter = _cstr(data, s.offset, min(s.filesz, 4096))
    dynamic = next((s for s in segments if s.type == PT_DYNAMIC), None)
    if dynamic is None:
        return exe
    strtab = None
    needed: list[int] = []
    for i in range(min(dynamic.filesz // 16, MAX_DYNAMIC)):
        at = dynamic.offset + 16 * i
        if at + 16 > len(data):
            break
        tag, val = struct.unpack_from("<qQ", data, at)
        if tag == DT_NULL:
            break
        if tag in DT_LOADS:
            needed.append(val)
        elif tag == DT_STRTAB:
            strtab = offset_of(val)
    if needed and strtab is None:
        exe.needed = ["(a library name the grader cannot read)"]
        return exe
    for off in needed:
        at = (strtab or 0) + off
        exe.needed.append(_cstr(data, at) if at < len(data) else "(unreadable)")
    return exe


# ------------------------------------------------------------------------------- Landlock

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE

READ = FS_READ_FILE | FS_READ_DIR
RUN = READ | FS_EXECUTE
WRITE = (READ | FS_WRITE_FILE | FS_TRUNCATE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR
         | FS_MAKE_REG | FS_MAKE_SYM | FS_MAKE_FIFO | FS_MAKE_SOCK | FS_REFER)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 when Landlock is unavailable)."""
    r = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                      ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(r), 0)


def _handled(abi: int) -> int:
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    return handled


def ruleset(rules: list[tuple[str, int]], abi: int) -> int:
    """A Landlock ruleset fd granting ``rules`` (path, rights) and denying everything else.

    A rule on a file (not a folder) keeps only the rights a file can have; paths that do not
    exist are skipped. Links are followed: every path here is the grader's, never the
    candidate's."""
    handled = _handled(abi)
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("<QQQ", handled, 0, scoped)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    fd = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, ctypes.c_size_t(size),
                       ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, rights in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if not stat.S_ISDIR(os.fstat(pfd).st_mode):
                    rights &= FILE_RIGHTS
                beneath = struct.pack("<Qi", rights & handled, pfd)
                if _libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(fd),
                                 ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), beneath,
                                 ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(pfd)
    except BaseException:
        os.close(fd)
        raise
    return int(fd)


def landlock_restrict_self(ruleset_fd: int) -> None:
    if _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset_fd),
                     ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")


# -------------------------------------------------------------------------------- seccomp

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | errno.EPERM
RET_KILL_PROCESS = 0x80000000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
SECCOMP_NR, SECCOMP_ARCH = 0, 4  # offsets in struct seccomp_data


def bpf(program: list[tuple]) -> bytes:
    """Assemble a tiny BPF program: ops are (code, k) / (code, k, true_label, false_label) /
    ("label", name); jump targets are labels or None (next instruction)."""
    labels, pc = {}, 0
    for op in program:
        if op[0] == "label":
            labels[op[1]] = pc
        else:
            pc += 1
    out, pc = b"", 0
    for op in program:
        if op[0] == "label":
            continue
        code, k = op[0], op[1]
        jt = jf = 0
        if len(op) == 4:
            jt = 0 if op[2] is None else labels[op[2]] - pc - 1
            jf = 0 if op[3] is None else labels[op[3]] - pc - 1
        out += struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)
        pc += 1
    return out


def arg_low(i: int) -> int:
    """Offset of the low 32 bits of args[i] in struct seccomp_data (little-endian)."""
    return 16 + 8 * i


def arg_high(i: int) -> int:
    return 20 + 8 * i


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def no_new_privs() -> None:
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0),
                   ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")


def install_filter(program: bytes) -> None:
    """Lay a seccomp filter on this process (and all it starts); needs no_new_privs()."""
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buf))
    if _libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog),
                   ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")
