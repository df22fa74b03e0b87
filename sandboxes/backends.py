"""Sandbox backends as configs: each says whether its engine answers, prepares a scenario's
image, and then opens its sandboxes and its grader's sandbox (the SWE-ReX deployment-config
pattern).

``SandboxConfig`` is the union the run options hold (``RunConfig.sandbox``); a backend's name
(``"docker"``, ``"local"``) stands for its default config, ``py:MODULE:FACTORY`` for a backend
of your own (``PluginConfig``). Nothing outside this module switches on a backend's name:
adding a backend is a config class here plus its place in ``AnyBackend``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandboxes.errors import HarnessError, UserError
from sandboxes.numbers import count, number

if TYPE_CHECKING:
    import docker

    from sandboxes.base import Sandbox
    from sandboxes.spec import BindMount, SandboxSpec

Progress = Callable[[str], None]

#: What every command says when it needs Docker and none answers.
NO_ENGINE = ("no Docker engine answers (`docker info` fails): run `ultrarun sandbox doctor`, "
             "or use the local backend (`--sandbox local`, not isolated)")


@dataclass
class GraderOutput:
    """What a grading printed on stdout, or why it produced nothing usable."""

    stdout: str = ""
    error: str | None = None


class GraderBox(Protocol):
    """Where a grader command runs on a copy of a workspace (never the agent's sandbox)."""

    def run(self, workspace: Path, env: dict[str, str] | None = None) -> GraderOutput:
        """Run the grading command on ``workspace`` (a copy the grader may change), with
        ``env`` added to its environment."""
        ...

    def abort(self) -> None:
        """Stop a grading in progress and refuse new ones (the run is being interrupted)."""
        ...


class SandboxFactory(Protocol):
    """A backend prepared for one scenario: its images are built, its engine answers."""

    backend: str
    image: str | None  # what run.json records (None where there is no image)
    workspace_owner: int | None  # uid that must own what the host writes into a workspace

    def open(self, workspace: Path, *, run_id: str, outputs_dir: Path,
             labels: dict[str, str] | None = None,
             mounts: list[BindMount] | None = None) -> Sandbox:
        """A sandbox on ``workspace`` (not yet started: use it as a context manager);
        ``mounts``: host folders shared with it besides its workspace."""
        ...

    def grader(self, run_id: str) -> GraderBox | None:
        """The grader's sandbox, or None when the scenario has no grader."""
        ...


class BackendConfig(BaseModel):
    """What every backend config does; subclasses set ``backend`` to a ``Literal``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str
    isolated: ClassVar[bool] = True  # commands cannot reach the host

    def engine_problem(self) -> str | None:
        """None when the backend can run sandboxes here, else what is wrong and what to do."""
        return None

    def workspace_owner(self) -> int | None:
        """The uid that must own what the host writes into a workspace (None: the harness's
        own), known before anything is prepared (resume restores the workspace first)."""
        return None

    def create(self, *, workspace: Path, image: str | None = None, **options: Any) -> Sandbox:
        """A bare sandbox on ``workspace`` (the Python API ``open_sandbox``)."""
        raise NotImplementedError

    def prepare(self, spec: SandboxSpec, progress: Progress = lambda _m: None
                ) -> SandboxFactory:
        """Make the backend ready for a scenario (engine, images) and return its factory."""
        raise NotImplementedError


class DockerConfig(BackendConfig):
    """Containers on a Docker engine: isolated, limited, network off unless asked."""

    backend: Literal["docker"] = Field("docker", description="this backend")
    image: str | None = Field(None, description="run this image instead of the scenario's")
    reap: bool = Field(True, description=(
        "remove the containers of harnesses that died, before starting"))
    grader_cpus: float | None = number(None, gt=0, le=1024, description=(
        "CPUs of a grader's container (default: every host CPU)"))
    grader_memory: str = Field("4g", description="memory of a grader's container")
    grader_pids: int = count(2048, ge=16, le=4_194_304,
                             description="processes of a grader's container")
    sealed: bool = Field(True, description=(
        "sealed evaluation: host-wide counters hidden from the agent's container, which is "
        "frozen while the grader runs (docs/security.md); false only to show the channel"))

    def engine_problem(self) -> str | None:
        from sandboxes.engine import connect

        return None if connect() is not None else NO_ENGINE

    def workspace_owner(self) -> int | None:
        from sandboxes.images import AGENT_UID

        # Root on the host runs containers as the image's user: hand it the workspace.
        return AGENT_UID if os.getuid() == 0 else None

    def client(self) -> docker.DockerClient:
        """A client to an engine that answers; EngineUnavailable (exit 1) otherwise."""
        from sandboxes.engine import EngineUnavailable, connect

        client = connect()
        if client is None:
            raise EngineUnavailable(NO_ENGINE)
        return client

    def create(self, *, workspace: Path, image: str | None = None, **options: Any) -> Sandbox:
        from sandboxes.docker_sandbox import DockerSandbox
        from sandboxes.images import BASE_IMAGE

        return DockerSandbox(image=image or self.image or BASE_IMAGE, workspace=Path(workspace),
                             **options)

    def prepare(self, spec: SandboxSpec, progress: Progress = lambda _m: None
                ) -> DockerFactory:
        from sandboxes.docker_grader import grader_image
        from sandboxes.leftovers import sweep_grader_files
        from sandboxes.reaper import reap

        client = self.client()
        if self.reap:  # leftovers of harnesses that died never pile up across runs
            reap(client)
            sweep_grader_files()
        image = self.agent_image(client, spec, progress)
        grader = grader_image(client, spec.name, spec.grading, image, progress) \
            if spec.grading else None
        return DockerFactory(self, client, spec, image, grader)

    def agent_image(self, client: docker.DockerClient, spec: SandboxSpec,
                    progress: Progress) -> str:
        """The image the agent's container runs (built from the scenario's Dockerfile)."""
        from sandboxes import images

        images.ensure_base_image(client, progress)
        if self.image:
            return self.image
        if spec.dockerfile:
            assert spec.context is not None
            return images.ensure_scenario_image(client, spec.name, spec.context,
                                                spec.dockerfile, progress)
        return spec.image or images.BASE_IMAGE


class DockerFactory:
    """Docker, ready for one scenario (see ``DockerConfig.prepare``)."""

    backend = "docker"

    def __init__(self, config: DockerConfig, client: docker.DockerClient, spec: SandboxSpec,
                 image: str, grader_image: str | None) -> None:
        self.config, self.client, self.spec = config, client, spec
        self.image: str | None = image
        self.grader_image = grader_image
        self.workspace_owner = config.workspace_owner()

    def open(self, workspace: Path, *, run_id: str, outputs_dir: Path,
             labels: dict[str, str] | None = None,
             mounts: list[BindMount] | None = None) -> Sandbox:
        lim = self.spec.limits
        return self.config.create(workspace=workspace, image=self.image, cpus=lim.cpus,
                                  memory=lim.memory, pids=lim.pids, network=lim.network,
                                  run_id=run_id, outputs_dir=outputs_dir, client=self.client,
                                  env=self.spec.env, labels=labels or {}, disk=lim.disk,
                                  sealed=self.config.sealed, mounts=mounts)

    def grader(self, run_id: str) -> GraderBox | None:
        from sandboxes.docker_grader import DockerGraderBox

        if self.spec.grading is None or self.grader_image is None:
            return None
        c = self.config
        return DockerGraderBox(self.client, self.spec.grading, self.grader_image,
                               disk=self.spec.limits.disk, run_id=run_id, cpus=c.grader_cpus,
                               memory=c.grader_memory, pids=c.grader_pids)


class LocalConfig(BackendConfig):
    """Commands on this machine, as you: NOT isolated (no limits but the disk's)."""

    backend: Literal["local"] = Field("local", description="this backend (NOT isolated)")
    isolated: ClassVar[bool] = False

    def create(self, *, workspace: Path, image: str | None = None, **options: Any) -> Sandbox:
        from sandboxes.local_sandbox import LocalSandbox

        return LocalSandbox(workspace=Path(workspace), **options)

    def prepare(self, spec: SandboxSpec, progress: Progress = lambda _m: None
                ) -> LocalFactory:
        from sandboxes.leftovers import sweep_grader_files

        sweep_grader_files()  # what killed harnesses left of their gradings
        return LocalFactory(self, spec)


class LocalFactory:
    """The local backend for one scenario: nothing to build."""

    backend = "local"
    image: str | None = None
    workspace_owner: int | None = None

    def __init__(self, config: LocalConfig, spec: SandboxSpec) -> None:
        self.config, self.spec = config, spec

    def open(self, workspace: Path, *, run_id: str, outputs_dir: Path,
             labels: dict[str, str] | None = None,
             mounts: list[BindMount] | None = None) -> Sandbox:
        if mounts:  # a local "sandbox" is the host: there is nothing to mount into
            raise UserError("this needs the docker backend: the local backend cannot share "
                            "a folder at another path (e.g. a team's upstream)")
        return self.config.create(workspace=workspace, outputs_dir=outputs_dir,
                                  env=self.spec.env, disk=self.spec.limits.disk)

    def grader(self, run_id: str) -> GraderBox | None:
        from sandboxes.local_sandbox import LocalGraderBox

        return LocalGraderBox(self.spec.grading) if self.spec.grading else None


class PluginConfig(BackendConfig):
    """A sandbox backend of your own: ``--sandbox py:MODULE:FACTORY`` (or
    ``py:FILE.py:FACTORY``). ``FACTORY(workspace, outputs_dir, **options)`` returns a sandbox
    not yet started; the contract it must keep is ``sandboxes/conformance.py`` (run it with
    ``ULTRARUN_SANDBOX_FACTORY=MODULE:FACTORY pytest --pyargs sandboxes.conformance``). Of the
    options (``env``, ``disk``, ``cpus``, ``memory``, ``pids``, ``network``, ``run_id``,
    ``labels``), those its signature names are passed. Its graders run where ``grader`` says:
    in Docker by default (hidden tests need the grader's own container), ``local`` to grade on
    the host. Counted as not isolated unless the factory says ``isolated = True``."""

    backend: Literal["python"] = Field("python", description="a backend of your own")
    factory: str = Field(description="MODULE:FACTORY or FILE.py:FACTORY (a file's absolute "
                                     "path is recorded)")
    grader: Annotated[DockerConfig | LocalConfig, Field(discriminator="backend")] = Field(
        default_factory=DockerConfig, description="where this backend's graders run")

    @field_validator("factory")
    @classmethod
    def _factory(cls, v: str) -> str:
        from sandboxes.plugins import PREFIX, is_file_ref

        v = v.removeprefix(PREFIX)
        where, sep, name = v.rpartition(":")
        if is_file_ref(where) and not Path(where).is_absolute():
            v = f"{Path(where).absolute()}{sep}{name}"
        return v

    @property
    def isolated(self) -> bool:  # type: ignore[override]
        return bool(getattr(self.load(), "isolated", False))

    def load(self) -> Callable[..., Sandbox]:
        from sandboxes.plugins import PluginError, load_plugin

        make = load_plugin(self.factory, "sandbox")
        if not callable(make):
            raise PluginError(f"sandbox {self.factory!r} is not callable: name a class or a "
                              "function returning a sandbox")
        return make

    def engine_problem(self) -> str | None:
        return self.grader.engine_problem()

    def create(self, *, workspace: Path, image: str | None = None, **options: Any) -> Sandbox:
        make = self.load()
        params = inspect.signature(make).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            options = {k: v for k, v in options.items() if k in params}
        outputs = options.pop("outputs_dir", None) or Path(workspace).parent / "outputs"
        return make(Path(workspace), Path(outputs), **options)

    def prepare(self, spec: SandboxSpec, progress: Progress = lambda _m: None
                ) -> PluginFactory:
        self.load()  # a broken reference fails now, before any image is built
        graders = self.grader.prepare(spec, progress) if spec.grading else None
        return PluginFactory(self, spec, graders)


class PluginFactory:
    """A plug-in backend, ready for one scenario (its graders' backend prepared)."""

    backend = "python"
    image: str | None = None
    workspace_owner: int | None = None

    def __init__(self, config: PluginConfig, spec: SandboxSpec,
                 graders: SandboxFactory | None) -> None:
        self.config, self.spec, self.graders = config, spec, graders

    def open(self, workspace: Path, *, run_id: str, outputs_dir: Path,
             labels: dict[str, str] | None = None,
             mounts: list[BindMount] | None = None) -> Sandbox:
        if mounts:
            raise UserError("this needs the docker backend: a plug-in sandbox is not given "
                            "host folders besides its workspace (e.g. a team's upstream)")
        lim = self.spec.limits
        return self.config.create(workspace=workspace, outputs_dir=outputs_dir, env=self.spec.env,
                                  disk=lim.disk, cpus=lim.cpus, memory=lim.memory,
                                  pids=lim.pids, network=lim.network, run_id=run_id,
                                  labels=labels or {})

    def grader(self, run_id: str) -> GraderBox | None:
        return self.graders.grader(run_id) if self.graders is not None else None


#: Every backend config: the one union the run options, run.json and the API accept.
AnyBackend = DockerConfig | LocalConfig | PluginConfig
SandboxConfig = Annotated[AnyBackend, Field(discriminator="backend")]
#: A backend's name -> its config class (``py:`` names a plug-in: ``PluginConfig``).
BACKENDS: dict[str, type[AnyBackend]] = {
    c.model_fields["backend"].default: c for c in get_args(AnyBackend)}


def backend_config(value: str | dict[str, Any] | BackendConfig) -> AnyBackend:
    """A backend config from its name (its defaults), ``py:MODULE:FACTORY``, a mapping, or a
    config as is."""
    if isinstance(value, get_args(AnyBackend)):
        return value
    if isinstance(value, str):
        named: dict[str, Any] = as_config(value)
        if named["backend"] not in BACKENDS or (named["backend"] == "python"
                                                and "factory" not in named):
            raise UserError(f"unknown sandbox backend {value!r}: use docker, local or "
                            "py:MODULE:FACTORY (your own, see docs/api.md)")
        value = named
    if isinstance(value, dict):
        name = value.get("backend")
        if name not in BACKENDS:
            raise UserError(f"sandbox.backend: {name!r} is not one of {', '.join(BACKENDS)}")
        return BACKENDS[str(name)].model_validate(value)
    raise HarnessError(f"not a sandbox config: {value!r}")


def as_config(value: Any) -> Any:
    """Pydantic ``before`` validator: a backend's name becomes its default config, and
    ``py:MODULE:FACTORY`` a plug-in's."""
    if isinstance(value, str):
        from sandboxes.plugins import PREFIX

        return {"backend": "python", "factory": value} if value.startswith(PREFIX) else \
            {"backend": value}
    return value
