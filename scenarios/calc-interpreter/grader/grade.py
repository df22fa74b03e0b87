"""Hidden grader of calc-interpreter: runs every program of tests/<stage>/ with WORKSPACE/interp.

Usage: python3 grade.py WORKSPACE. A test passes when stdout and the exit code (from
<name>.code, else 0) are exactly as expected; each program has its own timeout. The last
stdout line is the JSON result docs/scenarios.md ("The grader") describes.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 10
# Set by ultrarun when this grader runs as root with its files hidden: the prefix that runs
# the interpreter as the agent's user. Programs are copied where that user can read them.
RUN_AS = shlex.split(os.environ.get("ULTRARUN_RUN_AS", ""))


def run_one(interp: Path, test: Path, scratch: str) -> str:
    want_out = test.with_suffix(".out").read_text()
    code_file = test.with_suffix(".code")
    want_code = int(code_file.read_text()) if code_file.exists() else 0
    program = Path(scratch) / f"{test.parent.name}-{test.name}"
    shutil.copyfile(test, program)
    os.chmod(program, 0o644)
    try:
        r = subprocess.run([*RUN_AS, str(interp), str(program)], cwd=scratch,
                           capture_output=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "timeout"
    except OSError:
        return "error"  # no interp, not executable, bad interpreter line...
    out = r.stdout.decode("utf-8", "replace")
    return "pass" if out == want_out and r.returncode == want_code else "fail"


def main() -> None:
    workspace = Path(sys.argv[1] if len(sys.argv) > 1 else "/workspace").resolve()
    interp = workspace / "interp"
    tests = sorted((HERE / "tests").glob("*/*.calc"))
    with tempfile.TemporaryDirectory() as scratch, \
            ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        os.chmod(scratch, 0o777)  # the interpreter may run as another (unprivileged) user
        verdicts = list(pool.map(lambda t: run_one(interp, t, scratch), tests))
    results: dict[str, str] = {}
    stages: dict[str, list[int]] = {}
    for test, verdict in zip(tests, verdicts, strict=True):
        stage = test.parent.name
        results[f"{stage}/{test.stem}"] = verdict
        counts = stages.setdefault(stage, [0, 0])
        counts[0] += verdict == "pass"
        counts[1] += 1
        print(f"{verdict:8} {stage}/{test.stem}")
    print(json.dumps({"tests": results, "stages": stages}))


if __name__ == "__main__":
    main()
