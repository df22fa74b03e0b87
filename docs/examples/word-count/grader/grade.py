"""Hidden grader of the word-count example: runs /workspace/wc.py on files it writes."""

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# When the scenario sets `grader.isolate`, ultrarun runs this grader as root with /grader
# readable by root only, and ULTRARUN_RUN_AS drops the candidate's code to the agent's uid.
RUN_AS = shlex.split(os.environ.get("ULTRARUN_RUN_AS", ""))
CASES = {"empty": b"", "one-line": b"one two three\n", "no-newline": b"a b",
         "utf8": "é ü\n".encode(), "blank-lines": b"\n\n\n", "tabs": b"a\tb  c\n d\n"}


def expected(data: bytes) -> str:
    lines = data.count(b"\n")
    return f"{lines} {len(data.split())} {len(data)}\n"


def run(workspace: Path, args: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN_AS, sys.executable, str(workspace / "wc.py"), *args], cwd=cwd,
                          capture_output=True, timeout=10, stdin=subprocess.DEVNULL)


def main() -> None:
    workspace = Path(sys.argv[1])
    tests: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        for name, data in CASES.items():
            path = Path(tmp) / f"{name}.txt"
            path.write_bytes(data)
            os.chmod(path, 0o644)
            try:
                r = run(workspace, [str(path)], tmp)
                tests[name] = "pass" if r.returncode == 0 and r.stdout.decode() == expected(data) \
                    else "fail"
            except subprocess.TimeoutExpired:
                tests[name] = "timeout"
        try:
            r = run(workspace, [str(Path(tmp) / "missing.txt")], tmp)
            tests["missing-file"] = "pass" if r.returncode == 1 and r.stderr else "fail"
        except subprocess.TimeoutExpired:
            tests["missing-file"] = "timeout"
    counts = [sum(v == "pass" for k, v in tests.items() if k != "missing-file"), len(CASES)]
    stages = {"counts": counts, "errors": [int(tests["missing-file"] == "pass"), 1]}
    print(json.dumps({"tests": tests, "stages": stages}))


if __name__ == "__main__":
    main()
