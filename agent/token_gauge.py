"""How many prompt tokens the next request will be, grounded in what the endpoint counted.

Our own estimate (JSON characters / 4) misses what a server counts: the chat template's
rendering of the tool schemas, the roles' markup, text dense in tokens (entities, symbols,
non-Latin scripts). On a real 8k-window server a run whose estimate said 3.8k overflowed
again and again. So the gauge starts from the endpoint's own count of the previous request
(``usage.prompt_tokens``, or the count a context-length error names) and only estimates what
was added since, at the tokens-per-character the endpoint has counted for the recent additions
(with a margin): steps that added entity-heavy output make the next steps' additions count
heavily too.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from agent.context import estimate_tokens

#: Calibrations (endpoint tokens / our estimate) are clamped to this range: a hostile or
#: broken endpoint's counts must not make the loop compact every step or never. Byte-level
#: tokenizers count up to 3 tokens a CJK character, 12 times the estimate.
CALIBRATION_RANGE = (0.1, 16.0)
#: Added content is counted at no less than this many endpoint tokens per estimated token
#: (low: a server may drop parts of a request, e.g. llama-cpp-python's chatml-function-calling
#: template renders no tool result, and its counts are what matter).
MIN_ADDED_DENSITY = 0.25
#: The next addition is counted at the density of this many recent ones together...
DENSITY_MEMORY = 20
#: ... times this margin (the newest output may be denser than those before it). The
#: densest single recent addition would be safer, and compacts every other step when small
#: dense tool-call JSON alternates with long plain outputs.
DENSITY_MARGIN = 1.25


def _clamp(x: float) -> float:
    return max(CALIBRATION_RANGE[0], min(CALIBRATION_RANGE[1], x))


class TokenGauge:
    """Estimates a request's prompt tokens from the last one the endpoint counted.

    ``observe`` after every request the endpoint counted (its answer's usage, or the number
    in its context-length error); ``estimate`` before the next one.
    """

    def __init__(self, tools: list[dict[str, Any]]) -> None:
        # The tool schemas go with every request: a constant part of the prompt, which keeps
        # the calibration steady when the conversation is short (e.g. just after compaction).
        self.tools_est = estimate_tokens(tools)
        self.calibration = 1.0  # endpoint tokens / our estimate, of the last counted request
        self._base: tuple[int, int] | None = None  # (endpoint's count, our raw estimate)
        # Recent additions: (endpoint tokens, estimated tokens) each.
        self._added: deque[tuple[int, int]] = deque(maxlen=DENSITY_MEMORY)
        # The densest request the endpoint refused as too long: what a compaction's summary
        # and notes are cut at (they may be denser than any recent addition).
        self.overflow_density = 1.0
        # The run's first counted request is the head every request starts with (system
        # prompt, task, tool schemas): its density is the head's, whatever follows.
        self.head_density: float | None = None
        # Measured on the first request after a compaction: endpoint tokens per estimated token
        # of the summary message (summary and notes), the head's share taken out.
        self.measured_summary_density: float | None = None

    def raw(self, view: list[dict[str, Any]]) -> int:
        """Our uncalibrated estimate of a request (its messages and the tool schemas)."""
        return estimate_tokens(view) + self.tools_est

    @property
    def added_density(self) -> float:
        """Endpoint tokens per estimated token of newly added content: that of the recent
        additions together, with a margin (the whole request's ratio until one was measured;
        not after: a dense summary would make every plain step look dense)."""
        if not self._added:
            return max(MIN_ADDED_DENSITY, self.calibration)
        counted, raw = (sum(x) for x in zip(*self._added, strict=True))
        return max(MIN_ADDED_DENSITY, DENSITY_MARGIN * _clamp(counted / max(1, raw)))

    def observe(self, counted: int, view: list[dict[str, Any]], refused: bool = False) -> None:
        """The endpoint counted ``counted`` prompt tokens for ``view`` (``refused``: in the
        error that refused it as too long)."""
        raw = max(1, self.raw(view))
        if self._base is not None and raw > self._base[1] and counted > self._base[0]:
            self._added.append((counted - self._base[0], raw - self._base[1]))
        self.calibration = _clamp(counted / raw)
        self._base = (counted, raw)
        if self.head_density is None and not refused:
            self.head_density = self.calibration
        if refused:
            self.overflow_density = max(self.overflow_density, self.calibration)

    def head_tokens(self, head: list[dict[str, Any]]) -> float:
        """Endpoint tokens of the request's head (its first messages and the tool schemas)."""
        return self.raw(head) * (self.head_density or self.calibration)

    def observe_summary(self, counted: int, head: list[dict[str, Any]],
                        summary: dict[str, Any]) -> None:
        """A request that was the head and a compaction's summary only counted ``counted``."""
        own = counted - self.head_tokens(head)
        if own > 0:
            self.measured_summary_density = _clamp(own / max(1, estimate_tokens([summary])))

    @property
    def summary_density(self) -> float:
        """Endpoint tokens per estimated token to fit a compaction's summary at: as measured
        on the last compacted request, else the densest the endpoint has shown."""
        if self.measured_summary_density is not None:
            return max(MIN_ADDED_DENSITY, self.measured_summary_density)
        return max(self.added_density, self.overflow_density)

    def estimate(self, view: list[dict[str, Any]]) -> int:
        """The prompt tokens ``view`` will count: the last count plus what was added since
        (at the recent additions' density), or the calibrated estimate when the request shrank
        (a compaction, a mask) and the last count says nothing of its content."""
        raw = self.raw(view)
        if self._base is None or raw < self._base[1]:
            return int(raw * self.calibration)
        counted, base_raw = self._base
        return counted + int((raw - base_raw) * self.added_density)

    def forget_base(self) -> None:
        """The conversation was replaced (compaction): the last count is of another request."""
        self._base = None
