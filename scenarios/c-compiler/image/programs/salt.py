"""Tier 5's salt: code only a compiler of the salted source can produce (python3 stdlib only).

Each grading appends to every C file it gives the candidate a function with a random name,
random constants and a randomly drawn shape (a loop over expressions of ``unsigned long``
arithmetic, shifts, rotations, comparisons and an array), and knows what it returns for a
random argument. After the build, the grader links a checker it assembled itself (``as``,
``ld``: no C compiler) with the candidate's objects, runs it sealed, and compares: an object
made from anything but the salted source (say, a cache of gcc's objects of the same files with
the salt's text added to them) fails.

    python3 salt.py SEED FILE   # print the salt function of FILE for SEED (for a look)
"""

from __future__ import annotations

import random
import struct
import sys
from dataclasses import dataclass

MASK = (1 << 64) - 1
ENTRY = "_ultrarun_check"


@dataclass(frozen=True)
class Expr:
    """A node: ``op`` over ``args`` (an op "v" is a variable, "k" a constant)."""

    op: str
    args: tuple = ()

    def c(self, names: dict[str, str]) -> str:
        a = self.args
        if self.op == "v":
            return names[a[0]]
        if self.op == "k":
            return f"0x{a[0]:x}UL"
        if self.op == "t":  # the array, indexed by the loop counter
            return f"{names['t']}[{names['i']} & 3]"
        if self.op == "rot":
            x, s = a[0].c(names), a[1]
            return f"(({x} << {s}) | ({x} >> {64 - s}))"
        if self.op in ("<<", ">>"):
            return f"({a[0].c(names)} {self.op} {a[1]})"
        if self.op == "?":
            return f"({a[0].c(names)} > {a[1].c(names)} ? {a[2].c(names)} : {a[3].c(names)})"
        return f"({a[0].c(names)} {self.op} {a[1].c(names)})"

    def eval(self, env: dict[str, int]) -> int:
        a = self.args
        if self.op == "v":
            return env[a[0]]
        if self.op == "k":
            return int(a[0])
        if self.op == "t":
            return env["t"][env["i"] & 3]  # type: ignore[index]
        if self.op == "rot":
            x, s = a[0].eval(env), a[1]
            return ((x << s) | (x >> (64 - s))) & MASK
        if self.op == "<<":
            return (a[0].eval(env) << a[1]) & MASK
        if self.op == ">>":
            return a[0].eval(env) >> a[1]
        if self.op == "?":
            return a[2].eval(env) if a[0].eval(env) > a[1].eval(env) else a[3].eval(env)
        x, y = a[0].eval(env), a[1].eval(env)
        return {"+": x + y, "-": x - y, "*": x * y, "^": x ^ y, "&": x & y, "|": x | y
                }[self.op] & MASK


def _expr(rng: random.Random, depth: int) -> Expr:
    if depth == 0 or rng.random() < 0.2:
        kind = rng.choice(["a", "b", "k", "t"])
        if kind == "k":
            return Expr("k", (rng.getrandbits(64),))
        return Expr("t") if kind == "t" else Expr("v", (kind,))
    op = rng.choice(["+", "-", "*", "^", "&", "|", "rot", "<<", ">>", "?"])
    if op in ("rot", "<<", ">>"):
        return Expr(op, (_expr(rng, depth - 1), rng.randrange(1, 64)))
    if op == "?":
        return Expr(op, tuple(_expr(rng, depth - 1) for _ in range(4)))
    return Expr(op, (_expr(rng, depth - 1), _expr(rng, depth - 1)))


@dataclass(frozen=True)
class SaltFunction:
    """One file's salt: its C text and what it returns for the grader's argument."""

    name: str
    source: str
    arg: int
    value: int


