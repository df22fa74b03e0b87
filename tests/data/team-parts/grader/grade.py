"""Grader of team-parts: one test per expected part (agents a1..a3, parts 1..6)."""

import json
import sys
from pathlib import Path


def main() -> None:
    workspace = Path(sys.argv[1])
    tests = {}
    for agent in ("a1", "a2", "a3"):
        for k in range(1, 7):
            name = f"{agent}-{k}"
            path = workspace / "parts" / f"{name}.txt"
            ok = path.is_file() and path.read_text().strip() == name
            tests[f"{agent}/{name}"] = "pass" if ok else "fail"
    stages = {}
    for test, verdict in tests.items():
        stage = test.split("/")[0]
        passed, total = stages.get(stage, [0, 0])
        stages[stage] = [passed + (verdict == "pass"), total + 1]
    print(json.dumps({"tests": tests, "stages": stages}))


if __name__ == "__main__":
    main()
