"""Grader of the tiny test scenario: one test per expected line of log.txt (1..10)."""
import json
import sys
from pathlib import Path

log = Path(sys.argv[1]) / "log.txt"
lines = log.read_text().split() if log.exists() else []
tests = {f"line{i}": "pass" if str(i) in lines else "fail" for i in range(1, 11)}
low = sum(1 for i in range(1, 6) if tests[f"line{i}"] == "pass")
high = sum(1 for i in range(6, 11) if tests[f"line{i}"] == "pass")
print("grading", log)
print(json.dumps({"tests": tests, "stages": {"1-5": [low, 5], "6-10": [high, 5]}}))
