"""A small interpreter of the toy C subset's first eight stages (one `main`, `int` locals,
expressions, if/while/for/do, blocks): the engine of the interpreter cheats in cheats.py.

It is what an agent could write in an hour instead of a compiler: `compile` wraps it (or its
result) into the "binary". Run as ``python3 cinterp.py FILE.c``: prints the program's output,
exits with its exit code.
"""

from __future__ import annotations

import re
import sys

TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_]\w*)|('(?:\\.|[^'])')|"
                   r"(<<=|>>=|\+\+|--|&&|\|\||[-+*/%&|^<>=!]=|<<|>>|[-+*/%&|^<>=!~?:;,(){}]))")


def tokens(src: str) -> list[str]:
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    out, pos = [], 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m:
            if src[pos:].strip() == "":
                break
            raise SyntaxError(f"bad character at {pos}")
        pos = m.end()
        num, name, char, op = m.groups()
        if num:
            octal = num[0] == "0" and num[1:2].isdigit()
            out.append(str(int(num, 8) if octal else int(num, 0)))
        elif char:
            out.append(str(ord(char[1:-1].encode().decode("unicode_escape"))))
        else:
            out.append(name or op)
    return out


def wrap(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class Return(Exception):
    pass


class Break(Exception):
    pass


class Continue(Exception):
    pass


BINARY = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="],
          ["<<", ">>"], ["+", "-"], ["*", "/", "%"]]
TYPES = {"int", "long", "char", "short", "unsigned", "signed"}
ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^="}


def arith(op: str, a: int, b: int) -> int:
    if op in ("/", "%"):
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        return wrap(q if op == "/" else a - q * b)
    return wrap({"+": a + b, "-": a - b, "*": a * b, "<<": a << (b & 31), ">>": a >> (b & 31),
                 "&": a & b, "|": a | b, "^": a ^ b, "<": a < b, "<=": a <= b, ">": a > b,
                 ">=": a >= b, "==": a == b, "!=": a != b}[op])


