"""Where a tool call's full output is kept: ``outputs/<call id, made safe>.log``.

The one naming rule for the recorder that stores an output, ``read_log`` that pages it, and
``replay --execute`` that re-creates it.
"""

from __future__ import annotations

from pathlib import Path


def output_file(outputs_dir: Path, call_id: str) -> Path:
    """The file holding the full output of call ``call_id`` (an id from the model: any text)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in call_id)[:100]
    return outputs_dir / f"{safe}.log"
