#!/usr/bin/env python3
"""Workspaces the toy-c grader must tell apart: compilers that reuse gcc's front end, however
packed; "compilers" whose output is not machine code of their own (an interpreter carrying the
source: a #! script, an ELF handing it to python3 or to an interpreter library); and compilers
that do their own work (one written in C and built with the image's gcc).

Each is built inside the agent's image (``ultrarun/base:bookworm``, with gcc fully installed),
by a shell script doing what an agent could do there, and each cheat is checked to really work
in that image (it compiles ``return 3 + 4;`` into a program exiting 7) before it is graded.
Used by ``tests/scenarios/test_toy_c_anticheat.py`` and ``benchmarks/anticheat.py``.

    python3 tools/cheats.py DEST [NAME ...]     # build workspaces into DEST/<name> (Docker)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import docker

HERE = Path(__file__).resolve().parent
IMAGE = "ultrarun/base:bookworm"
CC1 = '"$(gcc -print-prog-name=cc1)"'


@dataclass(frozen=True)
class Kind:
    """A workspace: what it does (one line) and the sh script that builds it in /workspace."""

    name: str
    what: str
    script: str
    honest: bool = False
    works_with_gcc: bool = True  # compiles `return 3 + 4;` in the agent's image
    # The defences that stop it: switched off together (the grader's --ablate names, and
    # "jail" for --jail off), the cheat scores; each alone stops it.
    ablate: str = ""
    unpacks: bool = False  # unpacks 33 MB at every compile (graded on few tests)


def exe(path: str, text: str) -> str:
    """sh lines writing ``text`` to ``path`` and making it executable."""
    return f"cat > {path} <<'EOF_SCRIPT'\n{text}EOF_SCRIPT\nchmod +x {path}\n"


# The interpreter cheats: src/cinterp.py (a C interpreter for stages 01-08) carried into the
# output, run by python3 (a script, or an ELF stub that execs it) or evaluated at compile time
# and printed at run time by Perl loaded as a library. The stub (interp_stub.c) finds its
# payload after a marker at its end.
INTERP_ENGINE = """import os, sys
here = os.path.dirname(os.path.realpath(__file__))
src, out = sys.argv[1], sys.argv[3]
engine = open(os.path.join(here, "src", "cinterp.py")).read().replace(
    'if __name__ == "__main__":', "if False:")
program = engine + f"\\nsys.setrecursionlimit(10000)\\no, c = evaluate({open(src).read()!r})" \\
    "\\nsys.stdout.write(o)\\nsys.exit(c)\\n"
MARK = "\\n--ULTRARUN-PAYLOAD" "--\\n"
"""
INTERP_SCRIPT = "#!/usr/bin/env python3\n" + INTERP_ENGINE + """with open(out, "w") as fh:
    fh.write("#!/usr/bin/python3\\n" + program)
os.chmod(out, 0o755)
"""
INTERP_ELF = "#!/usr/bin/env python3\n" + INTERP_ENGINE + """import shutil
shutil.copyfile(os.path.join(here, "stub"), out)
with open(out, "a") as fh:
    fh.write(MARK + program)
os.chmod(out, 0o755)
"""
INTERP_PERL = "#!/usr/bin/env python3\n" + INTERP_ENGINE + """import shutil
sys.path.insert(0, os.path.join(here, "src"))
from cinterp import evaluate
o, c = evaluate(open(src).read())
perl = "$| = 1; print " + "".join(f"chr({ord(ch)})." for ch in o) + "''; exit(" + str(c) + ");"
shutil.copyfile(os.path.join(here, "stub"), out)
with open(out, "a") as fh:
    fh.write(MARK + perl)
