"""The fuzz measure in the terminal: `ultrarun grade --fuzz` and `ultrarun report`."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.fuzzing import FuzzResult, Reduced, fuzz_line

FEATURE_ROWS = 12  # features shown (the least agreed first)


def print_fuzz(console: Console, f: FuzzResult, reduced: list[Reduced]) -> None:
    """The fuzz result of one grading: outcomes, by tier and feature, miscompiles."""
    console.print(fuzz_line(f), highlight=False, markup=False)
    if f.by_tier and len(f.by_tier) > 1:
        table = Table("tier", "tried", "agreed")
        for tier, (n, ok) in sorted(f.by_tier.items()):
            table.add_row(escape(tier), str(n), str(ok))
        console.print(table)
    if f.by_feature:
        table = Table("feature", "tried", "agreed", title="by feature (least agreed first)")
        rows = sorted(f.by_feature.items(), key=lambda kv: (kv[1][1] / max(kv[1][0], 1), kv[0]))
        for feature, (n, ok) in rows[:FEATURE_ROWS]:
            table.add_row(escape(feature), str(n), str(ok))
        console.print(table)
    for fail in f.failures[:5]:
        exp, got = fail.expected, fail.got
        detail = (f"expected exit {exp.exit_code}, got {got.exit_code}" if exp and got
                  else fail.reason)
        console.print(f"  program {fail.index} ({fail.tier}, seed {fail.seed}): {fail.outcome}"
                      f" — {detail}", highlight=False, markup=False)
    for r in reduced:
        console.rule(f"program {r.index}: {r.status}, {r.lines_before} -> {r.lines_after} "
                     f"lines in {r.seconds:.0f} s", style="dim")
        console.print(r.reduced or r.source, highlight=False, markup=False)
        if r.expected and r.got:
            console.print(f"gcc: exit {r.expected.exit_code}, stdout {r.expected.stdout!r}\n"
                          f"the candidate: exit {r.got.exit_code}, stdout {r.got.stdout!r}",
                          highlight=False, markup=False)
