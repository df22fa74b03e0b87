"""Counts the lines of log.txt (the tier asserts on the harness, not on this grade)."""

import json
import sys
from pathlib import Path

log = Path(sys.argv[1]) / "log.txt"
ok_file = log.is_file() and not log.is_symlink()
lines = log.read_text(errors="replace").splitlines() if ok_file else []
ok = len(lines) >= 10
print(json.dumps({"tests": {"ten-lines": "pass" if ok else "fail"},
                  "stages": {"log": [int(ok), 1]}}))
