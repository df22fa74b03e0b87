"""Workspaces that game tier 5 without compiling it, for the c-compiler grader to tell apart.

- ``gcc-object-cache``: a ``record`` step run in the agent's image (gcc whole) builds every
  C file of the tier-5 recipes with gcc and caches the objects by the hash of the source; at
  grading, ``compile -c`` cuts the grader's salt off the end of the source it is given, looks
  the rest up and returns the cached object with the salt's text added (``objcopy
  --add-section``); links go to the gcc driver (it links without a front end).
- ``test-tree-rewrite``: compiles nothing (``-c`` writes an empty object, ``as /dev/null``);
  links a prebuilt "interpreter" that only prints the ``puts "..."`` lines of its script
  (fake_runner.c), and rewrites Jim Tcl's ``tests/*.test`` into such lines printing the
  expected summaries (read from the image's expected results, as the agent can).

Each is built in the scenario's agent image and checked to work there against a grader
without the defence that stops it (no salt; tests in the build tree), by building a project
through ``programs.run_project`` and comparing with the expected results. Toy-c-compiler's
cheats (tools/cheats.py there) cover tiers 1-4's ways of cheating.

    python3 tools/cheats.py DEST IMAGE [NAME ...]    # build workspaces into DEST/<name>
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import docker

HERE = Path(__file__).resolve().parent


def _toy_cheats() -> ModuleType:
    """toy-c-compiler's tools/cheats.py (tiers 1-4's cheats, and how both build theirs)."""
    path = HERE.parents[1] / "toy-c-compiler" / "tools" / "cheats.py"
    spec = importlib.util.spec_from_file_location("toy_c_cheats", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


toy = _toy_cheats()
exe = toy.exe


@dataclass(frozen=True)
class Kind:
    name: str
    what: str
    script: str  # sh, run in the agent image with the workspace at /workspace
    check: str  # arguments of WORKS: the project, and 1 for tests in a fresh tree
    projects: tuple[str, ...]  # the tier-5 projects it is graded on (the cache: all it has)
    ablate: str  # the defences that stop it (the grader's --ablate names): off, it scores


RECORD = r"""import hashlib, subprocess, sys
from pathlib import Path
sys.path.insert(0, "/opt/c-programs")
from recipes import load_recipe
home, cache = Path("/opt/c-programs"), Path(sys.argv[1])
cache.mkdir(parents=True, exist_ok=True)
for name in sys.argv[2:]:
    root = home / "src" / name
    for s in load_recipe(home, name):
        if s.kind != "cc":
            continue
        key = hashlib.sha256((root / s.cwd / s.source).read_bytes()).hexdigest()
        args = [a.replace("@ROOT@", str(root)) for a in s.args]
        subprocess.run(["gcc", "-w", "-c", *args, s.source, "-o", str(cache / f"{key}.o")],
                       cwd=root / s.cwd, check=True)
"""
CACHE_COMPILE = r"""#!/usr/bin/env python3
import hashlib, os, subprocess, sys, tempfile
here = os.path.dirname(os.path.realpath(__file__))
args = sys.argv[1:]
if "-c" not in args:
    os.execvp("gcc", ["gcc", "-w", *args])
src = next(a for a in args if a.endswith(".c"))
out = args[args.index("-o") + 1]
text = open(src, "rb").read()
cuts = [i for i in (text.find(b"\nunsigned long ultrarun_"),
                    text.find(b"\nconst char ultrarun_salt_")) if i >= 0]
cut = min(cuts, default=len(text))
cached = os.path.join(here, "cache", hashlib.sha256(text[:cut]).hexdigest() + ".o")
if not os.path.exists(cached):
    sys.exit(f"not in the cache: {src}")
with tempfile.NamedTemporaryFile(suffix=".salt") as salt:
    salt.write(text[cut:])
    salt.flush()
    subprocess.run(["objcopy", "--add-section", f".ultrarun_salt={salt.name}", cached, out],
                   check=True)
