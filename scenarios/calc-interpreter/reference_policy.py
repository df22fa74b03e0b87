"""Scripted reference policy of calc-interpreter: builds the interpreter stage by stage.

The reference solution is written in ``reference/staged/interp`` with stage markers (``#@ 3``
… ``#@ end`` keeps lines from stage 3 on, ``#@ 1-2`` only in stages 1 and 2); ``render`` (from
``ultrarun.policy.render``) cuts the version of each stage; stage 6 is the reference
interpreter (``ultrarun.policy.write_stage`` writes it out: it is committed once, staged).
The policy writes stage 1 whole, then reaches each next stage through ``edit_file`` calls
computed from a line diff, runs the visible tests of the stage and of the earlier ones, reads
the failures and commits. Three stages start with a realistic mistake (truncating division, a
function scope that is the global one, unquoted strings in lists) that the policy repairs only
after the failing test shows it.
"""

from __future__ import annotations

import re

from ultrarun.policy import (
    Call,
    Mistake,
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
    render,
    write,
)

STAGES = ["1-arith", "2-vars", "3-control", "4-functions", "5-strings-lists", "6-errors"]
INTERP = "interp"


MISTAKES = {
    1: Mistake('"/": operator.floordiv,', '"/": lambda a, b: int(a / b),', "floor_division",
               "int(a / b) truncates toward zero; calc's / floors (-7 / 2 is -4), which is "
               "exactly operator.floordiv (and it stays exact for big integers)."),
    4: Mistake("        local = dict(zip(params, args))\n",
               "        local = self.globals\n        local.update(zip(params, args))\n",
               "recursion",
               "Calls write their parameters into the globals, so a recursive call clobbers "
               "the caller's n. Each call needs its own local scope."),
    5: Mistake('", ".join(show_item(x) for x in v)', '", ".join(show(x) for x in v)',
               "print_nested",
               "Strings inside lists must be printed quoted: use show_item for elements."),
}

SMOKE = {
    1: "print 2 + 3 * 4, (2 + 3) * 4, -7 / 2;",
    2: "x = 6; # six\ny = x * 7;\nprint y;",
    3: "i = 0;\nwhile i < 3 { if i == 1 { print true; } else { print i; } i = i + 1; }",
    4: "fn sq(x) { return x * x; }\nprint sq(12), sq(sq(2));",
    5: 'xs = ["a", 1];\npush(xs, [2]);\nprint xs, len(xs), "s" + "t";',
    6: "print 1;\nreturn 2;",
}

LOOK = {  # where an engineer would look before changing the code for a stage
    2: grep(r"def (statement|primary)|TOKEN_RULES", INTERP),
    3: read(INTERP, 1, 60),
    4: grep(r"def (unary|exec|eval|__init__)|self\.globals", INTERP),
    5: grep(r"def (show|primary|binary|call)|OPS \|=", INTERP),
    6: grep(r"return|ASSIGNABLE|ESCAPES", INTERP),
}


