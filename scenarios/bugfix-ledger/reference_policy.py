"""Scripted reference policy of bugfix-ledger: an engineer fixing the ledger through the tools.

It looks around, runs the visible tests, fixes what they show, reviews the code for the bugs
they do not show, adds its own tests, trips over its own half-done fix (a ``None`` default
never replaced by a list) and repairs it from the test output, commits, and finishes. The
fixed lines are taken from ``reference/ledger/core.py``; construction fails if the edits no
longer turn the seed into the reference, so the policy cannot silently drift from it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ultrarun.policy import (
    Observation,
    Plan,
    PolicyModel,
    Scenario,
    Turn,
    bash,
    edit,
    finish,
    grep,
    list_dir,
    read,
    read_log,
)

CORE = "ledger/core.py"
TESTS = "tests/test_ledger.py"
RUN_TESTS = "python3 -m unittest discover -s tests -v > test.log 2>&1; tail -n 4 test.log"

# Tests the engineer adds for the two bugs found by reading the code.
OWN_TESTS = '''

class ReviewTests(unittest.TestCase):
    def test_tags_are_per_transaction(self):
        led = make_ledger()
        first = led.post(date(2024, 1, 1), "checking", 10)
        first.tag("rent")
        second = led.post(date(2024, 1, 2), "checking", 20)
        self.assertEqual(second.tags, [])
        self.assertEqual(led.by_tag("rent"), [first])

    def test_largest_expenses_biggest_first(self):
        led = make_ledger()
        for amount in ("-5.00", "-120.00", "40.00", "-33.30"):
            led.post(date(2024, 3, 1), "checking", amount)
        got = [t.amount for t in led.largest_expenses(2)]
        self.assertEqual(got, [Decimal("-120.00"), Decimal("-33.30")])
'''


def _ref_line(ref: str, needle: str) -> str:
    """The one line of the reference holding ``needle`` (without its newline)."""
    lines = [line for line in ref.splitlines() if needle in line]
    if len(lines) != 1:
        raise ValueError(f"reference/{CORE}: expected one line with {needle!r}, got {lines}")
    return lines[0]


def _failing(obs: Observation, log_text: str = "") -> set[str]:
    """Names of the tests a unittest run reports as FAIL or ERROR."""
    return set(re.findall(r"(?:FAIL|ERROR): (test_\w+)", obs.text + log_text))


def make_policy(scenario: Scenario) -> PolicyModel:
    ref = (scenario.root / "reference" / CORE).read_text()
    seed = (scenario.root / "workspace" / CORE).read_text()
    old_sig = 'description: str = "", tags: list[str] = []) -> None:'
    fixes = {
        "import": ("from decimal import ROUND_HALF_EVEN, Decimal",
                   _ref_line(ref, "from decimal import")),
        "quantize": ("rounding=ROUND_HALF_EVEN)", "rounding=ROUND_HALF_UP)"),
        "statement": ("start <= t.day < end]", "start <= t.day <= end]"),
        "signature": (old_sig, _ref_line(ref, "None = None) -> None:").strip()),
        "sort": ("key=lambda t: t.amount, reverse=True)", "key=lambda t: t.amount)"),
        "tags": ("        self.tags = tags\n", _ref_line(ref, "self.tags =") + "\n"),
    }
    check = seed
    for old, new in fixes.values():
        if check.count(old) != 1:
            raise ValueError(f"seed {CORE}: {old!r} must occur once")
        check = check.replace(old, new)
    if check != ref:
        raise ValueError(f"the policy's edits do not turn the seed {CORE} into the reference")

    def ed(key: str) -> Turn:
        old, new = fixes[key]
        return Turn([edit(CORE, old, new)])

    def plan() -> Plan:
        yield Turn([list_dir(".")], "Let me see what the project looks like.")
        yield Turn([read("README.md")])
        code = yield Turn([read(CORE)], "The code is all in core.py; read it whole.")
        obs = yield Turn([bash("python3 --version && python3 -m unittest discover -s tests "
                               "2>&1 | tail -n 40")], "Run the visible tests as they are.")
        failing = _failing(obs)
        yield Turn([bash("git init -q && git config user.name 'Reference Policy' && "
                         "git config user.email ref@ultrarun.invalid && "
                         "printf '__pycache__/\\ntest.log\\n' > .gitignore && git add -A && "
                         "git commit -qm 'Import ledger as received' && git log --oneline")],
                   "Commit the starting point so every fix is a reviewable diff.")
        if any("round" in name for name in failing):
            yield Turn([grep("ROUND_|quantize", "ledger")],
                       "Rounding fails on -0.125: check which rounding mode is used.")
            yield ed("import")
            yield ed("quantize")
        if "test_statement_includes_both_ends" in failing:
            yield Turn([grep(r"def statement|t\.day <", CORE)],
                       "The statement drops its last day: the end bound must be inclusive.")
            yield ed("statement")
        obs = yield Turn([bash(RUN_TESTS)], "Rerun the tests after the two fixes.")
        if "OK" not in obs.text:
            obs = yield Turn([read_log(path="test.log", mode="grep",
                                       pattern=r"^(FAIL|ERROR):|Error")])
        yield Turn([bash("git commit -qam 'Round halves away from zero; statement end is "
                         "inclusive' && git log --oneline | head -n 3")])

        # Review: the docstrings promise more than the tests check.
        suspicious = [n for n in ("tags: list[str] = []", "reverse=True")
                      if n in code.text]
        yield Turn([edit(TESTS, '\n\nif __name__ == "__main__":',
                         OWN_TESTS + '\n\nif __name__ == "__main__":')],
                   f"Reading core.py I suspect {suspicious}: a mutable default list shared "
                   "by every Transaction, and largest_expenses sorting the wrong way. Add "
                   "tests that show both before fixing.")
        obs = yield Turn([bash(RUN_TESTS)])
        log = yield Turn([read_log(path="test.log", mode="grep",
                                   pattern=r"^(FAIL|ERROR):|Error|!=")])
        failing = _failing(obs, log.text)
        if "test_tags_are_per_transaction" in failing:
            yield ed("signature")
        if "test_largest_expenses_biggest_first" in failing:
            yield Turn([edit(CORE, *fixes["sort"])],
                       "Expenses are negative: ascending order puts the biggest first.")
        obs = yield Turn([bash(RUN_TESTS)])
        if "OK" not in obs.text:
            log = yield Turn([read_log(path="test.log", mode="grep",
                                       pattern=r"^(FAIL|ERROR):|Error")])
            if "NoneType" in log.text:
                yield Turn([edit(CORE, *fixes["tags"])],
                           "I changed the default to None but still store it as is: a "
                           "transaction without tags must get its own new list.")
                obs = yield Turn([bash(RUN_TESTS)])
        if "OK" not in obs.text:
            yield Turn([read_log(path="test.log", mode="tail", lines=40)])
        yield Turn([bash("git add -A && git commit -qm 'Per-transaction tags; largest "
                         "expenses biggest first; tests' && git diff HEAD~2 --stat")])
        yield Turn([finish("Fixed 4 bugs in ledger/core.py: to_money rounded halves to even "
                           "(now half away from zero); statement() excluded its end day; "
                           "Transaction shared one mutable default tags list; "
                           "largest_expenses() returned the smallest expenses first. Added "
                           "tests for the last two. All visible tests pass.")])

    return PolicyModel(plan)


# Let ``python3 reference_policy.py`` check the edits without running anything.
if __name__ == "__main__":
    from ultrarun.policy import load_scenario

    make_policy(load_scenario(str(Path(__file__).parent)))
    print("edits reproduce the reference")
