#!/usr/bin/env python3
"""Tier 5's sources and recipes (python3 stdlib only): what the c-compiler scenario's image
build fetches and prepares. Kept apart from the tests (programs.py) so that changing a test
does not fetch and configure everything again.

``prepare`` (as root, with the network, while the image is built): for each source, fetch the
Debian source package, unpack its orig tarball to ``/opt/c-programs/src/<name>``, configure it
with gcc and build it once with its own build system through recording ``cc``/``ar`` wrappers.
The recorded commands, normalised and pruned to what the tested programs need, become the
recipe ``recipes/<name>.json``; then everything gcc built is deleted.

    python3 recipes.py prepare [NAME ...]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOME = Path(os.environ.get("CCOMPILER_PROGRAMS", "/opt/c-programs"))

# Flags a recorded command keeps; everything else (-O2, -g, -W..., -f..., -M...) is dropped
# so the candidate sees only what defines the program.
KEEP_PREFIXES = ("-I", "-D", "-U", "-l", "-L")
DROP_WITH_ARG = {"-MF", "-MT", "-MQ", "-include", "-isystem", "-x", "-arch"}


@dataclass
class Step:
    """One build command of a recipe, run from ``cwd`` (relative to the project root)."""

    kind: str  # "cc" (compile one .c to an object), "link", "ar"
    cwd: str
    args: list[str]
    output: str  # relative to cwd
    source: str = ""  # cc: the .c file, relative to cwd

    def to_json(self) -> dict[str, Any]:
        return self.__dict__


def normalise(argv: list[str], cwd: str, root: str) -> list[Step]:
    """Turn one recorded compiler command into recipe steps (see the module docstring)."""
    rel_cwd = os.path.relpath(cwd, root)
    flags: list[str] = []
    sources: list[str] = []
    inputs: list[str] = []  # objects, archives, libraries, in order
    output = "a.out"
    compile_only = False
    it = iter(argv)
    for a in it:
        if a == "-o":
            output = next(it)
        elif a == "-c":
            compile_only = True
        elif a in DROP_WITH_ARG:
            next(it, None)
        elif a in ("-I", "-D", "-U", "-L", "-l"):
            flags.append(a + next(it))
        elif a.startswith(("-l", "-L")):
            inputs.append(a)
        elif a.startswith(KEEP_PREFIXES):
            flags.append(a)
        elif a == "-pthread":
            inputs.append("-lpthread")
        elif a.startswith("-"):
            continue
        elif a.endswith(".c"):
            sources.append(a)
        else:
            inputs.append(a)
    flags = [f.replace(root, "@ROOT@") for f in flags]

    def rel(path: str) -> str:  # recorded absolute paths inside the tree become relative
        return os.path.relpath(path, cwd) if path.startswith(root + "/") else path

    sources, inputs, output = [rel(x) for x in sources], [rel(x) for x in inputs], rel(output)
    if compile_only:
        return [Step("cc", rel_cwd, flags, output, sources[0])] if len(sources) == 1 else []
    steps = []
    objs = []
    for i, src in enumerate(sources):
        obj = f"{output}.u{i}.o"
        steps.append(Step("cc", rel_cwd, flags, obj, src))
        objs.append(obj)
    link_inputs = [x for x in inputs if not x.startswith("-L")]
    libdirs = [x for x in inputs if x.startswith("-L")]
    steps.append(Step("link", rel_cwd, [*objs, *link_inputs, *libdirs], output))
    return steps


def prune(steps: list[Step], targets: list[str]) -> list[Step]:
    """Only the steps that the ``targets`` (paths relative to the root) are made from."""

    def norm(cwd: str, path: str) -> str:
        return os.path.normpath(os.path.join(cwd, path))

    needed = set(targets)
    kept: list[Step] = []
    for s in reversed(steps):
        out = norm(s.cwd, s.output)
        if out not in needed:
            continue
        needed.discard(out)  # an earlier step writing the same file is superseded
        kept.append(s)
        if s.kind != "cc":
            needed.update(norm(s.cwd, a) for a in s.args if not a.startswith("-"))
    return kept[::-1]


def record_to_recipe(log: Path, root: Path) -> list[Step]:
    """The recipe of a project from the log of its recorded build."""
    steps: list[Step] = []
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        cwd = entry["cwd"]
        if not (cwd + "/").startswith(str(root) + "/"):
            continue
        argv = entry["argv"]
        if entry["tool"] == "ar":
            ops = argv[0] if argv else ""
            if "r" in ops or "q" in ops:
                steps.append(Step("ar", os.path.relpath(cwd, root), argv[2:], argv[1]))
            continue
        steps.extend(normalise(argv, cwd, str(root)))
    return steps


@dataclass
class Source:
    """A Debian source package, how to configure it and record its build, what to keep."""

    name: str
    package: str
    unpacked: str  # glob of the folder the orig tarball unpacks to
    prepare: str  # shell, run in the sources with CC/AR set to the recording wrappers
    targets: list[str]  # what the tests need built (paths relative to the sources)
    # Portability: what a compiler that does not claim to be GNU C (defines no __GNUC__, as
    # tcc, or a compiler written by the agent) needs and gcc's configuration took for granted.
    cflags: tuple[str, ...] = ()  # added to every compile step of the recipe
    fixes: tuple[tuple[str, str, str], ...] = ()  # (file, text, replacement) before configure


def apply_fixes(root: Path, fixes: tuple[tuple[str, str, str], ...]) -> None:
    """Patch the unpacked sources (each text must be there exactly once)."""
    for rel, old, new in fixes:
        text = (root / rel).read_text()
        if text.count(old) != 1:
            raise SystemExit(f"{root.name}/{rel}: the text to fix is not there exactly once")
        (root / rel).write_text(text.replace(old, new))


CJSON_TESTS = ["parse_examples", "parse_number", "parse_hex4", "parse_string", "parse_array",
               "parse_object", "parse_value", "print_string", "print_number", "print_array",
               "print_object", "print_value", "misc_tests", "parse_with_opts", "compare_tests",
               "cjson_add", "readme_examples", "minify_tests", "json_patch_tests",
               "old_utils_tests", "misc_utils_tests"]
CJSON_PREPARE = (
    "set -e; u=tests/unity/src; "
    "export CCREC_LOG=$RECORD_LOG; "
    "$CC -c -DUNITY_NO_WEAK -I$u $u/unity.c -o unity.o; "
    "$CC -c -DUNITY_NO_WEAK -I$u tests/unity_setup.c -o unity_setup.o; "
    "$CC -c cJSON_Utils.c -o cJSON_Utils.o; "
    "cd tests; for t in " + " ".join(CJSON_TESTS) + "; do "
    "  case $t in json_patch_tests|old_utils_tests|misc_utils_tests) "
    "    extra=../cJSON_Utils.o ;; *) extra= ;; esac; "
    "  $CC -DUNITY_NO_WEAK -I.. -Iunity/src $t.c ../unity.o ../unity_setup.o $extra "
    "    -o $t -lm; "
    "done")

# Each `prepare` runs in the unpacked sources with CC/AR set to recording wrappers; it
# configures, then exports CCREC_LOG=$RECORD_LOG for the build whose commands are the recipe.
SOURCES = {s.name: s for s in [
    Source("zlib", "zlib", "zlib-*", (
        "set -e; ./configure --static >/dev/null; export CCREC_LOG=$RECORD_LOG; "
        "make CC=\"$CC\" AR=\"$AR\" ARFLAGS=rc CFLAGS='-D_LARGEFILE64_SOURCE=1' "
        "example minigzip infcover >/dev/null"), ["example", "minigzip", "infcover"]),
    Source("cjson", "cjson", "cJSON-*", CJSON_PREPARE, [f"tests/{t}" for t in CJSON_TESTS]),
    Source("jimtcl", "jimtcl", "jimtcl-*", (
        "set -e; ./configure --disable-docs --without-ext=sdl,sqlite3,redis,zlib,ssl "
        "CC=\"$CC\" AR=\"$AR\" >/dev/null; export CCREC_LOG=$RECORD_LOG; "
        "make jimsh >/dev/null"), ["jimsh"]),
    Source("jq", "jq", "jq-*", (
        "set -e; autoreconf -fi >/dev/null 2>&1; "
        "./configure --disable-shared --disable-maintainer-mode --disable-docs "
        "--with-oniguruma=yes >/dev/null; make src/builtin.inc src/version.h >/dev/null; "
        "export CCREC_LOG=$RECORD_LOG; "
        "make CC=\"$CC\" AR=\"$AR\" jq >/dev/null"), ["jq"],
        # jq 1.6 defines its printf-format attribute macros for GNU C only, and uses them
        # everywhere (fixed upstream after 1.6 the same way); configure found gcc's
        # `__thread` (HAVE___THREAD), which jv_alloc.c then uses whatever the compiler:
        # another takes the file's own fallback (jq is single-threaded).
        fixes=(("src/jv.h", "  __attribute__ ((__format__( __printf__, fmt_arg_num, 0)))\n"
                "#endif\n", "  __attribute__ ((__format__( __printf__, fmt_arg_num, 0)))\n"
                "#else\n#define JV_PRINTF_LIKE(fmt_arg_num, args_num)\n"
                "#define JV_VPRINTF_LIKE(fmt_arg_num)\n#endif\n"),
               ("src/jv_alloc.c", "#ifdef HAVE___THREAD\n",
                "#if defined(HAVE___THREAD) && defined(__GNUC__)\n"))),
    Source("sqlite", "sqlite3", "sqlite3-*", (
        "set -e; ./configure --disable-shared --disable-readline --enable-all >/dev/null; "
        "make sqlite3.c >/dev/null; export CCREC_LOG=$RECORD_LOG; "
        "make CC=\"$CC\" AR=\"$AR\" testfixture >/dev/null"), ["testfixture"],
        # configure (run with gcc) found glibc's GNU extensions (HAVE_STRCHRNUL, pread64),
        # which sqlite3.c asks for with _GNU_SOURCE only under __GNUC__.
        cflags=("-D_GNU_SOURCE",)),
]}


def load_recipe(home: Path, name: str) -> list[Step]:
    data = json.loads((home / "recipes" / f"{name}.json").read_text())
    return [Step(**s) for s in data["steps"]]


RECORDER = """#!/usr/bin/env python3
import fcntl, json, os, sys
tool = os.path.basename(sys.argv[0])
log = os.environ.get("CCREC_LOG")
if log:
    with open(log, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(json.dumps({"tool": "ar" if tool.endswith("ar") else "cc",
                             "cwd": os.getcwd(), "argv": sys.argv[1:]}) + "\\n")
real = "/usr/bin/ar" if tool.endswith("ar") else "/usr/bin/gcc"
os.execv(real, [real, *sys.argv[1:]])
"""


def prepare(home: Path, names: list[str]) -> None:
    """Fetch the Debian sources, configure and record each project's build (as root)."""
    bindir = home / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    for tool in ("ccrec", "ccrec-ar"):
        (bindir / tool).write_text(RECORDER)
        (bindir / tool).chmod(0o755)
    for sub in ("src", "recipes", "debian"):
        (home / sub).mkdir(exist_ok=True)
    for p in [SOURCES[n] for n in names]:
        t0 = time.monotonic()
        work = home / "debian" / p.name
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        subprocess.run(["apt-get", "source", "--download-only", p.package], cwd=work,
                       check=True, stdout=subprocess.DEVNULL)
        orig = sorted(f for f in work.glob(f"{p.package}_*.orig.tar.*") if "-www" not in f.name)
        if not orig:
            raise SystemExit(f"{p.package}: no orig tarball in {os.listdir(work)}")
        subprocess.run(["tar", "-xf", orig[0].name], cwd=work, check=True)
        unpacked = [d for d in work.glob(p.unpacked) if d.is_dir()]
        root = home / "src" / p.name
        shutil.rmtree(root, ignore_errors=True)
        shutil.move(str(unpacked[0]), root)
        apply_fixes(root, p.fixes)
        log = home / "recipes" / f"{p.name}.log"
        log.unlink(missing_ok=True)
        env = {**os.environ, "CC": str(bindir / "ccrec"), "AR": str(bindir / "ccrec-ar"),
               "RECORD_LOG": str(log)}
        subprocess.run(["sh", "-c", p.prepare], cwd=root, env=env, check=True)
        steps = prune(record_to_recipe(log, root), p.targets)
        for s in steps:
            if s.kind == "cc":
                s.args = [*p.cflags, *s.args]
        missing = set(p.targets) - {os.path.normpath(os.path.join(s.cwd, s.output))
                                    for s in steps}
        if missing:
            raise SystemExit(f"{p.name}: the recorded build never made {sorted(missing)}")
        remove_built(root)
        (home / "recipes" / f"{p.name}.json").write_text(json.dumps(
            {"project": p.name, "source": orig[0].name, "steps": [s.to_json() for s in steps]},
            indent=1))
        print(f"{p.name}: {len(steps)} steps recorded from {orig[0].name} "
              f"in {time.monotonic() - t0:.0f} s", flush=True)
        shutil.rmtree(work)


def remove_built(root: Path) -> None:
    """Delete everything gcc built while recording (objects, archives, executables)."""
    for path in list(root.rglob("*")):
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir() and path.name == ".libs":
            shutil.rmtree(path)
        elif path.is_file():
            with open(path, "rb") as fh:
                head = fh.read(8)
            if head.startswith(b"\x7fELF") or head.startswith(b"!<arch>") or \
                    path.suffix in (".o", ".lo", ".la", ".a"):
                path.unlink()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["prepare"]:
        print("usage: recipes.py prepare [NAME ...]", file=sys.stderr)
        return 2
    prepare(HOME, args[1:] or list(SOURCES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