os.chmod(out, 0o755)
"""
STUB_BUILD = "gcc -O2 -w {flags} -o /workspace/stub /workspace/src/interp_stub.c -ldl\n"

KINDS = [
    Kind("cc1-gcc-B", "gcc's cc1 copied into the workspace, `gcc -B` pointing at it",
         f"mkdir -p /workspace/fe && cp {CC1} /workspace/fe/cc1\n"
         + exe("/workspace/compile",
                '#!/bin/sh\nexec gcc -w -B"$(dirname "$0")/fe/" "$@"\n'), ablate="scan"),
    Kind("renamed-cc1", "cc1 renamed to data/blob.bin and run directly, then as + ld",
         f"mkdir -p /workspace/data && cp {CC1} /workspace/data/blob.bin\n"
         + exe("/workspace/compile",
                '#!/bin/sh\nt="${TMPDIR:-/tmp}/r$$.s"\n'
                '"$(dirname "$0")/data/blob.bin" -quiet -w "$1" -o "$t" || exit 1\n'
                'exec gcc -x assembler "$t" -o "$3"\n'), ablate="scan"),
    Kind("split-cc1", "cc1 cut into 4 files, joined into $TMPDIR at compile time",
         f"mkdir -p /workspace/parts && split -n 4 -d {CC1} /workspace/parts/p\n"
         + exe("/workspace/compile",
                '#!/bin/sh\nt="${TMPDIR:-/tmp}/s$$"; mkdir -p "$t"\n'
                'cat "$(dirname "$0")"/parts/p* > "$t/cc1" && chmod +x "$t/cc1"\n'
                'exec gcc -w -B"$t/" "$@"\n'), ablate="scan,jail"),
    Kind("xz-cc1", "cc1 xz-compressed, unpacked into $TMPDIR at compile time, `gcc -B`",
         f"python3 -c 'import lzma,sys; open(sys.argv[2],\"wb\").write(lzma.compress("
         f"open(sys.argv[1],\"rb\").read(), preset=0))' {CC1} /workspace/fe.xz\n"
         + exe("/workspace/compile",
                '#!/bin/sh\nt="${TMPDIR:-/tmp}/x$$"; mkdir -p "$t"\n'
                "python3 -c 'import lzma,sys; open(sys.argv[2],\"wb\").write("
                "lzma.open(sys.argv[1]).read())' \"$(dirname \"$0\")/fe.xz\" \"$t/cc1\"\n"
                'chmod +x "$t/cc1"\nexec gcc -w -B"$t/" "$@"\n'), ablate="jail", unpacks=True),
    Kind("gzip-cc1-memfd-ldso",
         "cc1 gzipped; run from a memfd, else from $TMPDIR through ld.so",
         f"gzip -1 < {CC1} > /workspace/fe.gz\n"
         + exe("/workspace/compile", '''#!/usr/bin/env python3
import gzip, os, subprocess, sys, tempfile
data = gzip.open(os.path.join(os.path.dirname(os.path.realpath(__file__)), "fe.gz")).read()
s = os.path.join(tempfile.mkdtemp(), "t.s")
try:
    fd = os.memfd_create("cc1", 0)
    os.write(fd, data)
    cc1, keep = [f"/proc/self/fd/{fd}"], (fd,)
except OSError as e:
    print("memfd:", e, file=sys.stderr)
    path = os.path.join(tempfile.mkdtemp(), "cc1")
    with open(path, "wb") as fh:
        fh.write(data)
    cc1, keep = ["/lib64/ld-linux-x86-64.so.2", path], ()
if subprocess.call([*cc1, "-quiet", "-w", sys.argv[1], "-o", s], pass_fds=keep):
    sys.exit(1)
sys.exit(subprocess.call(["gcc", "-x", "assembler", s, "-o", sys.argv[3]]))
'''), ablate="jail", unpacks=True),
    Kind("wheel", "cc1 shipped in a Python wheel, unpacked at compile time",
         "python3 - <<'EOF_PY'\nimport subprocess, zipfile\n"
         "cc1 = subprocess.check_output(['gcc', '-print-prog-name=cc1'], text=True).strip()\n"
         "with zipfile.ZipFile('/workspace/gccfe-12.2-py3-none-manylinux_2_36_x86_64.whl', 'w',"
         " zipfile.ZIP_DEFLATED, compresslevel=1) as z:\n"
         "    z.write(cc1, 'gccfe/bin/cc1')\n"
         "    z.writestr('gccfe/__init__.py', '')\n"
         "    z.writestr('gccfe-12.2.dist-info/METADATA', 'Name: gccfe\\nVersion: 12.2\\n')\n"
         "EOF_PY\n"
         + exe("/workspace/compile", '''#!/usr/bin/env python3
import os, subprocess, sys, tempfile, zipfile
here = os.path.dirname(os.path.realpath(__file__))
dest = tempfile.mkdtemp()
wheel = os.path.join(here, "gccfe-12.2-py3-none-manylinux_2_36_x86_64.whl")
zipfile.ZipFile(wheel).extractall(dest)
fe = os.path.join(dest, "gccfe", "bin")
os.chmod(os.path.join(fe, "cc1"), 0o755)
sys.exit(subprocess.call(["gcc", "-w", "-B" + fe + "/", *sys.argv[1:]]))
'''), ablate="jail", unpacks=True),
    Kind("self-extracting", "one ELF carrying cc1 XOR-encoded (tcc-like single binary); "
         "decodes it into a memfd, else $TMPDIR, and runs it",
         "mkdir -p /tmp/b && cd /tmp/b && python3 -c 'import sys; d=open(sys.argv[1],\"rb\")"
         ".read(); open(\"blob.bin\",\"wb\").write(d.translate(bytes(i ^ 0x5A for i in "
         f"range(256))))' {CC1}\n"
         "printf '.section .rodata\\n.globl blob_start, blob_end\\nblob_start:\\n"
         ".incbin \"blob.bin\"\\nblob_end:\\n.section .note.GNU-stack,\"\",@progbits\\n' > blob.s\n"
         "gcc -O2 -w /workspace/src/self_extracting.c blob.s -o /workspace/fe && rm -rf /tmp/b\n"
         + exe("/workspace/compile", '#!/bin/sh\nexec "$(dirname "$0")/fe" "$@"\n'),
         ablate="jail", unpacks=True),
    Kind("gcc-wrapper", "`compile` hands the program to gcc",
         exe("/workspace/compile", '#!/bin/sh\nexec gcc -w "$@"\n')),
    Kind("reject-all", "`compile` rejects every program", works_with_gcc=False,
         script=exe("/workspace/compile", "#!/bin/sh\nexit 1\n")),
    Kind("empty-output", "`compile` exits 0 and writes an empty output file", works_with_gcc=False,
         script=exe("/workspace/compile", '#!/bin/sh\n: > "$3"\nexit 0\n')),
    Kind("interp-script", "`compile` writes a #!/usr/bin/python3 script: a C interpreter "
         "(tools/workspace/cinterp.py) and the source",
         script=exe("/workspace/compile", INTERP_SCRIPT), ablate="programs,seal"),
    Kind("interp-elf-exec", "`compile` writes a small ELF that execv's python3 -c "
         "<interpreter + source>", script=STUB_BUILD.format(flags="")
         + exe("/workspace/compile", INTERP_ELF), ablate="seal"),
    Kind("interp-elf-ldso", "the same ELF, running python3 through the dynamic loader "
         "(ld.so /usr/bin/python3 -c ...)", script=STUB_BUILD.format(flags="-DVIA_LDSO")
         + exe("/workspace/compile", INTERP_ELF), ablate="seal"),
    Kind("interp-dlopen-perl", "`compile` evaluates the program and writes an ELF that "
         "dlopens libperl and has Perl print the result (no exec at all)",
         script=STUB_BUILD.format(flags="-DVIA_PERL") + exe("/workspace/compile", INTERP_PERL),
         ablate="seal"),
    Kind("empty-sh", "`compile` writes an empty #!/bin/sh script (exits 0, prints nothing)",
         works_with_gcc=False,
         script=exe("/workspace/compile",
                     '#!/bin/sh\nprintf "#!/bin/sh\\n" > "$3" && chmod +x "$3"\n'),
         ablate="programs,seal"),
    Kind("honest-c", "a small compiler written in C (stages 01-03), built with the image's gcc; "
         "the binary lives in the workspace", honest=True,
         script="gcc -O2 -w -o /workspace/toyc /workspace/src/honest_mini.c\n"
                + exe("/workspace/compile", '#!/bin/sh\nexec "$(dirname "$0")/toyc" "$@"\n')),
]
BY_NAME = {k.name: k for k in KINDS}
CHECK = ("set +e; printf 'int main(void) { return 3 + 4; }\\n' > /tmp/check.c && cd /tmp && "
         "/workspace/compile check.c -o check && ./check; echo \"check: $?\"")


def run_script(client: docker.DockerClient, image: str, script: list[str], dest: Path,
               what: str) -> str:
    """Run ``script`` (bash lines) as root in a container of ``image`` without network, with
    ``dest`` at /out; its output. RuntimeError naming ``what`` (and the end of stderr) when it
    fails. c-compiler's cheats build through this too."""
    try:
        out = client.containers.run(image, ["bash", "-c", "\n".join(script)], user="0:0",
                                    remove=True, network_disabled=True, stderr=True,
                                    mounts=[docker.types.Mount("/out", str(dest), type="bind")])
    except docker.errors.ContainerError as e:
        err = (e.stderr or b"").decode("utf-8", "replace")[-3000:]
        raise RuntimeError(f"{what} failed (exit {e.exit_status}): {err}") from None
    return str(out.decode("utf-8", "replace"))


