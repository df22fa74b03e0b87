"""Random programs inside the toy C subset, free of undefined behaviour by construction.

python3 stdlib only: it runs in the grader's container (``fuzz.py`` draws an evaluation's
programs from it) and on a host (tests, benchmarks). ``generate(seed)`` is deterministic: one
seed, one program, wherever the same Python runs it.

The programs use what the scenario's prompt allows (``int``, ``long``, ``short``, ``char``,
pointers, arrays, structs, control flow, functions, recursion, globals, statics, ``switch``,
``typedef``, ``enum``, ``sizeof``, casts) and print through the route the stage tests use:
``printf``, declared by the program itself, and the exit code. Every value a program computes
lies in an interval the generator tracks, so that by construction:

- no arithmetic overflows: each operation's interval must fit its type (symmetrically, so
  ``-x`` and ``MIN / -1`` cannot occur); operands are narrowed first (``e & mask``, ``e % p``
  or ``e / d``) when it would not;
- no division or remainder by zero: divisors are non-zero constants, ``(e | 1)`` or
  ``(e * 2 + 1)``, or guarded by ``d != 0 &&`` (short-circuit);
- shifts are defined: ``<<`` of non-negative values whose result fits, counts below the width;
- every index lies inside its array (constants, loop counters, ``e & (n - 1)`` for a power of
  two, ``(e % n + n) % n``); pointers point into live objects of their own type;
- every variable is initialised where it is declared; loops have constant trip counts and
  recursion a decreasing bound, under a cost budget, so every program ends quickly;
- nothing depends on an unspecified order of evaluation: calls are whole statements
  (``x = f(...);``) whose arguments have no side effects, and recursive functions are pure.

``tests/scenarios/test_toy_fuzz.py`` runs a sample under gcc's sanitizers.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from fuzz import Case
from toyexpr import FEATURES, PRINTABLE, RANGE, Exprs, Func, Place, Struct, Val, Var, bits_for

BUDGET = 50_000  # statements a program executes, roughly: well under a second compiled
LINES = 90  # a function stops growing past this many lines (programs stay quick to compile)
MIX = "cs = ((cs * 31) ^ {}) & 2147483647;"  # the checksum: cs < 2^31, so cs * 31 < 2^36


@dataclass(frozen=True)
class Program:
    """A generated program: its seed, its source and the features it uses."""

    seed: int
    source: str
    features: tuple[str, ...]


@dataclass
class Gen(Exprs):
    """Writes statements and functions (``generate`` the whole program)."""

    globals: list[Var] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    cost: int = 0  # of the function being written
    mult: int = 1  # how many times the statement being written runs per call
    loops: int = 0  # loops around it
    switches: int = 0
    main: bool = False

    # -------------------------------------------------------------- statements
    def spend(self, units: int = 1) -> bool:
        """Count a statement in; False (nothing counted) when it would pass the budget."""
        if self.cost + units * self.mult > BUDGET:
            return False
        self.cost += units * self.mult
        return True

    def statements(self, n: int, depth: int) -> None:
        for _ in range(n):
            if len(self.lines) >= LINES:
                return
            self.statement(depth)

    def statement(self, depth: int) -> None:
        r = self.rng.random()
        if depth > 0 and r < 0.14 and self.on("if"):
            self.if_stmt(depth)
        elif depth > 0 and r < 0.27 and self.loops < 3 and self.on("loops"):
            self.loop(depth)
        elif depth > 0 and r < 0.32 and self.on("switch"):
            self.switch(depth)
        elif r < 0.42 and self.funcs and self.on("functions"):
            self.call()
        elif depth > 0 and r < 0.46 and self.on("blocks"):
            self.block(depth)
        elif r < 0.5 and self.loops and self.on("break"):
            word = "continue" if not self.switches and self.rng.random() < 0.5 else "break"
            self.emit(f"if ({self.cond(1).text}) {word};")
        elif r < 0.53 and self.main and not self.loops:
            self.print()
        elif r < 0.62:
            self.local()
        else:
            self.assign()

    def print(self) -> None:
        vals = [self.leaf() for _ in range(self.rng.randint(0, 2))]
        fmt = " ".join("%ld" if v.ctype == "long" else "%d" for v in vals)
        if self.rng.random() < 0.3 and self.on("chars"):
            word = "".join(self.rng.choice(PRINTABLE) for _ in range(self.rng.randint(0, 8)))
            self.emit(f'printf("%s|{fmt}\\n", "{word}"{"".join(", " + v.text for v in vals)});')
        else:
            self.emit(f'printf("{fmt}\\n"{"".join(", " + v.text for v in vals)});')

    def assign(self) -> None:
        targets = self.writable()
        if not targets or not self.spend():
            return
        place = self.place(self.rng.choice(targets))
        r = self.rng.random()
        if r < 0.25 and self.on("compound"):
            op = self.rng.choice(["+=", "-=", "*="] + ["&=", "|=", "^="] * ("bits" in
                                                                          self.enabled))
            v = self.narrow(self.expr(1), 7 if op == "*=" else 14)
            if op[0] in "&|^":  # stays inside the place's interval
                v = self.into(v, place.ctype)
            self.emit(f"{place.text} {op} {v.text};")
            if op[0] in "+-*":  # a place holds 16 bits or more: +-2^14 or x2^7 fits int
                self.renormalize(place)
            return
        scalars = [v for v in targets if v.scalar]
        if r < 0.4 and scalars and self.on("incdec"):
            src = self.rng.choice(scalars)
            form = self.rng.choice(["++", "--"])
            text = f"{src.name}{form}" if self.rng.random() < 0.5 else f"{form}{src.name}"
            dests = [v for v in scalars if v.name != src.name and
                     RANGE[v.ctype][0] <= RANGE[src.ctype][0] - 1 and
                     RANGE[src.ctype][1] + 1 <= RANGE[v.ctype][1]]
            if dests and self.rng.random() < 0.5:
                self.emit(f"{self.rng.choice(dests).name} = {text};")
            else:
                self.emit(f"{text};")
            self.renormalize(Place(src.name, src.ctype))
            return
        self.emit(f"{place.text} = {self.into(self.expr(3), place.ctype).text};")

    def renormalize(self, place: Place) -> None:
        """Bring ``place`` back inside its interval after ``+=``, ``-=``, ``*=``, ``++``."""
        k = bits_for(*RANGE[place.ctype])
        if place.ctype == "char":  # char arithmetic wraps in the conversion: keep it exact
            self.emit(f"{place.text} = {place.text} / 2;")
            self.used.add("div")
        elif "mod" in self.enabled and self.rng.random() < 0.5:
            self.used.add("mod")
            self.emit(f"{place.text} = {place.text} % {2**k};")
        elif "bits" in self.enabled:
            self.used.add("bits")
            self.emit(f"{place.text} = {place.text} & {2**k - 1};")
        else:
            self.used.add("div")
            self.emit(f"{place.text} = {place.text} / {2**8};")

    def block(self, depth: int) -> None:
        """A nested block whose first declaration shadows a variable of an outer one."""
        outer = self.visible(lambda v: v.scalar)

        def body() -> None:
            if outer:
                v = self.rng.choice(outer)
                init = self.into(self.expr(2), v.ctype).text
                if re.search(rf"\b{v.name}\b", init):  # the new name is in scope already
                    init = self.const(-99, 99).text
                self.emit(f"{v.tname or v.ctype} {v.name} = {init};")
                self.declare(Var(v.name, v.ctype, tname=v.tname))
            self.statements(self.rng.randint(1, 3), depth - 1)

        self.emit("{")
        self.nested(body)
        self.emit("}")

    def if_stmt(self, depth: int) -> None:
        self.emit(f"if ({self.cond(2).text}) {{")
        self.nested(lambda: self.statements(self.rng.randint(1, 3), depth - 1))
        if self.rng.random() < 0.5:
            if self.rng.random() < 0.4:
                self.emit(f"}} else if ({self.cond(2).text}) {{")
                self.nested(lambda: self.statements(self.rng.randint(1, 2), depth - 1))
            self.emit("} else {")
            self.nested(lambda: self.statements(self.rng.randint(1, 2), depth - 1))
        self.emit("}")

    def loop(self, depth: int) -> None:
        trips = self.rng.randint(1, 12)
        if self.cost + self.mult * trips * 8 > BUDGET:
            return self.assign()
        saved, self.mult = self.mult, self.mult * trips
        self.loops += 1
        kind = self.rng.choice(["for", "for", "while", "do"])
        n = self.fresh("i" if kind == "for" else "n")
        body = lambda: self.statements(self.rng.randint(1, 4), depth - 1)  # noqa: E731
        if kind == "for":
            step = self.rng.choice([1, 1, 2])
            if self.rng.random() < 0.3:
                self.emit(f"for (int {n} = {trips - 1}; {n} >= 0; {n}--) {{")
            else:
                self.emit(f"for (int {n} = 0; {n} < {trips}; "
                          f"{n + '++' if step == 1 else n + ' += 2'}) {{")
            self.nested(body, Var(n, counter=(0, trips - 1)))
            self.emit("}")
        else:  # the counter goes down first thing, so `continue` cannot skip it
            self.emit(f"int {n} = {trips};")
            self.emit(f"while ({n} > 0) {{" if kind == "while" else "do {")
            self.scopes.append([Var(n, counter=(0, trips))])
            self.emit(f"{n}--;" if self.rng.random() < 0.6 else f"{n} = {n} - 1;")
            body()
            self.scopes.pop()
            self.emit("}" if kind == "while" else f"}} while ({n} > 0);")
            self.declare(Var(n, counter=(0, trips)))  # 0, unless a `break` left early
        self.loops -= 1
        self.mult = saved
        return None

    def switch(self, depth: int) -> None:
        subject = self.narrow(self.expr(2), 3)
        labels = sorted(self.rng.sample(range(subject.lo, subject.hi + 1),
                                        min(4, subject.hi - subject.lo + 1)))
        names = {v: k for k, v in self.enums.items()}
        self.emit(f"switch ({subject.text}) {{")
        self.switches += 1

        def case(head: str, n: int) -> None:
            # A block per case: a jump to a later label skips no declaration it could see.
            self.emit(f"{head} {{")
            self.nested(lambda: self.statements(n, depth - 1))
            self.emit("}" if self.rng.random() < 0.3 else "} break;")

        for value in labels:
            label = names.get(value) if self.on("types", 0.5) else None
            case(f"case {label or value}:", self.rng.randint(0, 2))
        if self.rng.random() < 0.6:
            case("default:", self.rng.randint(1, 2))
        self.switches -= 1
        self.emit("}")

    def local(self) -> None:
        """Declare and initialise a local: scalar, array, struct, pointer, string walk."""
        r = self.rng.random()
        if r < 0.2 and self.on("arrays"):
            self.array()
        elif r < 0.32 and self.structs and self.on("structs"):
            s = self.rng.choice(self.structs)
            name = self.fresh("s")
            self.emit(f"struct {s.name} {name};")
            self.init_struct(name + ".", s)
            self.declare(Var(name, stype=s.name))
            if self.rng.random() < 0.3:
                copy = self.fresh("s")
                self.emit(f"struct {s.name} {copy};")
                self.emit(f"{copy} = {name};")
                self.declare(Var(copy, stype=s.name))
        elif r < 0.45 and self.on("pointers"):
            self.pointer()
        elif r < 0.5 and self.on("chars") and self.spend(16):
            self.string_walk()
        else:
            ctype = "int"
            if self.on("long", 0.4):
                ctype = "long"
            elif self.on("chars", 0.2):
                ctype = "char"
            elif self.on("types", 0.2):
                ctype = "short"
            alias = [a for a, t in self.typedefs.items() if t == ctype]
            tname = self.rng.choice(alias) if alias and self.rng.random() < 0.5 else ctype
            name = self.fresh("v")
            self.emit(f"{tname} {name} = {self.into(self.expr(2), ctype).text};")
            self.declare(Var(name, ctype, tname=tname))

    def array(self) -> None:
        ctype = self.rng.choice(["int", "int", "long"] + ["char"] * ("chars" in self.enabled))
        self.used.add({"int": "arrays", "long": "long", "char": "chars"}[ctype])
        name = self.fresh("a")
        lo, hi = RANGE[ctype] if ctype == "char" else (-50, 50)
        if self.rng.random() < 0.8:
            n = self.rng.choice([2, 4, 8, 5])
            vals = [self.const(lo, hi).text for _ in range(self.rng.randint(1, n))]
            self.emit(f"{ctype} {name}[{n}] = {{{', '.join(vals)}}};")
            self.declare(Var(name, ctype, (n,)))
        else:
            rows, cols = self.rng.choice([2, 3]), self.rng.choice([2, 4])
            init = ", ".join("{" + ", ".join(self.const(-9, 9).text for _ in range(cols)) + "}"
                             for _ in range(rows))
            self.emit(f"{ctype} {name}[{rows}][{cols}] = {{{init}}};")
            self.declare(Var(name, ctype, (rows, cols)))

    def init_struct(self, prefix: str, s: Struct) -> None:
        for f, ctype in s.fields:
            lo, hi = RANGE[ctype] if ctype == "char" else (-99, 99)
            self.emit(f"{prefix}{f} = {self.const(lo, hi).text};")
        for i in range(s.array):
            self.emit(f"{prefix}v[{i}] = {self.const(-20, 20).text};")
        if s.inner:
            self.init_struct(prefix + "in.", self.struct(s.inner))

    def pointer(self) -> None:
        name = self.fresh("p")
        structs = self.visible(lambda v: v.stype is not None and not v.dims and v.ptr is None)
        ints = self.visible(lambda v: v.ctype == "int" and v.counter is None and v.ptr is None
                            and v.stype is None and len(v.dims) <= 1)
        if structs and self.rng.random() < 0.3:
            target = self.rng.choice(structs)
            self.emit(f"struct {target.stype} *{name} = &{target.name};")
            self.declare(Var(name, stype=target.stype, ptr="struct"))
        elif ints:
            target = self.rng.choice(ints)
            if target.dims:
                self.emit(f"int *{name} = {target.name};")
                self.declare(Var(name, "int", target.dims, ptr="array"))
                return
            self.emit(f"int *{name} = &{target.name};")
            self.declare(Var(name, "int", ptr="scalar"))
            if self.rng.random() < 0.3:
                pp = self.fresh("q")
                self.emit(f"int **{pp} = &{name};")
                self.emit(f"**{pp} = {self.into(self.expr(2), 'int').text};")

    def string_walk(self) -> None:
        """Hash a string literal through a moving ``char *`` into a new int."""
        word = "".join(self.rng.choice(PRINTABLE) for _ in range(self.rng.randint(0, 12)))
        word += self.rng.choice(["", "\\n", "\\t", "\\\\", "\\'", '\\"'])
        s, h = self.fresh("c"), self.fresh("v")
        self.emit(f'char *{s} = "{word}";')
        self.emit(f"int {h} = {self.into(self.expr(1), 'int').text};")
        self.emit(f"while (*{s}) {{")
        fold = f"{h} % 10007" if "mod" in self.enabled else f"{h} / 4"  # |h| < 2^15
        self.used.add("mod" if "mod" in self.enabled else "div")
        self.lines.append("    " * len(self.scopes) + f"{h} = ({fold}) * 3 + *{s};")
        self.lines.append("    " * len(self.scopes) + f"{s}++;")
        self.emit("}")
        self.declare(Var(h, "int"))
        self.used.update({"loops", "pointers"} & self.enabled)

    def call(self, f: Func | None = None) -> None:
        f = f or self.rng.choice(self.funcs)
        if self.cost + f.cost * self.mult > BUDGET:
            return
        args = []
        for i, p in enumerate(f.params):
            arg = self.argument(p, f.bounds.get(i))
            if arg is None:
                return
            args.append(arg)
        self.cost += f.cost * self.mult
        text = f"{f.name}({', '.join(args)})"
        dests = self.visible(lambda v: v.scalar and v.ctype in ("int", "long"))
        if f.ret != "void" and self.main and (not dests or self.rng.random() < 0.5):
            self.emit(MIX.format(text))  # cs is main's: the call cannot change it
            return
        if f.ret == "void" or not dests:
            self.emit(text + ";")
            return
        dst = self.rng.choice(dests)  # a plain variable: the call cannot move it
        result = Val(text, *RANGE[f.ret], "long" if f.ret == "long" else "int")
        self.emit(f"{dst.name} = {self.into(result, dst.ctype).text};")

    def argument(self, p: Var, bits: int | None) -> str | None:
        if p.ptr is None:
            v = self.expr(2)
            return (self.narrow(v, bits) if bits else self.into(v, p.ctype)).text
        if p.ptr == "scalar":
            cands = self.visible(lambda v: v.scalar and v.ctype == "int")
            return f"&{self.rng.choice(cands).name}" if cands else None
        if p.ptr == "array":
            cands = self.visible(lambda v: v.ctype == p.ctype and v.ptr is None and
                                 v.stype is None and len(v.dims) == 1 and v.dims[0] >= p.dims[0])
            return self.rng.choice(cands).name if cands else None
        cands = self.visible(lambda v: v.stype == p.stype and not v.dims and v.ptr is None)
        return f"&{self.rng.choice(cands).name}" if cands else None

    # --------------------------------------------------------------- functions
    def function(self, name: str) -> list[str]:
        """Write one function; a callee for later ones (``funcs``), main last."""
        self.cost, self.mult, self.loops, self.switches = 0, 1, 0, 0
        self.main = name == "main"
        params: list[Var] = []
        if not self.main:
            for _ in range(self.rng.choice([0, 1, 2, 2, 3, 4]) +
                           (self.rng.randint(3, 4) if self.on("args7", 0.3) else 0)):
                params.append(self.parameter())
        ret = "int" if self.main else self.rng.choice(["int", "int", "void"] +
                                                      ["long"] * ("long" in self.enabled))
        self.lines = []
        self.scopes = [list(self.globals), list(params)]
        if self.main:
            self.emit("long cs = 0;")
        elif self.on("statics", 0.5):
            name_s = self.fresh("k")
            self.emit(f"static int {name_s} = {self.rng.randint(-9, 9)};")
            self.declare(Var(name_s))
        self.statements(self.rng.randint(3, 9), 3)
        if self.main:
            for f in self.funcs:  # each function runs at least once
                self.call(f)
            for v in self.visible(lambda v: v.counter is None):
                self.emit(MIX.format(self.place(v).read().text))
            self.emit('printf("%ld\\n", cs);')
            self.emit("return cs & 127;")
        else:  # what the function computed, all of it, leaves through its result
            fold = self.fold(self.visible(lambda v: v.counter is None and v not in
                                          self.globals and v.ptr is None))
            ints = [g for g in self.globals if g.scalar and g.ctype == "int"]
            if ret != "void":
                mixed = Val(f"({fold.text} ^ {self.into(self.expr(2), 'int').text})",
                            *RANGE["int"]) if fold else self.expr(3)
                self.emit(f"return {self.into(mixed, ret).text};")
            elif fold and ints:
                target = self.rng.choice(ints)
                self.emit(f"{target.name} = {target.name} ^ {fold.text};")
        sig = ", ".join(_param_decl(p) for p in params) or "void"
        if not self.main:
            self.funcs.append(Func(name, ret, params, self.cost + 1))
        return [f"{ret} {name}({sig}) {{", *self.lines, "}"]

    def fold(self, vars_: list[Var]) -> Val | None:
        """The XOR of (an element or member of) each of ``vars_``, each narrowed to an int's
        interval (which XOR keeps): one value that depends on them all."""
        terms = [self.into(self.place(v).read(), "int").text for v in vars_]
        return Val(f"({' ^ '.join(terms)})", *RANGE["int"]) if terms else None

    def parameter(self) -> Var:
        name = self.fresh("x")
        r = self.rng.random()
        if r < 0.15 and self.on("pointers"):
            return Var(name, "int", ptr="scalar")
        if r < 0.25 and self.on("arrays") and self.on("pointers"):
            return Var(name, "int", (self.rng.choice([2, 4]),), ptr="array")
        if r < 0.32 and self.structs and self.on("structs") and self.on("pointers"):
            return Var(name, stype=self.rng.choice(self.structs).name, ptr="struct")
        return Var(name, "long" if self.on("long", 0.3) else "int")

    def recursive(self) -> list[str]:
        """A pure recursive function: linear with an accumulator, or two-way like fib."""
        name = self.fresh("r")
        self.used.add("recursion")
        fold = "bits" if "bits" in self.enabled else "mod" if "mod" in self.enabled else "div"
        self.used.add(fold)
        if self.rng.random() < 0.5:
            op, k = self.rng.choice(["+", "-"]), self.rng.randint(1, 9)
            step = {"bits": f"(acc {op} n * {k}) & 16383", "mod": f"(acc {op} n * {k}) % 30011",
                    "div": f"(acc {op} n * {k}) / 2"}[fold]
            self.funcs.append(Func(name, "int", [Var("n"), Var("acc")], 32 * 3, {0: 5}))
            return [f"int {name}(int n, int acc) {{", "    if (n <= 0) return acc;",
                    f"    return {name}(n - 1, {step});", "}"]
        base = self.rng.randint(0, 5)
        both = f"{name}(n - 1) + {name}(n - 2)"
        step = {"bits": f"({both}) & 16383", "mod": f"({both}) % 30011",
                "div": f"({both}) / 2"}[fold]
        self.funcs.append(Func(name, "int", [Var("n")], 3 * 2000, {0: 4}))
        return [f"int {name}(int n) {{", f"    if (n < 2) return n + {base};",
                f"    return {step};", "}"]


def _param_decl(p: Var) -> str:
    if p.ptr == "struct":
        return f"struct {p.stype} *{p.name}"
    return f"{p.ctype} {'*' if p.ptr else ''}{p.name}"


def _features(rng: random.Random) -> set[str]:
    enabled = {f for f in FEATURES if rng.random() < 0.5}
    if not enabled & {"div", "mod", "bits"}:  # something to narrow with
        enabled.add(rng.choice(["div", "mod", "bits"]))
    if enabled & {"recursion", "args7"}:
        enabled.add("functions")
    if "break" in enabled:
        enabled.add("loops")
    return enabled


def generate(seed: int) -> Program:
    """The program of ``seed`` (the same on every call)."""
    rng = random.Random(seed)
    g = Gen(rng, _features(rng))
    out = ["int printf(char *fmt, ...);"]
    if "types" in g.enabled:
        for ctype in rng.sample(["int", "long", "char"], rng.randint(1, 2)):
            alias = g.fresh(f"{ctype[0]}type")
            g.typedefs[alias] = ctype
            out.append(f"typedef {ctype} {alias};")
        if rng.random() < 0.5:
            names = [g.fresh("K") for _ in range(3)]
            first = rng.randint(0, 3)
            g.enums = {names[0]: first, names[1]: first + 1, names[2]: first + 4}
            out.append(f"enum {{ {names[0]} = {first}, {names[1]}, {names[2]} = {first + 4} }};")
    if "structs" in g.enabled:
        for k in range(rng.randint(1, 2)):
            fields = [(f"f{j}", rng.choice(["int", "int", "long", "char", "short"]))
                      for j in range(rng.randint(1, 3))]
            s = Struct(f"t{k}", fields, array=rng.choice([0, 0, 4]),
                       inner=g.structs[-1].name if g.structs and rng.random() < 0.5 else None)
            g.structs.append(s)
            out += [f"struct {s.name} {{", *(f"    {t} {f};" for f, t in fields),
                    *["    int v[4];"] * bool(s.array),
                    *[f"    struct {s.inner} in;"] * bool(s.inner), "};"]
    if g.on("globals"):
        for _ in range(rng.randint(1, 3)):
            name = g.fresh("g")
            if g.on("arrays", 0.3):
                values = ", ".join(str(rng.randint(-9, 9)) for _ in range(4))
                out.append(f"int {name}[4] = {{{values}}};")
                g.globals.append(Var(name, "int", (4,)))
                continue
            ctype = "long" if g.on("long", 0.3) else "int"
            init = f" = {rng.randint(-100, 100)}" if rng.random() < 0.7 else ""
            out.append(f"{'static ' * g.on('statics', 0.3)}{ctype} {name}{init};")
            g.globals.append(Var(name, ctype))
    if "functions" in g.enabled:
        if "recursion" in g.enabled:
            out += g.recursive()
        for _ in range(rng.randint(1, 3)):
            out += g.function(g.fresh("f"))
    out += g.function("main")
    return Program(seed, "\n".join(out) + "\n", tuple(sorted(g.used)))


class ToyPrograms:
    """``fuzz.Source`` of the toy generator's programs (tier ``tier``)."""

    def __init__(self, tier: str = "toy") -> None:
        self.tier = tier

    def make(self, seed: int, index: int) -> Case:
        p = generate(seed)
        return Case(index, seed, self.tier, p.source, p.features)


if __name__ == "__main__":  # python3 toygen.py SEED: print that program
    import sys

    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1).source, end="")
