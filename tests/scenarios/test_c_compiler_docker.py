"""The c-compiler scenario in Docker: the scripted reference policy climbs tier 1 end to end,
graded code cannot read the hidden tests, reusing gcc scores nothing however packed, real
compilers pass a sample of every tier, and tier 5 cannot be served without compiling it.

The first tests use the scenario as shipped (prompt, workspace, grader, schedule,
grader.setup) on a "lite" image: the base image plus the scenario's scripts in
/opt/c-programs, without tier 5's prepared sources (the scenario's own image takes ~15
minutes to build). The tier-5 ones use an image built from the scenario's own Dockerfile with
tier 5 narrowed to zlib and Jim Tcl; `benchmarks/c_compiler_validation.py` and
`benchmarks/anticheat.py` build the real image and grade every tier.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import docker
import pytest
import yaml

from agent.evaluation import GradeResult
from agent.runner import RunConfig, execute_run
from agent.scenario.grading import grade_workspace
from agent.scenario.loader import load_scenario
from sandboxes import images

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "c-compiler"


LITE_DOCKERFILE = """FROM ultrarun/base:bookworm
USER root
COPY programs/ /opt/c-programs/
RUN chmod -R a+rX,go-w /opt/c-programs
USER agent
"""


@pytest.fixture(scope="module")
def lite_image(docker_client: docker.DockerClient, base_image: str) -> str:
    """The scenario's image without tier 5's sources: its scripts (/opt/c-programs) only."""
    with tempfile.TemporaryDirectory(prefix="cc-lite-") as tmp:
        ctx = Path(tmp)
        shutil.copytree(SCENARIO / "image" / "programs", ctx / "programs")
        (ctx / "Dockerfile").write_text(LITE_DOCKERFILE)
        return images.ensure_scenario_image(docker_client, "c-compiler-lite", ctx,
                                            "Dockerfile", lambda _m: None)


def _lite(tmp_path: Path, image: str, stages: str = "") -> Path:
    """A copy of the scenario, unchanged but for its image: the lite one (so no tier 5); with
    ``stages``, its grader grades only those (stage id prefixes)."""
    d = tmp_path / "c-compiler-lite"
    shutil.copytree(SCENARIO, d, ignore=shutil.ignore_patterns("Dockerfile", "__pycache__"))
    data = yaml.safe_load((SCENARIO / "scenario.yaml").read_text())
    data["image"] = {"name": image}
    if stages:
        data["grader"]["command"] += f" --stages {stages}"
    (d / "scenario.yaml").write_text(yaml.safe_dump(data))
    return d


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_reference_policy_climbs_tier_1_in_docker(tmp_path: Path, lite_image: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The first five stages of tier 1 through the tools (toy-c-compiler's policy on this
    layout), graded at the end by the scenario's grader on the stages around them. The whole
    climb (287 calls, ~20 minutes on a busy machine) is toy-c-compiler's demo test; this is
    the same policy and the same tier-1 tests, so a few stages are enough here."""
    monkeypatch.setenv("ULTRARUN_TOYC_UPTO", "5")
    scenario = _lite(tmp_path, lite_image, stages="t1/0,t2/01")
    res = execute_run(RunConfig(scenario=str(scenario), model="reference", sandbox="docker",
                                logs=tmp_path / "logs", eval_every=0))
    info = res.info
    assert (info.status, info.end_reason) == ("finished", "finished"), info.error
    assert info.totals.tool_calls >= 40
    assert info.grade is not None and not info.grade["error"], info.grade
    stages = info.grade["stages"]
    assert set(stages) == {f"t1/{k}" for k in (
        "01-return", "02-unary", "03-binary", "04-relational-logical", "05-locals",
        "06-if-ternary", "07-blocks-scope", "08-loops", "09-functions")} | {"t2/01-unsigned"}
    climbed = [v for k, v in stages.items() if k < "t1/06"]
    assert all(p == n > 0 for p, n in climbed), stages
    above = [v for k, v in stages.items() if k > "t1/06"]  # statements the policy never wrote
    assert sum(p for p, _ in above) < sum(n for _, n in above), stages
    events = [json.loads(line) for line in (res.run_dir / "events.jsonl").open()]
    grades = [e for e in events if e["type"] == "evaluation"]
    assert len(grades) == 1 and grades[0]["final"] and not grades[0].get("carried")


