"""Expressions of the toy generator (``toygen.py``): values with the intervals they lie in.

python3 stdlib only. ``Exprs`` builds expressions free of side effects whose value is known to
lie in an interval, narrowing operands (``e & mask``, ``e % p``, ``e / d``) wherever an
operation could overflow; ``toygen.Gen`` builds statements and functions on it. The rules
that keep the programs free of undefined behaviour are listed in ``toygen.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# What a program may use beyond its base (int locals, + - *, printf, main); each is switched on
# per program with even odds, so that agreement can be read by feature.
FEATURES = ("div", "mod", "bits", "shift", "compare", "logic", "ternary", "if", "loops",
            "break", "incdec", "compound", "blocks", "functions", "args7", "recursion",
            "globals", "statics", "pointers", "arrays", "structs", "switch", "chars", "types",
            "long")
PRINTABLE = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,:;!?"  # in strings and char constants
LIMIT = {"int": 2**31 - 1, "long": 2**63 - 1}  # a value in -LIMIT..LIMIT never overflows
RANGE = {"char": (-128, 127), "short": (-32768, 32767), "int": (-32768, 32767),
         "long": (-2**31, 2**31 - 1)}  # what a variable of each type always holds


def fits(lo: int, hi: int, ctype: str) -> bool:
    return -LIMIT[ctype] <= lo <= hi <= LIMIT[ctype]


@dataclass(frozen=True)
class Val:
    """An expression without side effects, and the interval its value lies in."""

    text: str
    lo: int
    hi: int
    ctype: str = "int"  # after the usual promotions: int or long
    nonzero: bool = False

    def __post_init__(self) -> None:
        if not fits(self.lo, self.hi, self.ctype):
            raise AssertionError(f"{self.text}: {self.lo}..{self.hi} overflows {self.ctype}")


@dataclass(frozen=True)
class Place:
    """An lvalue; it always holds a value in its type's ``RANGE``."""

    text: str
    ctype: str

    def read(self) -> Val:
        lo, hi = RANGE[self.ctype]
        return Val(self.text, lo, hi, "long" if self.ctype == "long" else "int")


@dataclass
class Var:
    """A name in scope: a scalar, an array (``dims``), a struct (``stype``), or a pointer
    (``ptr``: to a "scalar", to the first of ``dims[0]`` elements ("array"), a "struct")."""

    name: str
    ctype: str = "int"
    dims: tuple[int, ...] = ()
    stype: str | None = None
    ptr: str | None = None
    counter: tuple[int, int] | None = None  # a read-only loop counter and its interval
    tname: str = ""  # the type's name in declarations (a typedef), default ``ctype``

    @property
    def scalar(self) -> bool:
        return not self.dims and self.ptr is None and self.stype is None \
            and self.counter is None


@dataclass
class Struct:
    name: str
    fields: list[tuple[str, str]]  # (name, scalar type)
    array: int = 0  # length of its int array member ``v`` (0: none)
    inner: str | None = None  # the struct type of its member ``in``


@dataclass
class Func:
    name: str
    ret: str  # int, long or void
    params: list[Var]
    cost: int
    bounds: dict[int, int] = field(default_factory=dict)  # param index -> bits it takes


def promote(*ctypes: str) -> str:
    return "long" if "long" in ctypes else "int"


def bits_for(lo: int, hi: int) -> int:
    """The smallest k with lo..hi inside -2^k..2^k-1."""
    return max(hi.bit_length(), (-lo - 1).bit_length() if lo < 0 else 0)


