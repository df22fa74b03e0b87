"""Scripted reference policy of toy-c-compiler: builds ``/workspace/compile`` stage by stage.

The reference compiler lives in ``reference/staged/`` with stage markers (see
``ultrarun.policy.render``); the render of stage k compiles the visible tests of stages 1..k and
the render of stage 18 is the reference compiler (``write_reference`` writes it out: it is
committed once, staged). The policy looks around, keeps notes, writes the
launcher and the stage-1 compiler, then for each stage reads a visible test or two, reaches the
next render through ``edit_file`` calls computed from line diffs, tries a program of its own
against gcc, runs the stage's visible tests and every earlier stage, and commits. Seven stages
start with a realistic slip (the remainder taken from the wrong register, ``x++`` yielding the
new value, the 7th argument read at the wrong frame offset, a store through ``*p`` landing in
p, chars stored as 8 bytes, struct members all at offset 0, a switch ignoring ``default``) that
is fixed only after the failing visible test shows it; the policy raises if a slip stops
showing. Stage 17 probes invalid programs the compiler still accepts, stage 18 a deeply nested
one.

``make_policy(scenario, upto=k)`` (or ``ULTRARUN_TOYC_UPTO=k``) stops after stage k. A
``Layout`` places the stages elsewhere (the c-compiler scenario's tier 1 is these stages under
``tests/t1/``, run as ``run_tests.py t1/01``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import NamedTuple

from ultrarun.policy import (
    Call,
    Mistake,
    Observation,
    Plan,
    PolicyModel,
    Scenario,
    Turn,
    bash,
    edit,
    edits_between,
    finish,
    grep,
    list_dir,
    read,
    read_log,
    render_tree,
    write,
    write_stage,
)

STAGES = ["01-return", "02-unary", "03-binary", "04-relational-logical", "05-locals",
          "06-if-ternary", "07-blocks-scope", "08-loops", "09-functions",
          "10-globals-statics", "11-pointers", "12-arrays", "13-chars-strings", "14-structs",
          "15-switch", "16-sizeof-typedef-casts", "17-invalid", "18-programs"]
FILES = ["compile", "toyc/__init__.py", "toyc/lexer.py", "toyc/ctype.py", "toyc/parser.py",
         "toyc/codegen.py", "toyc/driver.py"]
UPTO_ENV = "ULTRARUN_TOYC_UPTO"
# Changed runs closer than this become one edit: an engineer rewrites a function rather than
# patching lines a screen apart one by one.
CONTEXT_GAP = 40
NOTE_EVERY = 4  # a progress note every few stages (and one for each bug found)
SMOKE_RUN = ("./compile /tmp/smoke.c -o /tmp/smoke && /tmp/smoke; echo \"toyc: exit=$?\"; "
             "gcc -w /tmp/smoke.c -o /tmp/smoke_gcc && /tmp/smoke_gcc; echo \"gcc:  exit=$?\"")

MISTAKES = {
    3: Mistake('            self.emit("idivq %rdi")\n            if op == "%":\n'
               '                self.emit("movq %rdx, %rax")\n',
               '            self.emit("idivq %rdi")\n', "div_mod",
               "idivq leaves the quotient in %rax and the remainder in %rdx: `%` must move "
               "%rdx into %rax, I only handled `/`.", "toyc/codegen.py"),
    5: Mistake('            self.store(node.ty)\n            self.emit("movq %rsi, %rax")\n',
               "            self.store(node.ty)\n", "incdec",
               "`j = i++` got the incremented value: x++ must yield the old value, which is "
               "kept in %rsi before the store.", "toyc/codegen.py"),
    9: Mistake("v.offset = 16 + 8 * (i - 6)", "v.offset = 8 + 8 * (i - 6)", "seven_args",
               "Stack arguments start above the saved %rbp AND the return address: the 7th is "
               "at 16(%rbp), not 8(%rbp) (that is the return address).", "toyc/parser.py"),
    11: Mistake('        elif k == "deref":\n            self.gen_expr(node.expr)\n'
                "        else:\n",
                '        elif k == "deref":\n            self.gen_addr(node.expr)\n'
                "        else:\n", "pointer_basics",
                "`*p = v` wrote into p itself: the address of `*p` is the VALUE of p "
                "(gen_expr), not the address of p (gen_addr).", "toyc/codegen.py"),
    13: Mistake('reg = {1: "%al", 2: "%ax", 4: "%eax", 8: "%rax"}[ty.size]',
                'reg = "%eax" if ty.size == 4 else "%rax"', "char_array",
                "store() still picks %eax or %rax: a char store must be 1 byte (%al), or "
                "`s[0] = 'H'` wipes s[1] and the bytes after it.", "toyc/codegen.py"),
    14: Mistake("            out.append(Member(name, mty, offset))\n"
                "            offset += mty.size\n",
                "            out.append(Member(name, mty, offset))\n", "struct_point",
                "p.x + p.y came out as 2 * p.y: layout_struct never advances the offset, so "
                "every member sits at offset 0 (and the struct has size 0).", "toyc/ctype.py"),
    15: Mistake('self.emit(f"jmp {node.default or node.brk_label}")',
                'self.emit(f"jmp {node.brk_label}")', "switch_loop",
                "When no case matches, the switch must jump to `default:` if there is one, not "
                "straight past the body.", "toyc/codegen.py"),
}

# Where to look after a slip shows, before fixing it.
PROBES = {
    3: "./compile -S {tests}/03-binary/div_mod.c | grep -n -B3 -A2 idivq",
    5: "printf 'int main(void) { int i = 10; return i++; }\\n' > /tmp/post.c && "
       "./compile /tmp/post.c -o /tmp/post; /tmp/post; echo \"i++ gave $?, expected 10\"",
    9: "./compile -S {tests}/09-functions/seven_args.c | sed -n '/^sum7:/,/ret$/p' | head -n 40",
    11: "./compile -S {tests}/11-pointers/pointer_basics.c | head -n 40",
    13: "./compile -S {tests}/13-chars-strings/char_array.c | grep -n -B2 -A1 'mov %'",
    14: "./compile -S {tests}/14-structs/struct_point.c | head -n 30",
    15: "./compile -S {tests}/15-switch/switch_loop.c | grep -n -A2 'cmpq %rdi, %rax' | head",
}

READ = {  # the visible test to read first at each stage
    1: "return_comment", 2: "not", 3: "div_mod", 4: "short_circuit", 5: "incdec",
    6: "else_if", 7: "shadow", 8: "do_continue", 9: "seven_args", 10: "static_local",
    11: "pointer_arith", 12: "matrix", 13: "string_walk", 14: "struct_arrow",
    15: "fallthrough", 16: "sizeof", 17: "bad_lvalue", 18: "tiny_vm",
}

LOOK = {  # where an engineer would look before changing the code for a stage
    2: grep(r"def (_unary|_primary|gen_expr)", "toyc"),
    3: grep(r"BINARY_LEVELS|def (_binary|_new_binary|binop|push|pop)", "toyc"),
    4: grep(r"BINARY_LEVELS|def (binop|new_label)|^PUNCTUATORS", "toyc"),
    5: grep(r"def (_block_items|_assign|_expr|_postfix|gen_function)|stack_size", "toyc"),
    6: grep(r"def (_stmt|_conditional|gen_stmt)|\"(if|else)\"", "toyc"),
    7: grep(r"scope|def _stmt", "toyc/parser.py"),
    8: grep(r"def (_stmt|gen_stmt|new_label)|\"while\"", "toyc"),
    9: grep(r"def (parse_program|_params|_function|_primary|_declare_function|gen_function)",
            "toyc"),
    10: grep(r"def (parse_program|_local_decl|gen_data|gen_addr|_const_expr)|is_static", "toyc"),
    11: grep(r"def (_unary|_new_binary|_type_suffix|_postfix|gen_addr|binop)", "toyc"),
    12: grep(r"def (_plain_local|_linit|_check_lvalue|_params|_type_suffix)|memzero", "toyc"),
    13: grep(r"def (tokenize|_read_escape|load|convert|_linit)|ESCAPES", "toyc"),
    14: grep(r"def (_declspec|_postfix|store|gen_addr|layout_struct)|class Type", "toyc"),
    15: grep(r"def (_stmt|gen_stmt)|self\.brk", "toyc"),
    16: grep(r"def (_declspec|_unary|_binary|_primary|convert)|TYPE_KEYWORDS", "toyc"),
    17: grep(r"self\.error\(", "toyc/parser.py"),
    18: grep(r"setrecursionlimit|RecursionError", "."),
}

SMOKE = {  # a program of its own per stage, checked against gcc (none trips a pending slip)
    1: "int main(void) {\n    return 0x2A; /* hex */\n}",
    2: "int main(void) {\n    return -~5 + !0;\n}",
    3: "int main(void) {\n    return (7 << 2) - 100 / 7 ^ 3;\n}",
    4: "int main(void) {\n    return (3 < 5) + (2 == 2) * 2 + (1 || 0) * 4 + (5 != 5);\n}",
    5: "int main(void) {\n    int x = 5;\n    long y = 7;\n    x += 3;\n    y <<= 2;\n"
       "    return x * 2 + y;\n}",
    6: "int main(void) {\n    int a = 4;\n    int b;\n    if (a > 3) b = a ? 10 : 20;\n"
       "    else b = 0;\n    return b;\n}",
    7: "int main(void) {\n    int x = 1;\n    {\n        int x = 2;\n        {\n"
       "            int y = x * 10;\n            x = y;\n        }\n    }\n    return x;\n}",
    8: "int main(void) {\n    int s = 0;\n    for (int i = 0; i < 10; i++) {\n"
       "        if (i % 2) continue;\n        s += i;\n    }\n    while (s > 10) s -= 3;\n"
       "    do s++; while (s < 5);\n    return s;\n}",
    9: "int printf(char *fmt, ...);\nint fib(int n) { return n < 2 ? n : fib(n - 1) + "
       "fib(n - 2); }\nint main(void) {\n    printf(\"fib(10) = %d\\n\", fib(10));\n"
       "    return 0;\n}",
    10: "int counter;\nstatic int step = 3;\nint next(void) {\n    static int calls;\n"
        "    calls++;\n    counter += step;\n    return calls;\n}\nint main(void) {\n"
        "    next();\n    next();\n    return next() * 10 + counter;\n}",
    11: "int main(void) {\n    long x = 40;\n    long *p = &x;\n    long **pp = &p;\n"
        "    int a[3];\n    int *q = a;\n    return **pp + (q + 2 - a);\n}",
    12: "int sum(int *a, int n) {\n    int s = 0;\n    for (int i = 0; i < n; i++) s += a[i];\n"
        "    return s;\n}\nint main(void) {\n    int a[5] = {1, 2, 3};\n"
        "    int g[2][3] = {{1, 2, 3}, {4, 5, 6}};\n    return sum(a, 5) + g[1][2];\n}",
    13: "int puts(char *s);\nint printf(char *fmt, ...);\nint main(void) {\n"
        "    char buf[8] = \"abc\";\n    puts(buf);\n"
        "    printf(\"%s|%d\\n\", \"a\\tb\", '\\n');\n    return 0;\n}",
    14: "struct box { long v; };\nint main(void) {\n    struct box b;\n"
        "    struct box *p = &b;\n    p->v = 40;\n    b.v += 2;\n    return b.v;\n}",
    15: "int main(void) {\n    int n = 0;\n    for (int i = 0; i < 6; i++) {\n"
        "        switch (i % 3) {\n        case 0: n += 1; break;\n"
        "        case 1: n += 10; break;\n        case 2: n += 100;\n        }\n    }\n"
        "    return n % 256;\n}",
    16: "typedef struct { short a; char b; } pair;\nenum color { RED, GREEN = 5, BLUE };\n"
        "int main(void) {\n    pair p;\n    p.a = (short)70000;\n"
        "    return sizeof(pair) + BLUE + (p.a > 0);\n}",
}

# Stage 17: programs gcc rejects that the compiler of stage 16 still accepts.
INVALID_PROBES = {
    "too_many_args": "int f(int a) { return a; }\nint main(void) { return f(1, 2); }",
    "void_value": "void f(void) { }\nint main(void) { return f(); }",
    "global_redefined": "int x = 1;\nint x = 2;\nint main(void) { return x; }",
}
PROBE_INVALID = ("for f in /tmp/bad/*.c; do ./compile $f -o /tmp/bad/out 2>/dev/null; rc=$?; "
                 "echo \"$(basename $f): exit=$rc\"; done")
DEEP = ("python3 -c \"print('int main(void) { return ' + '(' * 400 + '1' + ')' * 400 + '; }')\""
        " > /tmp/deep.c && ./compile /tmp/deep.c -o /tmp/deep 2>&1 | tail -n 3; "
        "gcc -w /tmp/deep.c -o /tmp/deep_gcc && /tmp/deep_gcc; echo \"gcc: exit=$?\"")
DEEP_AGAIN = "./compile /tmp/deep.c -o /tmp/deep && /tmp/deep; echo \"toyc: exit=$?\""


class Layout(NamedTuple):
    """Where the stages' visible tests are and how run_tests.py names and selects them."""

    tests: str = "tests"
    select: Callable[[str], str] = lambda stage: stage[:2]  # run_tests.py's argument
    label: Callable[[str], str] = lambda stage: stage  # how run_tests.py prints the stage


