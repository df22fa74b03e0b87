"""Analysis of run folders: coherence metrics, reports (terminal, JSON, HTML) and comparisons.

Analysis only reads run folders; it never writes into them.
"""

from agent.analysis.metrics import BUILD_COMMAND_PATTERN, RunMetrics, compute_metrics

__all__ = ["BUILD_COMMAND_PATTERN", "RunMetrics", "compute_metrics"]
