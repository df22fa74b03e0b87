"""Counts the pages read (the tier asserts on the harness, not on this grade)."""

import json
import sys
from pathlib import Path

page = Path(sys.argv[1]) / ".page"
ok_file = page.is_file() and not page.is_symlink()
text = page.read_text(errors="replace").strip() if ok_file else ""
ok = text.isdigit() and int(text) >= 10
print(json.dumps({"tests": {"ten-pages": "pass" if ok else "fail"},
                  "stages": {"pages": [int(ok), 1]}}))