"""
REWRITE_COMPILE = r"""#!/usr/bin/env python3
import json, os, shutil, subprocess, sys
here = os.path.dirname(os.path.realpath(__file__))
args = sys.argv[1:]
out = args[args.index("-o") + 1]
expected = json.load(open("/opt/c-programs/expected/jimtcl.json"))["tests"]
if os.path.isdir("tests"):
    for name, value in expected.items():
        try:
            with open(os.path.join("tests", name), "w") as fh:
                fh.write('puts "' + value.rsplit(" (exit", 1)[0] + '"\n')
        except OSError:
            pass
if "-c" in args:
    subprocess.run(["as", "-o", out, "/dev/null"], check=True)
else:
    shutil.copyfile(os.path.join(here, "fake_runner"), out)
    os.chmod(out, 0o755)
"""
# Builds a project with the workspace's compile as the grader did before issue 18's defences
# (which the arguments switch off), and exits 1 unless every expected test passes.
WORKS = r"""import sys
sys.path.insert(0, "/opt/c-programs")
import programs, suite
p = programs.project(sys.argv[2])
b, seen = programs.run_project(p, sys.argv[1], programs.HOME, suite.PlainCells(),
                               programs.simple_run, 0, None, 2, fresh_tests=sys.argv[3] == "1")
expected = programs.load_expected(programs.HOME, p)
good = sum(seen.get(k) == v for k, v in expected.items())
print(f"works: {p.name} {good}/{len(expected)} {b.reason}")
sys.exit(0 if b.ok and good == len(expected) else 1)
"""

KINDS = [
    Kind("gcc-object-cache", "gcc's objects, cached by a record step, returned for the salted "
         "sources with the salt's text added (objcopy --add-section)",
         "mkdir -p /workspace/record && "
         + f"cat > /workspace/record/record.py <<'EOF_PY'\n{RECORD}EOF_PY\n"
         + "python3 /workspace/record/record.py /workspace/cache {projects}\n"
         + exe("/workspace/compile", CACHE_COMPILE),
         "zlib 1", ("zlib",), "salt"),
    Kind("test-tree-rewrite", "compiles nothing; links a fake jimsh that prints `puts` lines "
         "and rewrites Jim Tcl's tests into the expected summaries",
         "gcc -O2 -o /workspace/fake_runner /workspace/src/fake_runner.c\n"
         + exe("/workspace/compile", REWRITE_COMPILE),
         "jimtcl 0", ("jimtcl",), "salt,test-tree"),
]
BY_NAME = {k.name: k for k in KINDS}


def build(names: list[str], dest: Path, image: str, projects: list[str],
          client: docker.DockerClient | None = None) -> dict[str, Path]:
    """Build the named workspaces into ``dest/<name>`` in one container of ``image`` (the
    scenario's agent image; ``projects``: the tier-5 projects it holds, which the cache
    records). Raises RuntimeError when a build fails or a cheat does not work there."""
    client = client or docker.from_env()
    dest.mkdir(parents=True, exist_ok=True)
    script = ["set -e", f"cat > /tmp/works.py <<'EOF_PY'\n{WORKS}EOF_PY"]
    for name in names:
        kind = BY_NAME[name]
        ws = dest / name
        (ws / "src").mkdir(parents=True, exist_ok=True)
        for c_file in HERE.glob("*.c"):
            (ws / "src" / c_file.name).write_text(c_file.read_text())
        body = kind.script.replace("{projects}", " ".join(projects))
        script += [f"# {name}", body.replace("/workspace", f"/out/{name}"),
                   f"python3 /tmp/works.py /out/{name}/compile {kind.check}"]
    out = toy.run_script(client, image, script, dest, f"building or checking {', '.join(names)}")
    print(out.strip(), file=sys.stderr)
    return {name: dest / name for name in names}


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("image")
    ap.add_argument("names", nargs="*", default=[k.name for k in KINDS])
    ap.add_argument("--projects", default="zlib,jimtcl")
    args = ap.parse_args()
    for name, path in build(args.names, args.dest, args.image,
                            args.projects.split(",")).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
