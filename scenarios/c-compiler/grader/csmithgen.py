"""The c-compiler scenario's fuzz programs: the toy generator for tier 1, Csmith above it.

python3 stdlib only, in the grader (``fuzz.py`` calls ``make``). Program ``i`` of an evaluation
is drawn at tier ``ORDER[i % 4]``, so every evaluation tries every level:

- ``t1``: a toy-subset program (``toygen.py``, the toy C compiler's generator);
- ``t2``: Csmith without pointers, structs, unions, bit-fields or floats, *hermetic*: its
  runtime header preprocessed in (with plain declarations for the C library: no directive,
  no system header, no GNU extension), so a compiler of tier 2 (no preprocessor yet) can take
  it; Csmith's floating-point helpers, unused there, are left out;
- ``t3``: with pointers, structs and unions, as Csmith writes it (``#include "csmith.h"``,
  built with ``-I`` to Csmith's headers: the preprocessor and glibc's headers too);
- ``t4``: everything Csmith has (bit-fields, packed structs, floats).

Csmith's safe math keeps the programs free of undefined behaviour; ``fuzz.py`` still discards
(and replaces) any program gcc ``-O0`` and ``-O2`` disagree on or that runs too long. The
headers come from Debian's ``libcsmith-dev`` (installed by the grader image's ``setup``).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from fuzz import Case, gcc_command
from toygen import ToyPrograms

HEADERS = Path("/usr/include/csmith")
ORDER = ("t1", "t2", "t3", "t4")
SMALL = ["--no-argc", "--max-funcs", "4", "--max-block-depth", "3", "--max-block-size", "3",
         "--max-expr-complexity", "6", "--max-array-dim", "2", "--concise"]
FLAGS = {
    "t2": [*SMALL, "--no-pointers", "--no-structs", "--no-unions", "--no-bitfields",
           "--no-packed-struct", "--no-volatile-pointers", "--no-const-pointers"],
    "t3": [*SMALL, "--no-bitfields", "--no-packed-struct"],
    "t4": [*SMALL, "--float"],
}
# Plain declarations standing in for the C library's headers in a hermetic (t2) program.
STUBS = {
    "stdint.h": "".join(f"typedef {c} {t};\n" for t, c in (
        ("int8_t", "signed char"), ("int16_t", "short"), ("int32_t", "int"),
        ("int64_t", "long"), ("uint8_t", "unsigned char"), ("uint16_t", "unsigned short"),
        ("uint32_t", "unsigned int"), ("uint64_t", "unsigned long"))) +
    "#define INT8_MIN (-128)\n#define INT8_MAX 127\n#define INT16_MIN (-32767-1)\n"
    "#define INT16_MAX 32767\n#define INT32_MIN (-2147483647-1)\n#define INT32_MAX 2147483647\n"
    "#define INT64_MIN (-9223372036854775807L-1)\n#define INT64_MAX 9223372036854775807L\n"
    "#define UINT8_MAX 255\n#define UINT16_MAX 65535\n#define UINT32_MAX 4294967295U\n"
    "#define UINT64_MAX 18446744073709551615UL\n",
    "limits.h": "#define CHAR_BIT 8\n#define SCHAR_MIN (-128)\n#define SCHAR_MAX 127\n"
    "#define UCHAR_MAX 255\n#define CHAR_MIN (-128)\n#define CHAR_MAX 127\n"
    "#define SHRT_MIN (-32767-1)\n#define SHRT_MAX 32767\n#define USHRT_MAX 65535\n"
    "#define INT_MIN (-2147483647-1)\n#define INT_MAX 2147483647\n#define UINT_MAX 4294967295U\n"
    "#define LONG_MIN (-9223372036854775807L-1)\n#define LONG_MAX 9223372036854775807L\n"
    "#define ULONG_MAX 18446744073709551615UL\n",
    "stdio.h": "int printf(const char *format, ...);\n",
    "string.h": "int strcmp(const char *a, const char *b);\n",
    "assert.h": "#define assert(e) ((void)0)\n",
    "float.h": "", "math.h": "",
}
FLOAT_HELPER = re.compile(r"^static (?:float|double)\n\(safe_\w+\)\([^)]*\)\n\{\n.*?^\}\n",
                          re.M | re.S)
# What a Csmith program uses, as its text shows it (the agreement by feature).
CONSTRUCTS = {
    "pointers": re.compile(r"\b(?:u?int\d+_t|struct S\d+|union U\d+)"
                           r"(?:\s+(?:const|volatile))*\s*\*"),
    "structs": re.compile(r"\bstruct S\d"), "unions": re.compile(r"\bunion U\d"),
    "bitfields": re.compile(r"^\s+(?:const\s+|volatile\s+)*(?:un)?signed f\d+ : \d+;", re.M),
    "packed": re.compile(r"#pragma pack"), "floats": re.compile(r"\b(?:float|double) [lg]_"),
    "goto": re.compile(r"\bgoto\b"), "volatile": re.compile(r"\bvolatile\b"),
    "64-bit": re.compile(r"\bu?int64_t [lg]_"), "arrays": re.compile(r"[lg]_\d+\[\d+\]"),
    "loops": re.compile(r"\bfor \("), "comma": re.compile(r"\), \("),
}


class CsmithError(RuntimeError):
    """Csmith or the preprocessor failed (the program is discarded and replaced)."""


def csmith(seed: int, tier: str, headers: Path = HEADERS) -> str:
    """Csmith's program for ``seed`` at ``tier`` (hermetic at t2)."""
    with tempfile.TemporaryDirectory(prefix="csmith-") as tmp:
        out = Path(tmp) / "p.c"
        # a relative -o: Csmith writes its options into the program's first line, and the
        # same seed must give the same text anywhere
        r = subprocess.run(["csmith", "--seed", str(seed % 2**32), *FLAGS[tier], "-o", "p.c"],
                           capture_output=True, text=True, timeout=60, check=False, cwd=tmp)
        if r.returncode != 0 or not out.is_file():
            raise CsmithError(f"csmith failed: {r.stderr.strip()[-300:]}")
        if tier != "t2":
            return out.read_text()
        stubs = Path(tmp) / "stubs"
        stubs.mkdir()
        for name, text in STUBS.items():
            (stubs / name).write_text(text)
        pre = Path(tmp) / "p.i"
        r = subprocess.run([*gcc_command(), "-E", "-P", "-nostdinc", "-I", str(stubs), "-I",
                            str(headers), str(out), "-o", str(pre)],
                           capture_output=True, text=True, timeout=60, check=False,
                           env={"PATH": "/usr/bin:/bin", "TMPDIR": tmp})
        if r.returncode != 0:
            raise CsmithError(f"preprocessing failed: {r.stderr.strip()[-300:]}")
        return FLOAT_HELPER.sub("", pre.read_text())


def constructs(source: str) -> tuple[str, ...]:
    return tuple(sorted(name for name, pat in CONSTRUCTS.items() if pat.search(source)))


class CsmithPrograms:
    """``fuzz.Source``: the c-compiler's programs, tier by tier (module docstring)."""

    def __init__(self, headers: Path = HEADERS) -> None:
        self.headers = headers
        self.toy = ToyPrograms("t1")

    def make(self, seed: int, index: int) -> Case:
        tier = ORDER[index % len(ORDER)]
        if tier == "t1":
            return self.toy.make(seed, index)
        source = csmith(seed, tier, self.headers)
        # -lm: Csmith's unused float helpers call fabs (which gcc makes a builtin)
        flags = () if tier == "t2" else ("-I", str(self.headers), "-lm")
        return Case(index, seed, tier, source, constructs(source), flags)
