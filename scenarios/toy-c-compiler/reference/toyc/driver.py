"""Command-line driver: ./compile input.c -o output [-S] [--eval-order default|ltr|rtl]."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from .codegen import CodeGen
from .lexer import CompileError, tokenize
from .parser import Parser

ORDERS = ("default", "ltr", "rtl")


def compile_to_asm(src: str, order: str = "default") -> str:
    prog = Parser(tokenize(src)).parse_program()
    return CodeGen(prog, order).generate()


def assemble_and_link(asm: str, output: str) -> int:
    """Assemble + link with the gcc driver (needs only `as`/`ld`, not cc1)."""
    with tempfile.TemporaryDirectory(prefix="toyc-") as tmp:
        s_path = os.path.join(tmp, "out.s")
        with open(s_path, "w") as fh:
            fh.write(asm)
        proc = subprocess.run(
            ["gcc", "-x", "assembler", s_path, "-o", output],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout)
        return proc.returncode


def main(argv: list[str]) -> int:
    args = list(argv)
    output, asm_only, inputs, order = "a.out", False, [], "default"
    i = 0
    while i < len(args):
        if args[i] in ("-o", "--eval-order") and i + 1 < len(args):
            if args[i] == "-o":
                output = args[i + 1]
            else:
                order = args[i + 1]
            i += 2
            continue
        if args[i] == "-S":
            asm_only = True
        else:
            inputs.append(args[i])
        i += 1
    if len(inputs) != 1 or order not in ORDERS:
        print("usage: compile input.c -o output [-S] [--eval-order default|ltr|rtl]",
              file=sys.stderr)
        return 2
    try:
        with open(inputs[0], encoding="utf-8", errors="replace") as fh:
            src = fh.read()
        asm = compile_to_asm(src, order)
    except CompileError as exc:
        print(f"{inputs[0]}: error: {exc}", file=sys.stderr)
        return 1
    except RecursionError:
        print(f"{inputs[0]}: error: program too deeply nested", file=sys.stderr)
        return 1
    if asm_only:  # -S: write the assembly instead of a binary (stdout without -o)
        if output == "a.out":
            sys.stdout.write(asm)
        else:
            with open(output, "w") as fh:
                fh.write(asm)
        return 0
    return 1 if assemble_and_link(asm, output) else 0
