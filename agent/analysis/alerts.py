"""Alerts while a run goes: the coherence metrics' warning signs, raised as their event lands.

``AlertDetector`` folds events (as the plain dicts of ``events.jsonl``) one by one and returns
the alerts each one raises: the same definitions as the metrics of ``docs/metrics.md`` (a
failing call, a call's signature, a stall since the best score), with thresholds for "now is
the time to look". The viewer (``ultrarun view``) shows them on the run page as they happen and
the CLI prints them in its log lines. Each episode alerts once (a streak that grows does not
alert again until it has ended).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from agent.analysis.calls import call_signature
from agent.analysis.metrics import error_kind
from agent.trajectory.fields import as_int, as_num

#: Failing tool calls in a row that raise an ``error_streak`` alert.
ERROR_STREAK = 10
#: Identical calls in a row that raise a ``loop`` alert.
LOOP_REPEATS = 5
#: A period of 2-5 calls repeated this many times in a row raises a ``loop`` (cycle) alert.
CYCLE_REPEATS = 3
CYCLE_LENGTHS = (2, 3, 4, 5)
#: Model turns in a row without a usable tool call that raise a ``format`` alert.
FORMAT_STREAK = 3
#: Tool calls between the best score and a later evaluation that is no better, which raise a
#: ``stall`` alert: this many, or four gradings' worth when the run grades every N calls,
#: whichever is more (only graded calls count: a slow grader is not a stalled agent).
STALL_CALLS = 100
STALL_EVALUATIONS = 4
#: Shares of a budget that raise a ``budget`` alert when first crossed.
BUDGET_SHARES = (0.75, 0.9)

Level = Literal["info", "warn", "error"]


class Alert(BaseModel):
    kind: str  # error_streak | loop | stall | retries | outage | model_error | budget | format
    #          | regression | sandbox | context | run
    level: Level
    step: int
    t: float  # unix time of the event that raised it
    message: str


def _failed(e: Mapping[str, Any]) -> bool:
    exit_code = e.get("exit_code")
    return e.get("ok") is False or (isinstance(exit_code, int) and exit_code != 0)


def retries_summary(retries: list[Any]) -> str:
    """``3 retries (HTTP 503 x2, connection error), 7.5 s waiting``."""
    kinds: dict[str, int] = {}
    waited = 0.0
    for r in retries:
        if not isinstance(r, Mapping):
            continue
        kind = error_kind(str(r.get("error", "")))
        kinds[kind] = kinds.get(kind, 0) + 1
        wait = r.get("wait_s")
        waited += float(wait) if isinstance(wait, int | float) else 0.0
    what = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in kinds.items())
    n = len(retries)
    return f"{n} {'retry' if n == 1 else 'retries'} ({what}), {waited:.1f} s waiting"


class AlertDetector:
    """Raises alerts from a run's events, in order. ``budgets`` is run.json's ``budgets``."""

    def __init__(self, budgets: Mapping[str, Any] | None = None, started_at: float = 0.0,
                 eval_every: int | None = None) -> None:
        self.budgets = dict(budgets or {})
        self.started_at = started_at
        self.stall_calls = max(STALL_CALLS, STALL_EVALUATIONS * (eval_every or 0))
        self.tool_calls = 0
        self.cost = 0.0
        self._streak = 0
        self._sigs: list[str] = []
        self._loop_open = False
        self._format = 0
        self._best = -1.0
        self._best_at = 0
        self._stall_open = False
        self._last_rate: float | None = None
        self._crossed: set[tuple[str, float]] = set()
        self._outage_step: int | None = None
        self._pending_sig = ""
        self._period: dict[int, int] = {}

    def feed(self, e: Mapping[str, Any]) -> list[Alert]:
        """The alerts event ``e`` raises (often none)."""
        kind = e.get("type")
        if kind == "tool_call":  # the commonest events first, with nothing to say
            args = e.get("arguments")
            self._pending_sig = call_signature(str(e.get("name", "")),
                                               args if isinstance(args, dict) else None,
                                               str(e.get("raw_arguments", "")))
            return []
        out: list[tuple[str, Level, str]] = []
        step = as_int(e.get("step"))
        if kind == "tool_result":
            if e.get("error_kind") != "after_finish":
                out += self._tool_result(e)
        elif kind == "model_call":
            out += self._model_call(e)
        elif kind == "snapshot":
            t = as_num(e.get("t")) or 0.0
            out += self._budget(step, t)  # a step ended: steps and time moved on
        elif kind == "retry":
            if self._outage_step != step:  # one alert per call, however many attempts
                self._outage_step = step
                out.append(("outage", "warn", f"endpoint not answering: "
                            f"{str(e.get('error', ''))[:160]} (retrying)"))
        elif kind == "message" and e.get("reason") == "format_error":
            self._format += 1
            if self._format == FORMAT_STREAK:
                out.append(("format", "warn", f"{FORMAT_STREAK} model turns in a row without "
                            "a usable tool call"))
        elif kind == "evaluation":
            out += self._evaluation(e)
        elif kind == "error":
            retries = e.get("retries") if isinstance(e.get("retries"), list) else []
            extra = f" after {retries_summary(retries)}" if retries else ""
            out.append(("model_error" if e.get("where") == "model" else "run", "error",
                        f"{str(e.get('message', ''))[:300]}{extra}"))
        elif kind == "sandbox_restart":
            out.append(("sandbox", "warn", f"sandbox replaced: {str(e.get('reason', ''))[:200]}"))
        elif kind == "context" and e.get("action") in ("compact", "fallback"):
            out.append(("context", "info", f"context {e.get('action')}"))
        elif kind == "run_end" and e.get("status") in ("failed", "interrupted"):
            out.append(("run", "error" if e.get("status") == "failed" else "warn",
                        f"run {e.get('status')} ({e.get('end_reason')})"))
        if not out:
            return []
        t = as_num(e.get("t")) or 0.0
        return [Alert(kind=k, level=lv, step=step, t=t, message=m) for k, lv, m in out]

    def _tool_result(self, e: Mapping[str, Any]) -> list[tuple[str, Level, str]]:
        out: list[tuple[str, Level, str]] = []
        self.tool_calls += 1
        if _failed(e):
            self._streak += 1
            if self._streak == ERROR_STREAK:
                out.append(("error_streak", "warn", f"{ERROR_STREAK} failing tool calls in a "
                            f"row (the last: {e.get('name')})"))
        else:
            self._streak = 0
        loop = self._loop(self._pending_sig or str(e.get("name", "")))
        self._pending_sig = ""
        if loop and not self._loop_open:
            out.append(("loop", "warn", loop))
        self._loop_open = bool(loop)
        return out

    def _loop(self, sig: str) -> str | None:
        """A loop the newest call ``sig`` closes: ``LOOP_REPEATS`` identical calls, or a period
        of n calls repeated ``CYCLE_REPEATS`` times. O(1): for each period n, how many calls
        in a row have equalled the call n before them."""
        s = self._sigs
        s.append(sig)
        keep = CYCLE_REPEATS * max(CYCLE_LENGTHS)
        if len(s) > 2 * keep:
            del s[:-keep]
        for n in (1, *CYCLE_LENGTHS):
            same = len(s) > n and s[-1] == s[-1 - n]
            self._period[n] = self._period.get(n, 0) + 1 if same else 0
        if self._period[1] >= LOOP_REPEATS - 1:
            return f"loop: the same {sig.split(chr(0), 1)[0]} call {LOOP_REPEATS} times in a row"
        for n in CYCLE_LENGTHS:
            if self._period[n] >= n * (CYCLE_REPEATS - 1) and len(set(s[-n:])) > 1:
                names = " → ".join(x.split("\x00", 1)[0] for x in s[-n:])
                return f"loop: a cycle of {n} calls ({names}) repeated {CYCLE_REPEATS} times"
        return None

    def _model_call(self, e: Mapping[str, Any]) -> list[tuple[str, Level, str]]:
        out: list[tuple[str, Level, str]] = []
        cost = e.get("cost")
        self.cost += cost if isinstance(cost, int | float) else 0.0
        self._outage_step = None
        retries = e.get("retries") if isinstance(e.get("retries"), list) else []
        if retries:
            out.append(("retries", "warn", f"model call retried: {retries_summary(retries)}"))
        out += self._budget(as_int(e.get("step")), as_num(e.get("t")) or 0.0)  # cost moved
        if e.get("format_error") is None and (e.get("message") or {}).get("tool_calls"):
            self._format = 0
        return out

    def _evaluation(self, e: Mapping[str, Any]) -> list[tuple[str, Level, str]]:
        out: list[tuple[str, Level, str]] = []
        passed, total = e.get("passed"), e.get("total")
        if e.get("error") or not isinstance(passed, int) or not isinstance(total, int) or \
                total <= 0:
            return [("evaluation", "warn", f"grading failed: {str(e.get('error'))[:200]}")] \
                if e.get("error") else []
        rate = passed / total
        at = as_int(e.get("tool_calls"), self.tool_calls)
        if self._last_rate is not None and rate < self._last_rate:
            out.append(("regression", "warn", f"regression: pass rate {self._last_rate:.1%} → "
                        f"{rate:.1%} ({passed}/{total}) at call {at}"))
        self._last_rate = rate
        if rate > self._best:
            self._best, self._best_at, self._stall_open = rate, at, False
        elif self._best < 1 and not self._stall_open and at - self._best_at >= self.stall_calls:
            # Judged on what was graded: calls not graded yet (a slow grader) are no stall.
            self._stall_open = True
            out.append(("stall", "warn", f"no better score for {at - self._best_at} tool calls "
                        f"(best {self._best:.1%} at call {self._best_at}, graded up to call "
                        f"{at})"))
        return out

    def _budget(self, step: int, t: float) -> list[tuple[str, Level, str]]:
        b = self.budgets
        used = {"max_steps": (step, b.get("max_steps"), "steps"),
                "max_time_s": (t - self.started_at if self.started_at and t else 0.0,
                               b.get("max_time_s"), "wall time"),
                "max_cost": (self.cost, b.get("max_cost"), "cost")}
        out: list[tuple[str, Level, str]] = []
        for key, (value, limit, label) in used.items():
            if not isinstance(limit, int | float) or limit <= 0:
                continue
            for share in BUDGET_SHARES:
                if value >= share * limit and (key, share) not in self._crossed:
                    self._crossed.add((key, share))
                    out.append(("budget", "warn" if share < 0.9 else "error",
                                f"{share:.0%} of the {label} budget used "
                                f"({_amount(key, value)} of {_amount(key, limit)})"))
        return out


def _amount(key: str, value: float) -> str:
    if key == "max_cost":
        return f"${value:.2f}"
    if key == "max_time_s":
        from agent.budgets import format_duration

        return format_duration(value)
    return str(int(value))