@dataclass
class Exprs:
    """Writes expressions over the variables in scope (``scopes``), for ``toygen.Gen``."""

    rng: random.Random
    enabled: set[str]
    used: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    scopes: list[list[Var]] = field(default_factory=list)
    structs: list[Struct] = field(default_factory=list)
    enums: dict[str, int] = field(default_factory=dict)
    typedefs: dict[str, str] = field(default_factory=dict)  # alias -> type
    counter: int = 0

    # ------------------------------------------------------------------ helpers
    def on(self, feature: str, p: float = 1.0) -> bool:
        """Use ``feature`` here? (enabled, and a coin of probability ``p``); marks it used."""
        if feature in self.enabled and self.rng.random() < p:
            self.used.add(feature)
            return True
        return False

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, text: str) -> None:
        self.lines.append("    " * (len(self.scopes) - 1) + text)

    def visible(self, pick: Callable[[Var], bool] = lambda v: True) -> list[Var]:
        seen: dict[str, Var] = {}
        for scope in self.scopes:
            for v in scope:
                seen[v.name] = v  # an inner declaration shadows an outer one
        return [v for v in seen.values() if pick(v)]

    def declare(self, var: Var) -> Var:
        self.scopes[-1].append(var)
        return var

    def nested(self, body: Callable[[], None], head: Var | None = None) -> None:
        self.scopes.append([head] if head else [])
        body()
        self.scopes.pop()

    def const(self, lo: int, hi: int) -> Val:
        v = self.rng.randint(lo, hi)
        text = str(abs(v))
        if abs(v) > 9 and self.rng.random() < 0.15:
            text = hex(abs(v))
        elif abs(v) > 9 and self.rng.random() < 0.05:
            text = "0" + oct(abs(v))[2:]
        return Val(f"(-{text})" if v < 0 else text, v, v, nonzero=v != 0)

    # -------------------------------------------------------------- narrowing
    def narrow(self, v: Val, k: int) -> Val:
        """``v`` brought inside -2^k..2^k-1 (as is when it already lies there)."""
        if -(2**k) <= v.lo and v.hi <= 2**k - 1:
            return v
        way = self.rng.choice([w for w in ("bits", "mod", "div") if w in self.enabled]
                              or ["div"])
        self.used.add(way)
        if way == "bits":
            return Val(f"({v.text} & {2**k - 1})", 0, 2**k - 1, v.ctype)
        if way == "mod":  # the divisor's sign does not matter: the dividend's does
            p = self.rng.randint(max(2, 2**k // 2), 2**k)
            m = min(max(-v.lo, v.hi), p - 1)
            d = f"(-{p})" if self.rng.random() < 0.3 else str(p)
            return Val(f"({v.text} % {d})", -m if v.lo < 0 else 0, m if v.hi > 0 else 0,
                       v.ctype)
        big = max(-v.lo, v.hi)
        d = big // (2**k - 1) + 1
        return Val(f"({v.text} / {d})", -(big // d) if v.lo < 0 else 0, big // d, v.ctype)

    def into(self, v: Val, ctype: str) -> Val:
        """``v`` narrowed to what a variable of ``ctype`` holds."""
        lo, hi = RANGE[ctype]
        return v if lo <= v.lo and v.hi <= hi else self.narrow(v, bits_for(lo, hi))

    def nonzero(self, depth: int) -> Val:
        r = self.rng.random()
        if r < 0.4:
            c = self.const(1, 40)
            return c if self.rng.random() < 0.5 else Val(f"(-{c.text})", -c.lo, -c.lo,
                                                         nonzero=True)
        e = self.narrow(self.expr(depth - 1), 14)
        if r < 0.7 and self.on("bits"):
            return Val(f"({e.text} | 1)", e.lo - 1, e.hi + 1, e.ctype, nonzero=True)
        return Val(f"({e.text} * 2 + 1)", 2 * e.lo + 1, 2 * e.hi + 1, e.ctype, nonzero=True)

    # ------------------------------------------------------------------ places
    def index(self, length: int) -> str:
        counters = self.visible(lambda v: v.counter is not None and v.counter[0] >= 0
                                and v.counter[1] < length)
        r = self.rng.random()
        if counters and r < 0.45:
            return self.rng.choice(counters).name
        if r < 0.7:
            return str(self.rng.randint(0, length - 1))
        e = self.expr(1)
        if length & (length - 1) == 0 and self.on("bits"):
            return f"({e.text} & {length - 1})"
        if self.on("mod"):
            return f"(({e.text} % {length} + {length}) % {length})"
        return str(self.rng.randint(0, length - 1))

    def place(self, var: Var) -> Place:
        """An lvalue inside ``var``: itself, or a random element or member of it."""
        if var.ptr == "scalar":
            return Place(f"*{var.name}", var.ctype)
        if var.ptr == "array":
            i = self.index(var.dims[0])
            return Place(f"{var.name}[{i}]" if self.rng.random() < 0.7
                         else f"*({var.name} + {i})", var.ctype)
        if var.stype is not None:
            base = f"{var.name}[{self.index(var.dims[0])}]" if var.dims else var.name
            return self.member(base + ("->" if var.ptr == "struct" else "."), var.stype)
        return Place(var.name + "".join(f"[{self.index(n)}]" for n in var.dims), var.ctype)

    def member(self, prefix: str, stype: str) -> Place:
        s = self.struct(stype)
        pick = self.rng.choice([f for f, _ in s.fields] + ["v"] * bool(s.array)
                               + ["in"] * bool(s.inner))
        if pick == "v":
            return Place(f"{prefix}v[{self.index(s.array)}]", "int")
        if pick == "in":
            return self.member(f"{prefix}in.", str(s.inner))
        return Place(prefix + pick, dict(s.fields)[pick])

    def struct(self, name: str) -> Struct:
        return next(s for s in self.structs if s.name == name)

    def writable(self) -> list[Var]:
        return self.visible(lambda v: v.counter is None)

    # ------------------------------------------------------------- expressions
    def leaf(self) -> Val:
        vars_ = self.visible()
        r = self.rng.random()
        if vars_ and r < 0.75:
            var = self.rng.choice(vars_)
            if var.counter is not None:
                return Val(var.name, *var.counter)
            return self.place(var).read()
        if r < 0.8 and self.enums and self.on("types"):
            name = self.rng.choice(sorted(self.enums))
            return Val(name, self.enums[name], self.enums[name])
        if r < 0.85 and self.on("types"):
            what = self.rng.choice(["int", "long", "char", "short", *self.typedefs,
                                    *(f"struct {s.name}" for s in self.structs)])
            return Val(f"((int)sizeof({what}))", 1, 4096)  # sizeof is unsigned: made int
        if r < 0.9 and self.on("chars"):
            c = self.rng.choice(PRINTABLE.replace(" ", ""))
            return Val(f"'{c}'", ord(c), ord(c))
        return self.const(-40, 40) if self.rng.random() < 0.8 else self.const(-30000, 30000)

    def expr(self, depth: int) -> Val:
        if depth <= 0 or self.rng.random() < 0.2:
            return self.leaf()
        ops = ["+", "-", "*", "+", "-", "neg"]
        ops += [op for op, feat in (("/", "div"), ("%", "mod"), ("&", "bits"), ("|", "bits"),
                                    ("^", "bits"), ("~", "bits"), ("<<", "shift"),
                                    (">>", "shift"), ("cmp", "compare"), ("cmp", "logic"),
                                    ("?", "ternary"), ("cast", "types"), ("cast", "long"))
                if feat in self.enabled]
        op = self.rng.choice(ops)
        if op == "cmp":
            return self.cond(depth - 1)
        if op == "?":
            self.used.add("ternary")
            c, a, b = self.cond(depth - 1), self.expr(depth - 1), self.expr(depth - 1)
            return Val(f"({c.text} ? {a.text} : {b.text})", min(a.lo, b.lo), max(a.hi, b.hi),
                       promote(a.ctype, b.ctype))
        a = self.expr(depth - 1)
        if op in ("neg", "~", "cast"):
            return self.unary(op, a)
        if op in ("/", "%"):
            return self.divide(op, a, self.nonzero(depth))
        if op in ("<<", ">>"):
            return self.shift(op, a)
        b = self.expr(depth - 1)
        ctype = promote(a.ctype, b.ctype)
        if op in ("&", "|", "^"):
            self.used.add("bits")
            a, b = self.narrow(a, 30), self.narrow(b, 30)
            k = max(bits_for(a.lo, a.hi), bits_for(b.lo, b.hi))
            lo, hi = -(2**k), 2**k - 1
            if op == "&" and (a.lo >= 0 or b.lo >= 0):
                lo, hi = 0, min(x.hi for x in (a, b) if x.lo >= 0)
            elif a.lo >= 0 and b.lo >= 0:
                lo = 0
            return Val(f"({a.text} {op} {b.text})", lo, hi, ctype)
        for k in (30, 20, 15, 7):
            lo, hi = self.arith(op, a, b)
            if fits(lo, hi, ctype):
                return Val(f"({a.text} {op} {b.text})", lo, hi, ctype)
            a, b = self.narrow(a, k), self.narrow(b, k)
        raise AssertionError("unreachable: operands of 7 bits always fit")

    @staticmethod
    def arith(op: str, a: Val, b: Val) -> tuple[int, int]:
        if op == "+":
            return a.lo + b.lo, a.hi + b.hi
        if op == "-":
            return a.lo - b.hi, a.hi - b.lo
        corners = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return min(corners), max(corners)

    def unary(self, op: str, a: Val) -> Val:
        if op == "neg":
            return Val(f"(-{a.text})", -a.hi, -a.lo, a.ctype)
        if op == "~":
            self.used.add("bits")
            a = self.narrow(a, 30)
            return Val(f"(~{a.text})", -a.hi - 1, -a.lo - 1, a.ctype)
        to = self.rng.choice(["long", "short", "char", "int"])
        self.used.add("types")
        if to == "long":
            self.used.add("long")
            return Val(f"((long){a.text})", a.lo, a.hi, "long")
        if to == "int":  # from long: only values an int holds
            return Val(f"((int){a.text})", a.lo, a.hi) if fits(a.lo, a.hi, "int") else a
        lo, hi = RANGE[to]  # out of range: implementation-defined (gcc wraps), never undefined
        inside = lo <= a.lo and a.hi <= hi
        return Val(f"(({to}){a.text})", a.lo if inside else lo, a.hi if inside else hi)

    def divide(self, op: str, a: Val, b: Val) -> Val:
        self.used.add("div" if op == "/" else "mod")
        big_a, big_b = max(-a.lo, a.hi), max(-b.lo, b.hi)
        if op == "/":
            lo, hi = (0 if a.lo >= 0 and b.lo > 0 else -big_a), big_a
        else:
            m = min(big_a, big_b - 1)
            lo, hi = (-m if a.lo < 0 else 0), (m if a.hi > 0 else 0)
        return Val(f"({a.text} {op} {b.text})", lo, hi, promote(a.ctype, b.ctype))

    def shift(self, op: str, a: Val) -> Val:
        self.used.add("shift")
        width = 63 if a.ctype == "long" else 31
        if op == ">>" or (a.lo < 0 and "bits" not in self.enabled):
            s = self.rng.randint(0, 12)
            return Val(f"({a.text} >> {s})", a.lo >> s, a.hi >> s, a.ctype)
        if a.lo < 0:
            self.used.add("bits")
            a = Val(f"({a.text} & 1023)", 0, 1023, a.ctype)
        s = self.rng.randint(0, max(0, min(width - max(a.hi, 1).bit_length(), 10)))
        return Val(f"({a.text} << {s})", a.lo << s, a.hi << s, a.ctype)

    def cond(self, depth: int) -> Val:
        """A condition: 0 or 1 (or, without comparisons, any value tested for truth)."""
        r = self.rng.random()
        if r < 0.3 and depth > 0 and self.on("logic"):
            op = self.rng.choice(["&&", "||"])
            if self.rng.random() < 0.3:  # the division is safe only because of the guard
                d, n = self.leaf(), self.expr(depth - 1)
                self.used.add("div")
                guard = f"{d.text} != 0" if op == "&&" else f"{d.text} == 0"
                return Val(f"({guard} {op} {n.text} / {d.text} > {self.rng.randint(-3, 3)})",
                           0, 1)
            a, b = self.cond(depth - 1), self.cond(depth - 1)
            return Val(f"({a.text} {op} {b.text})", 0, 1)
        if r < 0.4 and self.on("logic"):
            return Val(f"(!{self.expr(depth).text})", 0, 1)
        if not self.on("compare"):
            return self.expr(depth)
        a, b = self.expr(depth), self.expr(depth)
        op = self.rng.choice(["<", "<=", ">", ">=", "==", "!="])
        return Val(f"({a.text} {op} {b.text})", 0, 1)
