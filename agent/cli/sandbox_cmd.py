"""`ultrarun sandbox doctor|build|reap|shell`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.console import display_path, err_console, out_console, progress_status
from sandboxes.errors import HarnessError, UserError

if TYPE_CHECKING:
    import docker

app = typer.Typer(help="Docker engine, images and leftover containers.", no_args_is_help=True,
                  rich_markup_mode=None)
console = out_console

LogsOpt = Annotated[Path, typer.Option("--logs", help="Folder for dockerd.log if we start it.")]


def engine_client(logs: Path, quiet: bool = False) -> docker.DockerClient:
    """A client to a running engine, starting one when allowed (README, "Quick start")."""
    from sandboxes import engine

    client = engine.connect()
    if client is not None:
        return client
    with progress_status("Docker engine", quiet) as note:
        client = engine.ensure_engine(logs.absolute(), note)  # EngineUnavailable: exit 1
    # Said even with --quiet: a daemon now runs that the user did not start.
    err_console.print(f"started a Docker engine (dockerd); its log is "
                      f"{display_path(logs / 'dockerd.log')}")
    return client


@app.command()
def doctor(logs: LogsOpt = Path("logs")) -> None:
    """Report the Docker engine, the base image, tools and leftovers; exit 1 if not ready."""
    import docker
    from rich.table import Table

    from sandboxes import engine, images
    from sandboxes.reaper import managed_containers

    table = Table(show_header=False, box=None)
    ok = True
    client = engine.connect()
    table.add_row("docker SDK", docker.__version__)
    if client is None:
        ok = False
        how = ("`make test`/`make demo` (or `ultrarun sandbox build`) will install docker.io "
               "and start dockerd" if engine.can_self_install()
               else "start Docker yourself, or use `--sandbox local` (not isolated)")
        table.add_row("engine", f"[red]not answering[/red] — {how}")
    else:
        table.add_row("engine", "[green]answering[/green]")
        for k, v in engine.engine_facts(client).items():
            table.add_row(f"  {k}", v)
        want = images.image_hash(client, images.BASE_IMAGE)
        if want is None:
            ok = False
            table.add_row("base image", f"[yellow]{images.BASE_IMAGE} missing[/yellow] — "
                          "run `ultrarun sandbox build`")
        else:
            table.add_row("base image", f"{images.BASE_IMAGE} (content {want})")
        leftovers = managed_containers(client)
        table.add_row("ultrarun containers", f"{len(leftovers)} (running or left over; "
                      "`ultrarun sandbox reap` removes orphans)")
    table.add_row("debootstrap", shutil.which("debootstrap") or "not installed (only needed "
                  "when no registry answers)")
    table.add_row("apt mirror", images.host_debian_mirror())
    from sandboxes.backends import DockerConfig, LocalConfig

    for config in (DockerConfig(), LocalConfig()):  # (plug-ins: `--sandbox py:...`, yours)
        problem = config.engine_problem()
        table.add_row(f"backend {config.backend}", f"[red]not ready[/red] — {problem}"
                      if problem else "ready" + ("" if config.isolated else " (NOT isolated)"))
    console.print(table)
    if not ok:
        raise typer.Exit(1)


@app.command()
def build(force: Annotated[bool, typer.Option(help="Rebuild even if cached.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
          logs: LogsOpt = Path("logs")) -> None:
    """Build the base image ultrarun/base:bookworm (pull, or debootstrap when offline)."""
    from sandboxes import images

    client = engine_client(logs, quiet)
    with progress_status(f"building {images.BASE_IMAGE}", quiet) as note:
        built = images.ensure_base_image(client, note, force=force)  # ImageBuildError: exit 1
    if not quiet:
        state = "built" if built else "up to date"
        err_console.print(f"{images.BASE_IMAGE}: {state}")


@app.command("reap")
def reap_cmd(all_: Annotated[bool, typer.Option("--all", help="Remove every ultrarun "
                                                "container, not only orphans.")] = False,
             run_id: Annotated[str | None, typer.Option(help="Only this run's.")] = None) -> None:
    """Remove containers left by harnesses that died (or all of them with --all)."""
    from sandboxes import engine
    from sandboxes.leftovers import sweep_grader_files
    from sandboxes.reaper import reap

    client = engine.connect()
    if client is None:
        raise HarnessError("No Docker engine answers: nothing to reap. "
                           "See `ultrarun sandbox doctor`.")
    removed = reap(client, everything=all_, run_id=run_id)
    console.print(f"removed {len(removed)} container(s)" + (": " + ", ".join(removed)
                                                            if removed else ""))
    if not run_id:
        swept = sweep_grader_files()
        if swept:
            console.print(f"removed {len(swept)} grader-file copies of killed harnesses "
                          f"from {tempfile.gettempdir()}")


@app.command()
def shell(scenario: Annotated[str | None, typer.Argument(
              help="A scenario (name or path): its image, limits and seed workspace.")] = None,
          image: Annotated[str | None, typer.Option(help="Image to start (default: the "
                                                    "scenario's, else the base image).")] = None,
          workspace: Annotated[Path | None, typer.Option(
              help="Host folder mounted at /workspace (default: a temporary copy of the "
                   "scenario's seed).")] = None,
          network: bool = False, logs: LogsOpt = Path("logs")) -> None:
    """An interactive shell in a sandbox with the same image and limits an agent gets."""
    from agent.scenario.loader import load_scenario
    from sandboxes import images
    from sandboxes.backends import DockerConfig

    if shutil.which("docker") is None:
        raise UserError("`sandbox shell` needs the docker command-line client on PATH.")
    client = engine_client(logs, quiet=True)
    ws = workspace.absolute() if workspace else \
        Path(tempfile.mkdtemp(prefix="ultrarun-shell-")) / "workspace"
    limits: dict[str, object] = {"network": network}
    if scenario is not None:
        scn = load_scenario(scenario)
        with progress_status("image") as note:
            image = image or DockerConfig().agent_image(client, scn.sandbox_spec(), note)
        if workspace is None and scn.workspace_tree is not None:
            scn.workspace_tree.assemble(ws)
        limits = {"cpus": scn.limits.cpus, "memory": scn.limits.memory,
                  "pids": scn.limits.pids, "network": scn.limits.network or network}
    image = image or images.BASE_IMAGE
    if images.image_hash(client, image) is None:
        raise UserError(f"image {image!r} is not built: run `ultrarun sandbox build` first.")
    with DockerConfig().create(image=image, workspace=ws, client=client, **limits) as sb:
        err_console.print(f"[dim]{image}: workspace {ws} is /workspace; exit the shell to "
                          "remove the container[/dim]")
        user = getattr(sb, "user", "1000:1000")
        subprocess.call(["docker", "exec", "-it", "-u", user, "-w", "/workspace",
                         sb.container.id, "bash"])  # type: ignore[attr-defined]