# A `compile` that "builds" a program printing the expected result, if it can find it: it
# passes every test it may peek at, and none otherwise. The program is machine code (a few
# instructions, assembled by the gcc driver), as the grader requires.
PEEK = r"""#!/usr/bin/env python3
import glob, os, subprocess, sys, json
src = next(a for a in sys.argv[1:] if a.endswith(".c"))
name = os.path.basename(src)[:-2]
roots = ["/grader/tests", os.environ.get("CC_TESTS", "/nonexistent")]
for root in roots:
    for exp in glob.glob(f"{root}/*/*/{name}.expected.json"):
        try:
            if open(exp[: -len(".expected.json")] + ".c").read() != open(src).read():
                continue
            e = json.load(open(exp))
        except OSError:
            continue
        out = e["stdout"].encode()
        with open("t.s", "w") as fh:
            fh.write(".globl _start\n_start:\n mov $1, %eax\n mov $1, %edi\n"
                     f" lea msg(%rip), %rsi\n mov ${len(out)}, %edx\n syscall\n"
                     f" mov $60, %eax\n mov ${e['exit_code']}, %edi\n syscall\n"
                     ".data\nmsg: .byte " + ",".join(map(str, out or b"0")) + "\n"
                     '.section .note.GNU-stack,"",@progbits\n')
        sys.exit(subprocess.call(["gcc", "-nostdlib", "-static", "-x", "assembler", "t.s",
                                  "-o", "t"]))
sys.exit(1)
"""


@pytest.mark.docker
def test_graded_code_cannot_read_the_hidden_tests(tmp_path: Path, lite_image: str,
                                                  c_compiler_grader: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "compile").write_text(PEEK)
    (ws / "compile").chmod(0o755)
    # The control: where the tests can be read, the peek passes them all.
    env = {**os.environ, "CC_TESTS": str(c_compiler_grader / "tests"),
           "CCOMPILER_PROGRAMS": str(SCENARIO / "image" / "programs")}
    proc = subprocess.run([sys.executable, str(c_compiler_grader / "grade.py"), str(ws),
                           "--stages", "t2/01"], capture_output=True, text=True, env=env,
                          timeout=300)
    control = json.loads(proc.stdout)
    assert set(control["tests"].values()) == {"pass"}, proc.stderr[-1000:]
    # In the grader's container the same workspace passes nothing.
    scenario = load_scenario(str(_lite(tmp_path, lite_image)))
    result = grade_workspace(scenario, ws, "docker", skip=["t1", "t3", "t4", "t5"])
    assert result.error is None
    assert result.total == len(list((SCENARIO / "grader" / "tests" / "t2").glob(
        "*/*.expected.json")))
    assert result.passed == 0, {k: v for k, v in result.tests.items() if v == "pass"}


# ------------------------------------------------------------- reusing a compiler, packed


