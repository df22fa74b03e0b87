"""The policy of the toy-fuzz test scenario: the toy reference compiler, written in 8 tool
calls (an evaluation follows: every program agrees), then a miscompile planted in its `%`
(with a negative divisor the remainder takes the divisor's sign, as in Python) and finish (the
final evaluation: the stage's tests all pass still, fuzz programs with `%` do not)."""

from __future__ import annotations

from pathlib import Path

from ultrarun.policy import (
    Plan,
    PolicyModel,
    Scenario,
    Turn,
    bash,
    edit,
    finish,
    render_tree,
    write,
)

STAGED = Path(__file__).resolve().parents[4] / "scenarios" / "toy-c-compiler" / "reference" / \
    "staged"
RIGHT = '''            if op == "%":
                self.emit("movq %rdx, %rax")
'''
PLANTED = ("testq %rdi, %rdi", "jns 1f", "testq %rax, %rax", "jle 1f", "addq %rdi, %rax",
           "1:")  # a positive remainder of a negative divisor gets the divisor added
WRONG = RIGHT + "".join(f'                self.emit("{line}")\n' for line in PLANTED)


def make_policy(scenario: Scenario) -> PolicyModel:
    files = render_tree(STAGED)
    if sum(t.count(RIGHT) for t in files.values()) != 1:
        raise ValueError("toy-fuzz policy: the reference's `%` code is not where it was")

    def plan() -> Plan:
        for path in sorted(files):  # 7 files
            yield Turn([write(path, files[path])])
        yield Turn([bash("chmod +x compile && ./compile --help >/dev/null 2>&1; echo ok")])
        yield Turn([edit("toyc/codegen.py", RIGHT, WRONG)], "A faster remainder.")
        yield Turn([finish("the compiler, with a remainder that rounds like Python's")])

    return PolicyModel(plan)