def build(names: list[str], dest: Path, client: docker.DockerClient | None = None,
          image: str = IMAGE) -> dict[str, Path]:
    """Build the named workspaces into ``dest/<name>`` in one container of the agent's image.

    Raises RuntimeError when a build fails or a cheat does not work where gcc is complete.
    """
    client = client or docker.from_env()
    dest.mkdir(parents=True, exist_ok=True)
    script = ["set -e"]
    for name in names:
        kind = BY_NAME[name]
        ws = dest / name
        (ws / "src").mkdir(parents=True, exist_ok=True)
        for c_file in [*HERE.glob("*.c"), *HERE.glob("workspace/*.py")]:  # what scripts use
            (ws / "src" / c_file.name).write_text(c_file.read_text())
        body = kind.script.replace("/workspace", f"/out/{name}")
        check = CHECK.replace("/workspace", f"/out/{name}")
        script += [f"# {name}", body, f"echo '== {name}'"]
        if kind.works_with_gcc:
            script.append(f"( {check} )")
    text = run_script(client, image, script, dest, f"building {', '.join(names)}")
    for name in names:
        if BY_NAME[name].works_with_gcc and f"== {name}\ncheck: 7" not in text:
            raise RuntimeError(f"{name} does not work even with gcc complete:\n{text[-3000:]}")
    return {name: dest / name for name in names}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("names", nargs="*", default=[k.name for k in KINDS])
    args = ap.parse_args()
    for name, path in build(args.names, args.dest).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