def _passed(text: str) -> tuple[int, int] | None:
    m = re.search(r"passed (\d+)/(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def make_policy(scenario: Scenario) -> PolicyModel:
    staged = (scenario.root / "reference" / "staged" / INTERP).read_text()
    versions = {k: render(staged, k) for k in range(1, 7)}
    if versions[6] != render(staged):
        raise ValueError("reference/staged/interp has lines past stage 6")
    for k, m in MISTAKES.items():
        if versions[k].count(m.right) != 1:
            raise ValueError(f"mistake of stage {k}: {m.right!r} must occur once")

    def plan() -> Plan:
        yield Turn([list_dir(".")], "Start by looking at what is in the workspace.")
        yield Turn([read("run_tests.py")], "How are the tests run and compared?")
        yield Turn([bash("ls tests/*/ | head -n 60 && head -n 20 tests/1-arith/*")])
        yield Turn([bash("git init -q && git config user.name 'Reference Policy' && "
                         "git config user.email ref@ultrarun.invalid && "
                         "printf 'test.log\\n__pycache__/\\n' > .gitignore && git add -A && "
                         "git commit -qm 'Seed: tests and runner' && git log --oneline")])
        notes = "# calc interpreter\n\nPython 3 tree-walking interpreter in `interp`.\n\n" + \
            "".join(f"- [ ] {s}\n" for s in STAGES)
        yield Turn([write("NOTES.md", notes)],
                   "Plan: a Python tree-walker (lexer -> recursive-descent parser -> "
                   "evaluator), grown one stage at a time.")
        doc = ""
        for k, stage in enumerate(STAGES, start=1):
            target = versions[k]
            mistake = MISTAKES.get(k)
            if mistake:
                target = target.replace(mistake.right, mistake.wrong)
            yield Turn([bash(f"head -n 12 tests/{stage}/*")], f"Stage {k} ({stage}): read "
                       "its examples first.")
            if k == 1:
                yield Turn([write(INTERP, target)], "First version: integers, + - * / %, "
                           "parentheses, unary minus and print.")
                yield Turn([bash(f"chmod +x {INTERP} && ./{INTERP} tests/1-arith/print_int.calc"
                                 "; echo exit=$?")])
                doc = target
            else:
                if k == len(STAGES):  # error handling is spread out: see what already works
                    yield Turn([bash(f"python3 run_tests.py {k} | tail -n 12")])
                yield Turn([LOOK[k]])
                for old, new, line in edits_between(doc, target):
                    obs = yield Turn([edit(INTERP, old, new)],
                                     f"Stage {k}: change near line {line}.")
                    if obs.text.startswith("error"):
                        # The file is not what this plan believes: write the stage whole.
                        yield Turn([write(INTERP, target)])
                        break
                    doc = doc.replace(old, new, 1)
                doc = target
            yield Turn([bash(f"cat > /tmp/smoke.calc <<'EOF'\n{SMOKE[k]}\nEOF\n"
                             f"./{INTERP} /tmp/smoke.calc; echo exit=$?")],
                       "A quick check by hand before the test suite.")
            obs = yield Turn([bash(f"python3 run_tests.py {k} > test.log 2>&1; "
                                   "tail -n 2 test.log")])
            result = _passed(obs.text)
            if result and result[0] < result[1]:
                log = yield Turn([read_log(path="test.log", mode="head", lines=80)],
                                 "Some tests fail: read the failures.")
                failing = set(re.findall(r"^\s*\d+\s+FAIL \S+/(\S+)", log.text, re.M))
                if mistake and mistake.shows_in in failing:
                    yield Turn([edit(INTERP, mistake.wrong, mistake.right)], mistake.why)
                    doc = doc.replace(mistake.wrong, mistake.right, 1)
                    obs = yield Turn([bash(f"python3 run_tests.py {k} > test.log 2>&1; "
                                           "tail -n 2 test.log")])
                    result = _passed(obs.text)
                if result and result[0] < result[1]:
                    yield Turn([read_log(path="test.log", mode="grep", pattern="FAIL",
                                         lines=40)])
            stages_so_far = " ".join(str(i) for i in range(1, k + 1))
            yield Turn([bash(f"python3 run_tests.py {stages_so_far} | tail -n 2")],
                       "And every earlier stage still passes?")
            yield Turn([edit("NOTES.md", f"- [ ] {stage}", f"- [x] {stage}")])
            yield Turn([bash(f"git add -A && git commit -qm 'Stage {k}: {stage}' && "
                             "git log --oneline | head -n 1")])
        # A last review of the whole file: long, so it is cut and paged with read_log.
        obs = yield Turn([bash(f"cat -n {INTERP}")], "Review the final structure.")
        yield Turn([read_log(id=obs.ids[0], mode="grep", pattern=r"^\s*\d+\s+(class|def) ",
                             lines=80)])
        yield Turn([bash("python3 run_tests.py && git status --short")])
        calls: list[Call] = [finish("calc interpreter in ./interp (Python): integers with "
                                    "floor division, variables, comments, if/else/while, "
                                    "functions with local scopes and recursion, strings, "
                                    "lists and built-ins, syntax errors (exit 2) and runtime "
                                    "errors (exit 1). All visible tests pass.")]
        yield Turn(calls)

    return PolicyModel(plan)