def _tool(path: Path) -> ModuleType:
    """A scenario's tool script loaded as a module (tools/ folders are not packages)."""
    spec = importlib.util.spec_from_file_location(f"_cc_{path.parent.parent.name}_{path.stem}",
                                                  path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _toy_cheats() -> ModuleType:
    """toy-c-compiler's cheating workspaces (tools/cheats.py): the same attacks, this grader."""
    return _tool(REPO / "scenarios" / "toy-c-compiler" / "tools" / "cheats.py")


@pytest.fixture(scope="module")
def cheat_workspaces(tmp_path_factory: pytest.TempPathFactory, base_image: str
                     ) -> dict[str, Path]:
    cheats = _toy_cheats()
    return cheats.build([k.name for k in cheats.KINDS], tmp_path_factory.mktemp("cheats"))


# Cheats that unpack 33 MB at every compile are graded on one stage only.
UNPACKING = {k.name for k in _toy_cheats().KINDS if k.unpacks}


@pytest.mark.docker
@pytest.mark.slow
def test_reusing_gcc_however_packed_scores_at_most_2_percent(
        cheat_workspaces: dict[str, Path], lite_image: str, tmp_path: Path,
        c_compiler_grader: Path) -> None:
    """Each of toy-c-compiler's cheats (gcc's cc1 copied, renamed, split, compressed, in a
    wheel, self-extracting; a gcc wrapper; reject-all; empty output; an interpreter as the
    "binary") against this grader, on a tier-1 stage, the stage where rejecting used to pay,
    and a tier-2 stage (those that unpack 33 MB at every compile, and the interpreters, whose
    defences toy-c-compiler's tests take apart, on the tier-1 stage only)."""
    scenario = load_scenario(str(_lite(tmp_path, lite_image)))
    assert scenario.grader is not None
    honest = {k.name for k in _toy_cheats().KINDS if k.honest}
    assert {"cc1-gcc-B", "renamed-cc1", "xz-cc1", "wheel", "gcc-wrapper", "reject-all",
            "empty-output", "interp-elf-exec", "interp-dlopen-perl"} <= \
        set(cheat_workspaces) - honest
    base = scenario.grader.command

    def grade(name: str) -> tuple[str, tuple[int, int]]:
        one_stage = name in UNPACKING or name.startswith("interp-")
        s = scenario.model_copy(deep=True)
        assert s.grader is not None
        s.grader.command = f"{base} --stages {'t1/01' if one_stage else 't1/01,t1/17,t2/01'}"
        result = grade_workspace(s, cheat_workspaces[name], "docker", skip=["t3", "t4", "t5"])
        assert result.error is None, (name, result.error)
        return name, (result.passed, result.total)

    with ThreadPoolExecutor(max_workers=3) as pool:
        scores = dict(pool.map(grade, cheat_workspaces))
    stage_1 = len(scenario_tests(c_compiler_grader, "t1/01"))
    for name in honest:  # the control: a small compiler written in C, built with gcc
        passed, total = scores.pop(name)
        assert passed >= 0.9 * stage_1, (name, passed, total)
    assert all(p <= 0.02 * n for p, n in scores.values()), scores


def scenario_tests(grader: Path, stage_prefix: str) -> list[Path]:
    tier, stage = stage_prefix.split("/")
    return [p for d in (grader / "tests" / tier).glob(f"{stage}*")
            for p in d.glob("*.expected.json")]


# ------------------------------------------------------- real compilers, every tier sampled


def _candidates() -> ModuleType:
    """The scenario's tools/candidates.py, shared with benchmarks/c_compiler_validation.py."""
    return _tool(SCENARIO / "tools" / "candidates.py")


TIER5_SAMPLE = ["zlib", "jimtcl"]


@pytest.fixture(scope="module")
def tier5_images(docker_client: docker.DockerClient, base_image: str) -> dict[str, str]:
    """gcc's and tcc's images, built from the scenario's own Dockerfile with tier 5 narrowed
    to zlib and Jim Tcl (the full image takes ~15 minutes: benchmarks/c_compiler_validation.py
    and benchmarks/anticheat.py)."""
    scenario = load_scenario("c-compiler")
    imgs, _ = _candidates().candidate_images(docker_client, scenario, lambda _m: None,
                                             projects=TIER5_SAMPLE)
    return imgs


# Every tier, the stages most likely to break under the jail or a driver: structs by value,
# several files with -c and -S, system headers, setjmp, -lm, whole programs, a real program.
SAMPLE = ("t1/14,t1/18,t2/03,t2/06,t2/11,t2/12,t2/13,t3/04,t3/06,t3/07,t4/05,t4/06,t4/08,"
          "t5/01-zlib")
# tcc's own limits (see the README): no -S.
TCC_MISSES = {"t2/12-multi-file/asm_output"}


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("compiler", ["gcc", "tcc"])
def test_real_compilers_pass_a_sample_of_every_tier_in_the_jail(
        compiler: str, tier5_images: dict[str, str], docker_client: docker.DockerClient,
        tmp_path: Path) -> None:
    """gcc passes every sampled test (anything less is a suite or jail bug); tcc passes all
    but what it lacks, zlib included, built by its own recipe and checked by its own tests."""
    from agent.scenario.grading import copy_workspace, docker_grader

    scenario = load_scenario("c-compiler")
    assert scenario.grader is not None
    scenario.grader.command += f" --stages {SAMPLE}"
    ws = _candidates().wrapper_workspace(tmp_path / "src", compiler)
    copy = tmp_path / "workspace"
    copy_workspace(ws, copy)
    result = docker_grader(docker_client, scenario, tier5_images[compiler],
                           run_id=f"cc-{compiler}").grade(copy)
    assert result.error is None, result.error
    stages = result.stages
    assert {s.split("/")[0] for s in stages} == {"t1", "t2", "t3", "t4", "t5"}, stages
    assert stages["t5/01-zlib"][1] >= 10, stages
    failing = {k for k, v in result.tests.items() if v != "pass"}
    assert failing == (TCC_MISSES if compiler == "tcc" else set()), failing


# ------------------------------------------------------------- tier 5 without compiling it


def _grade_copy(client: docker.DockerClient, image: str, ws: Path, tmp: Path, stages: str,
                ablate: str = "") -> tuple[GradeResult, dict]:
    """Grade a copy of ``ws`` in ``image`` (a grader image); its --details too."""
    from agent.scenario.grading import copy_workspace, docker_grader

    scenario = load_scenario("c-compiler")
    assert scenario.grader is not None
    scenario.grader.command += f" --stages {stages} --details /workspace/.details.json"
    if ablate:
        scenario.grader.command += f" --ablate {ablate}"
    copy = tmp / f"copy-{stages.replace('/', '_')}-{ablate or 'shipped'}"
    copy_workspace(ws, copy)
    result = docker_grader(client, scenario, image, run_id="cc-cheat").grade(copy)
    assert result.error is None, result.error
    return result, json.loads((copy / ".details.json").read_text())


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_tier_5_served_without_compiling_scores_nothing(
        tier5_images: dict[str, str], docker_client: docker.DockerClient,
        tmp_path: Path) -> None:
    """gcc's objects from a cache (the salt's text added) and a compile that rewrites the
    tests (a fake interpreter printing the expected summaries) score 0. Positive controls:
    without the salt the cache passes zlib; the rewrite passes Jim Tcl only when the salt is
    off *and* the tests run in the tree the compile wrote."""
    from agent.scenario.grading import grader_image

    cheats = _tool(SCENARIO / "tools" / "cheats.py")
    ws = cheats.build([k.name for k in cheats.KINDS], tmp_path / "ws", tier5_images["gcc"],
                      TIER5_SAMPLE, docker_client)
    image = grader_image(docker_client, load_scenario("c-compiler"), tier5_images["gcc"])
    cache, info = _grade_copy(docker_client, image, ws["gcc-object-cache"], tmp_path, "t5/01")
    assert cache.total == 15 and cache.passed == 0, cache.tests
    assert "not compiled from the salted sources" in info["t5/01-zlib"]["reason"]
    assert info["t5/01-zlib"]["gcc_marked_objects"]["count"] == 18, "reported, not refused"
    control, _ = _grade_copy(docker_client, image, ws["gcc-object-cache"], tmp_path, "t5/01",
                             "salt")
    assert control.passed == 15, control.tests
    rewrite = ws["test-tree-rewrite"]
    for ablate, passed in (("", 0), ("salt", 0), ("salt,test-tree", 76)):
        result, info = _grade_copy(docker_client, image, rewrite, tmp_path, "t5/03", ablate)
        assert (result.passed, result.total) == (passed, 76), (ablate, info["t5/03-jimtcl"])