TOY = Layout()


class Result(NamedTuple):
    passed: int
    total: int


Step = Generator[Turn, Observation, Result]  # a sub-plan that ends with a test result



def write_reference(dest: Path) -> Path:
    """Write the reference compiler (the last stage of ``reference/staged/``) into ``dest``:
    ``dest/compile`` and ``dest/toyc/``, as tests, benchmarks and tools run it."""
    write_stage(Path(__file__).resolve().parent / "reference" / "staged", dest)
    return dest

def _stage_result(text: str, stage: str) -> Result | None:
    """The `stage  p/t` summary line of run_tests.py."""
    m = re.search(rf"^{re.escape(stage)}\s+(\d+)/(\d+)", text, re.M)
    return Result(int(m.group(1)), int(m.group(2))) if m else None


def _total(text: str) -> tuple[int, int] | None:
    m = re.search(r"^TOTAL\s+(\d+)/(\d+)", text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _expect(ok: bool, what: str) -> None:
    """Break loudly when the sandbox does not show what the script relies on."""
    if not ok:
        raise RuntimeError(f"toy-c-compiler reference policy: {what}")


PLAN_NOTE = (
    "# toy C compiler\n\n"
    "Plan: Python 3 compiler in `toyc/` (lexer -> recursive-descent parser building a "
    "typed AST -> stack-machine codegen to x86-64 AT&T asm), `./compile` is a launcher; "
    "assemble+link with `gcc -x assembler` (no cc1 on the grader).\n"
    "Every expression leaves its value in %rax; binary ops push the left operand.\n"
    "Loop per stage: read tests, implement, own program vs gcc, run_tests.py NN, then "
    "all stages so far, commit.\n")


def _heredoc(path: str, text: str) -> str:
    return f"cat > {path} <<'EOF'\n{text}\nEOF\n"


class StageWork:
    """The policy's work on the compiler, stage by stage, as sub-plans: what the single
    reference policy strings together, and what the scripted team policy (team_policy.py)
    shares out among its agents. ``docs`` (path -> content) is what the plan believes the
    workspace's files hold; the sub-plans keep it up to date."""

    def __init__(self, scenario: Scenario, layout: Layout = TOY,
                 reference: Path | None = None) -> None:
        ref = reference or scenario.root / "reference"
        self.layout = layout
        self.versions = {k: render_tree(ref / "staged", k) for k in range(1, len(STAGES) + 1)}
        if self.versions[len(STAGES)] != render_tree(ref / "staged") or \
                sorted(self.versions[len(STAGES)]) != sorted(FILES):
            raise ValueError(f"reference/staged/ has lines past stage {len(STAGES)}, or files "
                             f"other than {FILES}")
        for k, m in MISTAKES.items():
            if self.versions[k][m.path].count(m.right) != 1:
                raise ValueError(f"mistake of stage {k}: its right text must occur once")

    def edit_to(self, docs: dict[str, str], target: dict[str, str], k: int) -> Plan:
        """Edit the workspace files from ``docs`` to ``target`` (``docs`` follows along)."""
        for path in FILES:
            if docs.get(path) == target[path]:
                continue
            if path not in docs:
                yield Turn([write(path, target[path])], f"Stage {k}: new file {path}.")
                docs[path] = target[path]
                continue
            for old, new, line in edits_between(docs[path], target[path], CONTEXT_GAP):
                obs = yield Turn([edit(path, old, new)], f"Stage {k}: {path} near line {line}.")
                if obs.text.startswith("error"):  # not the file this plan believes: rewrite it
                    yield Turn([write(path, target[path])])
                    break
                docs[path] = docs[path].replace(old, new, 1)
            docs[path] = target[path]

    def run_stage(self, k: int) -> Step:
        """Run the stage's visible tests into test.log and read their summary."""
        stage = STAGES[k - 1]
        obs = yield Turn([bash(f"python3 run_tests.py {self.layout.select(stage)} > test.log "
                               "2>&1; grep -c PASS test.log; tail -n 2 test.log")])
        result = _stage_result(obs.text, self.layout.label(stage))
        if result is None:
            raise RuntimeError(f"toy-c-compiler reference policy: no summary line for {stage} "
                               f"in {obs.text[-300:]!r}")
        return result

    def implement(self, k: int, docs: dict[str, str]) -> Step:
        """Stage k from the files of stage k-1: read a test, look, edit, try a program of
        its own, run the stage's tests, and find and fix its slip if it has one."""
        tests, lab = self.layout.tests, self.layout.label
        stage = STAGES[k - 1]
        target = dict(self.versions[k])
        mistake = MISTAKES.get(k)
        if mistake:
            target[mistake.path] = target[mistake.path].replace(mistake.right, mistake.wrong, 1)
        name = READ[k]
        if k % 2:
            yield Turn([read(f"{tests}/{stage}/{name}.c")], f"Stage {k} ({stage}): a test.")
        else:
            yield Turn([bash(f"ls {tests}/{stage} && cat {tests}/{stage}/{name}.c "
                             f"{tests}/{stage}/{name}.expected.json")],
                       f"Stage {k} ({stage}): the tests.")
        if k == 1:
            for path in FILES:
                yield Turn([write(path, target[path])], f"First version of {path}.")
                docs[path] = target[path]
            yield Turn([bash(f"chmod +x compile && ./compile -S "
                             f"{tests}/01-return/return_42.c")])
        elif k == 17:
            yield from self.invalid_stage(docs, target)
        elif k == 18:
            yield from self.programs_stage(docs, target)
        else:
            yield Turn([LOOK[k]], "Where does this stage go?")
            yield from self.edit_to(docs, target, k)
        if k in SMOKE:
            yield Turn([bash(_heredoc("/tmp/smoke.c", SMOKE[k]) + SMOKE_RUN)],
                       "A program of my own, against gcc.")
        result = yield from self.run_stage(k)
        if mistake:
            _expect(result.passed < result.total, f"the slip of stage {k} did not show")
            log = yield Turn([read_log(path="test.log", mode="grep", pattern="FAIL",
                                       lines=20)], "Which tests fail, and why?")
            failing = set(re.findall(rf"FAIL {re.escape(lab(stage))}/(\S+)", log.text))
            _expect(mistake.shows_in in failing,
                    f"stage {k}: {mistake.shows_in} was expected to fail, saw {failing}")
            yield Turn([bash(PROBES[k].replace("{tests}", tests))],
                       f"{mistake.shows_in} fails: look closer.")
            fixed = dict(docs)
            fixed[mistake.path] = self.versions[k][mistake.path]
            yield from self.edit_to(docs, fixed, k)
            yield Turn([Call("notes", {"content": f"- stage {k} bug: {mistake.why}\n"})],
                       mistake.why)
            result = yield from self.run_stage(k)
        if result.passed < result.total:  # not expected: read what fails, go on
            yield Turn([read_log(path="test.log", mode="grep", pattern="FAIL", lines=40)])
        return result

    def check_earlier(self, k: int) -> Generator[Turn, Observation, tuple[int, int] | None]:
        """Run the visible tests of stages 1..k; read the failures if any."""
        prefixes = " ".join(self.layout.select(s) for s in STAGES[:k])
        obs = yield Turn([bash(f"python3 run_tests.py {prefixes} | tail -n 1")],
                         "And every earlier stage still passes?")
        total = _total(obs.text)
        if total and total[0] < total[1]:
            yield Turn([bash(f"python3 run_tests.py {prefixes} | grep FAIL")])
        return total

    def invalid_stage(self, docs: dict[str, str], target: dict[str, str]) -> Plan:
        sel, tests = self.layout.select, self.layout.tests
        yield Turn([bash(f"python3 run_tests.py {sel(STAGES[16])} | tail -n 3")],
                   "Do the invalid programs already fail to compile?")
        yield Turn([bash(f"python3 run_tests.py {sel(STAGES[16])} -v | head -n 20; "
                         f"./compile {tests}/17-invalid/bad_lvalue.c -o /tmp/x 2>&1 | "
                         "tail -n 3")],
                   "They pass, but partly by crashing: check how.")
        probes = "mkdir -p /tmp/bad\n" + "".join(
            _heredoc(f"/tmp/bad/{name}.c", src) for name, src in INVALID_PROBES.items())
        obs = yield Turn([bash(probes + PROBE_INVALID)],
                         "Programs gcc rejects that the visible tests do not cover.")
        _expect("exit=0" in obs.text, "stage 17: no invalid probe was accepted before the checks")
        yield Turn([bash("for f in /tmp/bad/*.c; do gcc -fsyntax-only $f 2>&1 | grep error "
                         "| head -n 1; done")], "What gcc says about them.")
        yield Turn([LOOK[17]])
        yield from self.edit_to(docs, target, 17)
        obs = yield Turn([bash(PROBE_INVALID)], "Now every probe must be rejected.")
        _expect("exit=0" not in obs.text, "stage 17: an invalid probe is still accepted")

    def programs_stage(self, docs: dict[str, str], target: dict[str, str]) -> Plan:
        yield Turn([bash(f"python3 run_tests.py {self.layout.select(STAGES[17])} | tail -n 6")],
                   "Whole programs first.")
        obs = yield Turn([bash(DEEP)], "Stress: deeply nested expressions (recursive descent).")
        _expect("RecursionError" in obs.text, "stage 18: the deep program did not overflow")
        yield Turn([LOOK[18]])
        yield from self.edit_to(docs, target, 18)
        obs = yield Turn([bash(DEEP_AGAIN)], "Again, with a higher recursion limit.")
        _expect("toyc: exit=1" in obs.text, "stage 18: the deep program still fails")

    def wrap_up(self, last: int, summary_extra: str = "") -> Plan:
        """Review, the whole visible suite, notes, ``finish``."""
        # A last review of the biggest file: long, so it is cut and paged with read_log.
        obs = yield Turn([bash("wc -l compile toyc/*.py && cat -n toyc/parser.py")],
                         "Review the structure of the parser.")
        if obs.ids and "[output cut" in obs.text:
            yield Turn([read_log(id=obs.ids[0], mode="grep", pattern=r"^\s*\d+\s+(class|def) ",
                                 lines=120)])
        prefixes = " ".join(self.layout.select(s) for s in STAGES[:last])
        obs = yield Turn([bash(f"python3 run_tests.py {prefixes} > test.log 2>&1; "
                               "tail -n 20 test.log")], "The whole visible suite so far.")
        total = _total(obs.text)
        yield Turn([bash("git status --short && git log --oneline | head -n 20")])
        yield Turn([Call("notes", {"content": f"Done up to {STAGES[last - 1]}; visible "
                                              f"{total[0] if total else '?'}/"
                                              f"{total[1] if total else '?'}.\n"})])
        done = ", ".join(STAGES[:last])
        slips = "; ".join(m.shows_in for k, m in MISTAKES.items() if k <= last) or "none"
        yield Turn([finish(
            f"C compiler in ./compile (Python 3, toyc/: lexer, typed recursive-descent parser "
            f"with semantic checks, stack-machine x86-64 code generator; assembles and links "
            f"with `gcc -x assembler`). Stages done: {done}. Visible tests: "
            f"{total[0] if total else '?'}/{total[1] if total else '?'} passing. Bugs the "
            f"visible tests caught and I fixed (by test): {slips}.{summary_extra}")])


def make_policy(scenario: Scenario, upto: int | None = None, layout: Layout = TOY,
                reference: Path | None = None) -> PolicyModel:
    """The policy; ``reference``: the folder holding the staged reference compiler (``staged/``;
    default: the scenario's ``reference/``)."""
    if upto is None and os.environ.get(UPTO_ENV):
        upto = int(os.environ[UPTO_ENV])
    last = upto or len(STAGES)
    if not 1 <= last <= len(STAGES):
        raise ValueError(f"upto must be within 1..{len(STAGES)}, not {last}")
    work = StageWork(scenario, layout, reference)
    tests = layout.tests

    def plan() -> Plan:
        yield Turn([list_dir(".")], "Start by looking at the workspace.")
        yield Turn([read("README.md")])
        yield Turn([read("run_tests.py", 1, 40)], "How the tests are run and compared.")
        yield Turn([bash(f"ls {tests}/ && ls {tests}/01-return {tests}/18-programs | head -n 30")])
        yield Turn([bash(f"cat {tests}/01-return/return_42.c "
                         f"{tests}/01-return/return_42.expected.json"
                         f" && cat {tests}/17-invalid/undeclared.expected.json")])
        yield Turn([bash("which gcc as ld python3 && python3 --version && "
                         "gcc --version | head -n 1")], "Which tools are there?")
        yield Turn([bash("printf 'int main(void) { return 42; }\\n' > /tmp/t.c && "
                         "gcc -S -O0 -fno-asynchronous-unwind-tables -o - /tmp/t.c")],
                   "What gcc emits for the smallest program (AT&T syntax).")
        yield Turn([Call("notes", {"content": PLAN_NOTE})])
        yield Turn([bash("git init -q && git config user.name 'Reference Policy' && "
                         "git config user.email ref@ultrarun.invalid && "
                         "printf 'test.log\\n__pycache__/\\n*.pyc\\n.agent/\\n' > .gitignore && "
                         "git add -A && git commit -qm 'Seed: tests and runner' && "
                         "git log --oneline")])
        docs: dict[str, str] = {}
        for k in range(1, last + 1):
            stage = STAGES[k - 1]
            yield from work.implement(k, docs)
            total = yield from work.check_earlier(k)
            if k % NOTE_EVERY == 0:
                yield Turn([Call("notes", {"content": f"- [x] stages 1-{k} done, up to {stage} "
                                                      f"({total[0] if total else '?'} visible "
                                                      "tests pass)\n"})])
            yield Turn([bash(f"git add -A && git commit -qm 'Stage {k}: {stage}' && "
                             "git log --oneline | head -n 1")])
        yield from work.wrap_up(last)

    return PolicyModel(plan)
