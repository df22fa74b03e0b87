"""The command line the C compiler graders share (this one and c-compiler's, which includes
this file): how tests run (jobs, time limits, per-test details) and the defences of the jail
(``jail.py``) a grading may switch off to measure what they stop (``--ablate``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO

from jail import (
    DEFAULT_FRONT_ENDS,
    Defences,
    Jail,
    JailError,
    Unconfined,
    load_front_ends,
    scan_workspace,
)

#: Defences ``--ablate`` can switch off: the front-end scan, the vetting of built programs (only
#: x86-64 executables of the C runtime), running them sealed (sealed.py). A grader may add its own.
ABLATIONS = {"scan": "no search for compiler front ends in the workspace",
             "programs": "any ELF file or #! script is run as the built program",
             "seal": "built programs run unsealed (may exec, read any file the cell can)"}


def add_options(ap: argparse.ArgumentParser, ablations: dict[str, str]) -> None:
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--details", default=None, help="write per-test diagnostics (JSON) here")
    ap.add_argument("--compile-timeout", type=float, default=10.0)
    ap.add_argument("--run-timeout", type=float, default=5.0)
    ap.add_argument("--jail", choices=["auto", "on", "off"], default="auto",
                    help="confine every test (auto: when $ULTRARUN_RUN_AS is set)")
    ap.add_argument("--front-ends", default=str(DEFAULT_FRONT_ENDS),
                    help="folder of compiler front ends whose code a workspace may not carry")
    ap.add_argument("--ablate", default="",
                    help="switch defences off to measure what they stop (comma-separated): "
                         f"{', '.join(ablations)}")


def ablations_of(args: argparse.Namespace, ablations: dict[str, str]) -> set[str] | None:
    """The defences switched off, or None (said on stderr) when one is unknown."""
    ablate = {a.strip() for a in args.ablate.split(",") if a.strip()}
    if ablate - set(ablations):
        print(f"--ablate: unknown {sorted(ablate - set(ablations))}; choose among "
              f"{', '.join(ablations)}", file=sys.stderr)
        return None
    return ablate


def defences_of(ablate: set[str]) -> Defences:
    return Defences(vet="programs" not in ablate, seal="seal" not in ablate)


def cells_for(args: argparse.Namespace, workspace: Path, defences: Defences,
              grader: str) -> Jail | Unconfined | None:
    """The cells tests run in: jailed when asked (or under ``$ULTRARUN_RUN_AS``); None (said on
    stderr) when the jail cannot be set up."""
    jailed = args.jail == "on" or (args.jail == "auto" and bool(os.environ.get("ULTRARUN_RUN_AS")))
    try:
        return Jail(workspace, defences=defences) if jailed else Unconfined(workspace, defences)
    except (JailError, OSError) as exc:
        print(f"{grader} grader: cannot confine the compiler: {exc}", file=sys.stderr)
        return None


def open_details(args: argparse.Namespace) -> IO[str] | None:
    """The per-test details file, opened before the grader confines itself (it may then write
    nothing but /tmp); None when not asked for or not writable (said on stderr)."""
    if not args.details:
        return None
    try:
        return open(args.details, "w", encoding="utf-8")
    except OSError as exc:
        print(f"could not write details: {exc}", file=sys.stderr)
        return None


def refusal(args: argparse.Namespace, workspace: Path, ablate: set[str],
            cells: Jail | Unconfined) -> str | None:
    """Why the workspace is refused (front-end code in it, a W+X ELF file), or None."""
    front_ends = [] if "scan" in ablate else load_front_ends(Path(args.front_ends))
    if isinstance(cells, Jail) and not front_ends and "scan" not in ablate:
        print(f"note: no compiler front end in {args.front_ends} to look for", file=sys.stderr)
    problems = scan_workspace(workspace, front_ends) if front_ends else []
    if not problems:
        return None
    refused = "workspace refused: " + "; ".join(problems)
    print(refused, file=sys.stderr)
    return refused
