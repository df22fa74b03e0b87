"""Grader of the real-model tier's scenario: does notes.txt exist and say hello?"""
import json
import sys
from pathlib import Path

notes = Path(sys.argv[1]) / "notes.txt"
text = notes.read_text(errors="replace") if notes.is_file() and not notes.is_symlink() else ""
tests = {"exists": "pass" if text else "fail", "hello": "pass" if "hello" in text else "fail"}
print(json.dumps({"tests": tests, "stages": {"notes": [sum(v == "pass" for v in tests.values()),
                                                       2]}}))
