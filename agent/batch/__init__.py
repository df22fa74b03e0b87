"""Batches: a matrix of scenarios x models x seeds, run on one machine or on a Ray cluster.

See docs/scale.md. The matrix format is documented in `agent.batch.matrix`.
"""

from agent.batch.core import BatchOptions, BatchResult, run_batch
from agent.batch.entry import EntryOutcome, plan, run_entry
from agent.batch.index import BatchIndex, BatchRecorder, EntryRecord
from agent.batch.matrix import BatchMatrix, Entry, MatrixError, expand, load_matrix, model_slug
from agent.batch.stop import BatchStop

__all__ = ["BatchIndex", "BatchMatrix", "BatchOptions", "BatchRecorder", "BatchResult",
           "BatchStop", "Entry", "EntryOutcome", "EntryRecord", "MatrixError", "expand",
           "load_matrix", "model_slug", "plan", "run_batch", "run_entry"]
