"""Keeping each request within the context window, for the loop: when a policy masks or
compacts, the window learnt from the endpoint, the compaction itself, and what an overflow
teaches. The policies (agent/context.py) decide what a request carries; the estimate is
grounded in the endpoint's counts (agent/token_gauge.py); the summary call and its last resort
are agent/compaction.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.compaction import CUT_SHARE, cut_to_count, fit_summary, summarize
from agent.context import (
    SUMMARY_SHARE,
    CompactPolicy,
    ContextPolicy,
    FullPolicy,
    mechanical_summary,
    summary_message,
)
from agent.conversation import ConversationBuilder
from agent.models.base import ContextExceeded, Model
from agent.stop import StopSignal
from agent.token_gauge import TokenGauge
from agent.trajectory.events import ContextEvent
from agent.trajectory.run_info import RunInfo

View = list[dict[str, Any]]


class ContextKeeper:
    """One run's context management. ``conversation`` gives the loop's current fold (resume
    and fork swap it), ``emit`` records and folds an event, ``notes`` reads the agent's notes."""

    def __init__(self, *, conversation: Callable[[], ConversationBuilder],
                 emit: Callable[..., Any], model: Model, stop: StopSignal,
                 tools: list[dict[str, Any]], info: RunInfo, save_info: Callable[[], None],
                 notes: Callable[[], str | None], summaries_from_model: bool) -> None:
        self._fold = conversation
        self._emit = emit
        self.model, self.stop, self.info = model, stop, info
        self._save_info, self._notes = save_info, notes
        self.summaries_from_model = summaries_from_model
        self.gauge = TokenGauge(tools)  # prompt tokens, from the endpoint's counts
        self._cuts = 0  # summaries cut for the call in progress

    @property
    def policy(self) -> ContextPolicy:
        return self._fold().policy

    @property
    def messages(self) -> View:
        return self._fold().messages

    def view(self) -> View:
        """What the next request carries."""
        return self.policy.view(self.messages, self._fold().conv.meta)

    def estimate(self, view: View | None = None) -> int:
        return self.gauge.estimate(self.view() if view is None else view)

    # -- before a call ---------------------------------------------------------------------
    def before_call(self, step: int) -> None:
        """Mask or compact when due, before the next request."""
        self._cuts = 0
        if isinstance(self.policy, FullPolicy):
            return  # nothing to decide; estimating would cost O(history) every step
        est = self.estimate()
        if isinstance(self.policy, CompactPolicy):
            if self.policy.due(est) and len(self.messages) > 3:
                self.compact(step, forced=False)
            return
        change = self.policy.update(self.messages, self._fold().conv.step_starts, est)
        if change:
            self._emit(ContextEvent, step, action=self.policy.name,
                       details={**change, "est_tokens_before": est,
                                "est_tokens_after": self.estimate()})

    def probe_window(self, step: int) -> None:
        """Ask the server for its context window when compaction needs one nobody set."""
        probe = getattr(self.model, "probe_context_window", None)
        if not isinstance(self.policy, CompactPolicy) or self.policy.window_known or \
                probe is None:
            return
        found = probe()
        if found:
            self.learn_window(step, found[0], f"server ({found[1]})")

    def learn_window(self, step: int, window: int, source: str,
                     error: str | None = None) -> None:
        """Use and record a context window the endpoint told of (resume restores it)."""
        if isinstance(self.policy, CompactPolicy):
            if self.policy.window_known and self.policy.context_window == window:
                return
        elif self.info.context_window == window:
            return
        self.info.context_window = window
        details: dict[str, Any] = {"context_window": window, "source": source}
        if error:
            details["error"] = error[:500]
        self._emit(ContextEvent, step, action="window", details=details)
        self._save_info()

    # -- after a call ----------------------------------------------------------------------
    def observe(self, prompt_tokens: int | None) -> None:
        """The endpoint counted ``prompt_tokens`` for the request just answered (the
        conversation has not changed since)."""
        if not prompt_tokens or isinstance(self.policy, FullPolicy):
            return  # only the policies use the estimate
        self.gauge.observe(prompt_tokens, self.view())
        if isinstance(self.policy, CompactPolicy) and len(self.messages) == 3:
            self.gauge.observe_summary(prompt_tokens, self.messages[:2], self.messages[2])

    def overflowed(self, step: int, e: ContextExceeded, view: View, attempt: int) -> None:
        """The endpoint refused ``view`` as too long: learn what it said (window, its count of
        the request), then compact, or cut the compacted request harder; raise when that
        cannot help (the third overflow of one call)."""
        if e.prompt_tokens:
            self.gauge.observe(e.prompt_tokens, view, refused=True)
        if not isinstance(self.policy, CompactPolicy):
            guess = max(1000, int(self.estimate() * 0.9))
            self._emit(ContextEvent, step, action="fallback",
                       details={"from": self.policy.name, "to": "compact", "error": str(e),
                                "context_window": None if e.window else guess})
        if e.window:
            self.learn_window(step, e.window, "context-length error", str(e))
        if attempt == 0 and len(self.messages) > 3:
            self.compact(step, forced=True, error=str(e))
        elif attempt == 2 or not self._cut_harder(step, e):
            raise ContextExceeded(
                f"the request is longer than the context window even after compacting and "
                f"cutting the summary (the system prompt and the task alone may not fit): {e}",
                status=e.status, retries=e.retries, window=e.window,
                prompt_tokens=e.prompt_tokens) from None

    def _cut_harder(self, step: int, e: ContextExceeded) -> bool:
        """The compacted request still overflows: cut its summary to fit the window at the
        density the endpoint just counted (half of it; a quarter the next time), say so."""
        assert isinstance(self.policy, CompactPolicy)
        if len(self.messages) != 3:
            return False  # no summary to cut: the task alone is too long
        window, share = self.policy.context_window, CUT_SHARE / 2 ** self._cuts
        self._cuts += 1
        head = self.gauge.head_tokens(self.messages[:2])
        cut = cut_to_count(self.messages[2], e.prompt_tokens, head, window, share) \
            if e.prompt_tokens else fit_summary(self.messages[2], head, window,
                                                self.gauge.calibration, share)
        self._emit(ContextEvent, step, action="compact", details={
            "message": cut, "replaced_messages": 1, "forced": True, "harder": True,
            "why": (f"the compacted request still exceeded the context window (endpoint "
                    f"count {e.prompt_tokens or 'not given'}, window {window}): its summary "
                    f"and notes were cut to {share:.0%} of the window"),
            "est_tokens_after": self.estimate(), "context_window": window,
            "error": str(e)[:500]})
        self.gauge.forget_base()
        return True

    # -- compaction ------------------------------------------------------------------------
    def compact(self, step: int, forced: bool, error: str | None = None) -> None:
        """Replace the history after the task by a summary (the model's, else a mechanical
        one) and the agent's notes, cut to fit the window."""
        policy = self.policy
        assert isinstance(policy, CompactPolicy)
        before = self.estimate()
        summary: str | None = None
        usage: dict[str, Any] = {}
        if self.summaries_from_model:
            # Never trust a calibration below 1 here: it is measured on the agent's requests,
            # whose JSON envelopes (call ids...) a chat template mostly drops, while the
            # summary request is plain text, which has more tokens per character.
            budget = int(policy.context_window * SUMMARY_SHARE / max(1.0, self.gauge.calibration))
            summary, usage = summarize(self.model, self.stop, self.messages,
                                       policy.summary_prompt, budget)
        if not summary:
            summary = mechanical_summary(self.messages)
        message = summary_message(summary, self._notes())
        # A summary and notes too long for the window are cut now, at the densest the
        # endpoint has counted, rather than sent to overflow.
        head = self.gauge.head_tokens(self.messages[:2])
        fitted = fit_summary(message, head, policy.context_window, self.gauge.summary_density)
        self.gauge.forget_base()  # the next request is another conversation
        after = int(head + self.gauge.raw([fitted]) * self.gauge.summary_density)
        self._emit(ContextEvent, step, action="compact",
                   details={"message": fitted, "replaced_messages": len(self.messages) - 2,
                            "est_tokens_before": before, "est_tokens_after": after,
                            "forced": forced, "context_window": policy.context_window,
                            **({"cut": True} if fitted is not message else {}),
                            **({"error": error[:500]} if error else {}), **usage})