def salt_function(seed: str, path: str) -> SaltFunction:
    """The salt function of the file ``path`` (relative to the project) for grading ``seed``."""
    rng = random.Random(f"{seed}:{path}")
    name = f"ultrarun_{rng.getrandbits(64):016x}"
    n = {k: f"{name}_{k}" for k in ("a", "b", "t", "i")}
    table = [rng.getrandbits(64) for _ in range(4)]
    b0 = rng.getrandbits(64)
    rounds = rng.randrange(3, 9)
    step_b, step_a = _expr(rng, 3), _expr(rng, 2)
    result = _expr(rng, 2)
    arg = rng.getrandbits(64)
    env: dict = {"a": arg, "b": b0, "t": table, "i": 0}
    for i in range(rounds):
        env["i"] = i
        env["b"] = step_b.eval(env)
        env["a"] = step_a.eval(env)
    value = result.eval({**env, "i": rounds})
    source = (
        f"\nunsigned long {name}(unsigned long {n['a']});\n"
        f"unsigned long {name}(unsigned long {n['a']}) {{\n"
        f"    unsigned long {n['b']} = 0x{b0:x}UL;\n"
        f"    unsigned long {n['t']}[4] = {{{', '.join(f'0x{k:x}UL' for k in table)}}};\n"
        f"    int {n['i']};\n"
        f"    for ({n['i']} = 0; {n['i']} < {rounds}; {n['i']}++) {{\n"
        f"        {n['b']} = {step_b.c(n)};\n"
        f"        {n['a']} = {step_a.c(n)};\n"
        f"    }}\n"
        f"    return {result.c(n)};\n"
        f"}}\n")
    return SaltFunction(name, source, arg, value)


def checker_asm(functions: list[SaltFunction]) -> str:
    """A program (entry ``ENTRY``) that calls each function with its argument and writes the
    results to stdout, 8 bytes each, little-endian; then exits 0."""
    lines = ["        .text", f"        .globl {ENTRY}", f"{ENTRY}:",
             "        andq    $-16, %rsp"]
    for k, f in enumerate(functions):
        lines += [f"        movabsq ${f.arg}, %rdi", f"        call    {f.name}",
                  f"        movq    %rax, results+{8 * k}(%rip)"]
    lines += ["        movl    $1, %eax", "        movl    $1, %edi",
              "        leaq    results(%rip), %rsi", f"        movl    ${8 * len(functions)}, %edx",
              "        syscall", "        movl    $60, %eax", "        xorl    %edi, %edi",
              "        syscall", "        .bss", "        .align  8",
              f"results: .zero   {max(8, 8 * len(functions))}",
              '        .section .note.GNU-stack,"",@progbits', ""]
    return "\n".join(lines)


def expected_output(functions: list[SaltFunction]) -> bytes:
    return b"".join(struct.pack("<Q", f.value) for f in functions)


def wrong_results(functions: list[SaltFunction], output: bytes) -> list[str]:
    """The functions whose result the checker printed wrongly (all of them if it printed
    nothing or too little)."""
    got = [struct.unpack_from("<Q", output, 8 * k)[0] if len(output) >= 8 * (k + 1) else None
           for k in range(len(functions))]
    return [f.name for f, g in zip(functions, got, strict=True) if g != f.value]


# ------------------------------------------------------------------ reading ELF files


def _sections(data: bytes) -> list[tuple[str, int, int, int, int, int]]:
    """``[(name, type, offset, size, link, entsize)]`` of an ELF64 LE file ([] if not one)."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
    raw = []
    for i in range(min(shnum, 65536)):
        at = shoff + i * shentsize
        if shentsize < 64 or at + 64 > len(data):
            return []
        name, typ, _fl, _addr, off, size, link, _info, _al, ent = struct.unpack_from(
            "<IIQQQQIIQQ", data, at)
        raw.append((name, typ, off, size, link, ent))
    if not raw or shstrndx >= len(raw):
        return []
    names_off = raw[shstrndx][2]

    def name_of(at: int) -> str:
        end = data.find(b"\0", names_off + at)
        return data[names_off + at:end].decode("utf-8", "replace")

    return [(name_of(n), t, o, s, lk, e) for n, t, o, s, lk, e in raw]


def comment(data: bytes) -> str:
    """The ``.comment`` section of an ELF file (the compilers that made it say their name)."""
    for name, _typ, off, size, _link, _ent in _sections(data):
        if name == ".comment":
            return data[off:off + min(size, 4096)].replace(b"\0", b" ").decode(
                "utf-8", "replace").strip()
    return ""


if __name__ == "__main__":
    f = salt_function(sys.argv[1], sys.argv[2])
    print(f.source)
    print(f"/* {f.name}(0x{f.arg:x}) == 0x{f.value:x} */")
