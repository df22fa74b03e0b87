"""Real compilers as c-compiler candidates: the test-only images and workspaces they need.

Shared by `benchmarks/c_compiler_validation.py` (every tier, the scenario's full image) and
`tests/scenarios/test_c_compiler_docker.py` (a sample of every tier, on an image whose tier 5
holds one project), so both grade the same candidates the same way:

- gcc wrapped as `compile`, graded in the scenario's agent image (gcc's front end whole): it
  must score (close to) 100%, anything less is a suite bug;
- Debian's tcc wrapped as `compile`, graded in the grader's image plus `tcc`: a real, small
  compiler (no `-S`, 32-bit `#if` arithmetic, claims GCC 2) that scores high but not all.

The images of a subset of tier 5 (``projects``) come from the scenario's own Dockerfile with
the names given to its `prepare` and `expect` steps, so they cannot drift from it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sandboxes import images
from sandboxes.docker_grader import grader_image

WRAPPERS = {
    "gcc": '#!/bin/sh\nexec gcc -w "$@"\n',
    "tcc": '#!/bin/sh\nexec tcc -w "$@"\n',
}
TCC_DOCKERFILE = """FROM {grader}
USER root
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
    tcc && rm -rf /var/lib/apt/lists/*
USER {uid}:{uid}
"""
# The Dockerfile's tier-5 steps, which take project names (default: all of them).
PREPARE = "python3 /opt/c-programs/recipes.py prepare"
EXPECT = "python3 /opt/c-programs/programs.py expect"


def subset_dockerfile(text: str, projects: list[str]) -> str:
    """The scenario's Dockerfile preparing and recording only ``projects`` for tier 5."""
    names = " ".join(projects)
    for step in (PREPARE, EXPECT):
        if text.count(step + ";") != 1:
            raise ValueError(f"scenario Dockerfile: expected one `{step};` step to narrow")
        text = text.replace(step + ";", f"{step} {names};")
    return text


def agent_image(client: Any, scenario: Any, progress: images.Progress,
                projects: list[str] | None = None) -> str:
    """The scenario's agent image; with ``projects``, one whose tier 5 holds only those."""
    context, dockerfile = scenario.image_context
    if projects is None:
        return images.ensure_scenario_image(client, scenario.name, context, dockerfile,
                                            progress)
    with tempfile.TemporaryDirectory(prefix="cc-candidates-") as tmp:
        ctx = Path(tmp) / "image"
        shutil.copytree(context, ctx, ignore=shutil.ignore_patterns("__pycache__"))
        text = subset_dockerfile((context / dockerfile).read_text(), projects)
        (ctx / dockerfile).write_text(text)
        return images.ensure_scenario_image(client, f"{scenario.name}-{'-'.join(projects)}",
                                            ctx, dockerfile, progress)


def candidate_images(client: Any, scenario: Any, progress: images.Progress,
                     projects: list[str] | None = None
                     ) -> tuple[dict[str, str], dict[str, float]]:
    """{compiler: image it is graded in}, and the seconds each image that was missing took."""
    times: dict[str, float] = {}
    images.ensure_base_image(client, progress)
    t0 = time.monotonic()
    built: list[str] = []

    def noting(message: str) -> None:
        built.append(message)
        progress(message)

    agent = agent_image(client, scenario, noting, projects)
    if built:  # ensure_scenario_image says nothing when the image is cached
        times["scenario_image_s"] = round(time.monotonic() - t0, 1)
    spec = scenario.sandbox_spec()
    grader = grader_image(client, spec.name, spec.grading, agent, progress)
    text = TCC_DOCKERFILE.format(grader=grader, uid=images.AGENT_UID)
    digest = images.content_hash(text, client.images.get(grader).id)
    tcc = f"ultrarun/test-c-compiler-tcc:{digest}"
    if images.image_hash(client, tcc) != digest:
        t0 = time.monotonic()
        images.build_image(client, tcc, digest, progress, dockerfile_text=text)
        times["tcc_image_s"] = round(time.monotonic() - t0, 1)
    return {"gcc": agent, "tcc": tcc}, times


def wrapper_workspace(dest: Path, compiler: str) -> Path:
    """A workspace whose `compile` hands everything to ``compiler`` (gcc or tcc)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "compile").write_text(WRAPPERS[compiler])
    (dest / "compile").chmod(0o755)
    return dest