class Interp:
    def __init__(self, src: str) -> None:
        self.t = tokens(src)
        self.i = 0
        self.scopes: list[dict[str, int]] = [{}]

    def peek(self, k: int = 0) -> str:
        return self.t[self.i + k] if self.i + k < len(self.t) else ""

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if want is not None and tok != want:
            raise SyntaxError(f"expected {want!r}, got {tok!r}")
        self.i += 1
        return tok

    def lookup(self, name: str) -> dict[str, int]:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope
        raise NameError(name)

    def run(self) -> int:
        self.take("int")
        self.take("main")
        self.take("(")
        while self.take() != ")":
            pass
        try:
            self.block(True)
        except Return as r:
            return int(r.args[0])
        return 0

    # statements: run=False parses without effect (to skip branches and loop bodies)
    def block(self, run: bool) -> None:
        self.take("{")
        self.scopes.append({})
        try:
            while self.peek() != "}":
                self.stmt(run)
        finally:
            self.scopes.pop()
        self.take("}")

    def stmt(self, run: bool) -> None:
        tok = self.peek()
        if tok == "{":
            self.block(run)
        elif tok == ";":
            self.take()
        elif tok in TYPES:
            while self.peek() in TYPES:
                self.take()
            while True:
                name = self.take()
                value = 0
                if self.peek() == "=":
                    self.take()
                    value = self.assign(run)
                if run:
                    self.scopes[-1][name] = value
                if self.take() == ";":
                    break
        elif tok == "return":
            self.take()
            value = self.expr(run)
            self.take(";")
            if run:
                raise Return(value)
        elif tok == "if":
            self.take()
            self.take("(")
            cond = self.expr(run)
            self.take(")")
            self.stmt(run and cond != 0)
            if self.peek() == "else":
                self.take()
                self.stmt(run and cond == 0)
        elif tok in ("while", "for", "do"):
            self.loop(run)
        elif tok in ("break", "continue"):
            self.take()
            self.take(";")
            if run:
                raise Break() if tok == "break" else Continue()
        else:
            self.expr(run)
            self.take(";")

    def loop(self, run: bool) -> None:
        kind = self.take()
        self.scopes.append({})
        try:
            if kind == "for":
                self.take("(")
                if self.peek() in TYPES:
                    self.stmt(run)
                else:
                    if self.peek() != ";":
                        self.expr(run)
                    self.take(";")
            start = self.i
            while True:
                self.i = start
                if kind == "do":
                    body_ok = self.body(run)
                    self.take("while")
                    self.take("(")
                    go = self.expr(run) != 0
                    self.take(")")
                    self.take(";")
                    if not (run and body_ok and go):
                        return
                    continue
                self.take("(") if kind == "while" else None
                go = True if self.peek() in (";", ")") else self.expr(run) != 0
                self.take(";" if kind == "for" else ")")
                step = self.i
                if kind == "for":
                    depth = 0
                    while depth or self.peek() != ")":
                        depth += {"(": 1, ")": -1}.get(self.take(), 0)
                    self.take(")")
                body_ok = self.body(run and go)
                if not (run and go and body_ok):
                    return
                if kind == "for" and self.t[step] != ")":
                    after = self.i
                    self.i = step
                    self.expr(True)
                    self.i = after
        finally:
            self.scopes.pop()

    def body(self, run: bool) -> bool:
        """Run a loop body; False when it broke out."""
        start = self.i
        try:
            self.stmt(run)
        except Break:
            self.i = start
            self.stmt(False)
            return False
        except Continue:
            self.i = start
            self.stmt(False)
        return True

    # expressions
    def expr(self, run: bool) -> int:
        value = self.assign(run)
        while self.peek() == ",":
            self.take()
            value = self.assign(run)
        return value

    def assign(self, run: bool) -> int:
        if re.match(r"[A-Za-z_]", self.peek()) and self.peek(1) in ASSIGN:
            name, op = self.take(), self.take()
            value = self.assign(run)
            if not run:
                return 0
            scope = self.lookup(name)
            scope[name] = value if op == "=" else arith(op[:-1], scope[name], value)
            return scope[name]
        cond = self.binary(0, run)
        if self.peek() != "?":
            return cond
        self.take()
        a = self.expr(run and cond != 0)
        self.take(":")
        b = self.assign(run and cond == 0)
        return a if cond else b

    def binary(self, level: int, run: bool) -> int:
        if level == len(BINARY):
            return self.unary(run)
        left = self.binary(level + 1, run)
        while self.peek() in BINARY[level]:
            op = self.take()
            if op in ("&&", "||"):
                need = run and ((left != 0) if op == "&&" else (left == 0))
                right = self.binary(level + 1, need)
                left = int(bool(left) and bool(right)) if op == "&&" else \
                    int(bool(left) or bool(right))
            else:
                right = self.binary(level + 1, run)
                left = arith(op, left, right) if run and not (op in "/%" and right == 0) else 0
        return left

    def unary(self, run: bool) -> int:
        tok = self.peek()
        if tok in ("-", "+", "!", "~"):
            self.take()
            v = self.unary(run)
            return wrap({"-": -v, "+": v, "!": int(v == 0), "~": ~v}[tok])
        if tok in ("++", "--"):
            self.take()
            name = self.take()
            if not run:
                return 0
            scope = self.lookup(name)
            scope[name] = wrap(scope[name] + (1 if tok == "++" else -1))
            return scope[name]
        return self.postfix(run)

    def postfix(self, run: bool) -> int:
        tok = self.take()
        if tok == "(":
            v = self.expr(run)
            self.take(")")
            return v
        if tok.isdigit():
            return wrap(int(tok))
        if self.peek() in ("++", "--"):
            op = self.take()
            if not run:
                return 0
            scope = self.lookup(tok)
            old = scope[tok]
            scope[tok] = wrap(old + (1 if op == "++" else -1))
            return old
        return self.lookup(tok)[tok] if run else 0


def evaluate(src: str) -> tuple[str, int]:
    """(stdout, exit code) of a program of the subset."""
    return "", Interp(src).run() & 0xFF


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    with open(sys.argv[1]) as fh:
        out, code = evaluate(fh.read())
    sys.stdout.write(out)
    sys.exit(code)
