"""Grader of the `regress` test scenario: `state` ok (one test) and a test per line of log.txt
(1..40). A file `sleep` beside this grader holds seconds to sleep first (a slow grader)."""
import json
import sys
import time
from pathlib import Path

pause = Path(__file__).with_name("sleep")
if pause.exists():
    time.sleep(float(pause.read_text()))
ws = Path(sys.argv[1])
state = (ws / "state").read_text().strip() if (ws / "state").exists() else ""
lines = (ws / "log.txt").read_text().split() if (ws / "log.txt").exists() else []
tests = {"state": "pass" if state == "ok" else "fail"}
tests.update({f"line{i:02d}": "pass" if str(i) in lines else "fail" for i in range(1, 41)})
print(json.dumps({"tests": tests, "stages": {"all": [sum(v == "pass" for v in tests.values()),
                                                     len(tests)]}}))
