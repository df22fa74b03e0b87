"""Setting up where a run's commands run: the one path for run, resume, fork, batch, grade
and ``replay --execute``.

``prepare`` makes a scenario's sandbox backend ready (engine, images, the grader's sandbox);
``Prepared.workbench`` then opens a sandbox on a workspace with the scenario's tools and what
they use, and replaces the sandbox when it dies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.scenario.grader import ScenarioGrader
from agent.scenario.loader import Scenario
from agent.tools.base import ToolContext
from agent.tools.toolbox import CommandTool, ToolBox, load_tool
from sandboxes.backends import AnyBackend, SandboxFactory, backend_config
from sandboxes.base import Sandbox
from sandboxes.plugins import PREFIX
from sandboxes.spec import BindMount

Progress = Callable[[str], None]


class Workbench:
    """A started sandbox on a workspace, the scenario's tools, and the context they get.

    ``restart`` replaces a dead sandbox by a fresh one on the same workspace (restored to a
    snapshot first); the tool context follows it, so the loop's tools never hold a dead one.
    """

    def __init__(self, opener: Callable[[], Sandbox], toolbox: ToolBox, outputs_dir: Path,
                 command_timeout: float,
                 restore: Callable[[str], None] | None = None) -> None:
        self._opener = opener
        self._restore = restore
        self.toolbox = toolbox
        self.ctx = ToolContext(sandbox=self._start(), outputs_dir=outputs_dir,
                               default_timeout=command_timeout)

    @property
    def sandbox(self) -> Sandbox:
        return self.ctx.sandbox

    def _start(self) -> Sandbox:
        sandbox = self._opener()
        sandbox.__enter__()
        return sandbox

    def restart(self, commit: str | None) -> None:
        """A fresh sandbox on the workspace as of ``commit`` (None: as it is)."""
        try:
            self.ctx.sandbox.close()
        except Exception:  # the old one is dead already; nothing useful to report
            pass
        if commit and self._restore is not None:
            self._restore(commit)
        self.ctx.sandbox = self._start()

    def close(self) -> None:
        self.ctx.sandbox.close()


@dataclass
class Prepared:
    """A scenario with its sandbox backend ready (see ``prepare``)."""

    scenario: Scenario
    factory: SandboxFactory

    def grader(self, run_id: str) -> ScenarioGrader | None:
        """The scenario's grader in its own sandbox, or None when it has none."""
        box = self.factory.grader(run_id)
        return ScenarioGrader(box) if box is not None else None

    def toolbox(self) -> ToolBox:
        s = self.scenario
        plugins = [load_tool(n, s.root) for n in s.tools if n.startswith(PREFIX)]
        return ToolBox([n for n in s.tools if not n.startswith(PREFIX)],
                       extra=[*(CommandTool(t) for t in s.command_tools), *plugins])

    @contextmanager
    def workbench(self, workspace: Path, *, run_id: str, outputs_dir: Path,
                  labels: dict[str, str] | None = None, command_timeout: float = 120,
                  restore: Callable[[str], None] | None = None,
                  mounts: list[BindMount] | None = None) -> Iterator[Workbench]:
        """A started sandbox on ``workspace`` with the scenario's tools; closed after.
        ``mounts``: host folders shared with it too (every replacement sandbox gets them)."""
        bench = Workbench(lambda: self.factory.open(workspace, run_id=run_id,
                                                    outputs_dir=outputs_dir, labels=labels,
                                                    mounts=mounts),
                          self.toolbox(), outputs_dir, command_timeout, restore)
        try:
            yield bench
        finally:
            bench.close()


def prepare(scenario: Scenario, sandbox: AnyBackend | str | dict[str, Any],
            progress: Progress = lambda _m: None) -> Prepared:
    """Make ``sandbox`` (a backend config, or a backend's name) ready for ``scenario``: the
    engine answers, the agent's and the grader's images are built, leftovers are reaped."""
    config = backend_config(sandbox)
    return Prepared(scenario, config.prepare(scenario.sandbox_spec(), progress))
