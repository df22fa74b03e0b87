"""Where a team folder keeps what (docs/teams.md): read by the team's own modules and by the
batch, listing and compare code, so it imports nothing of the team's machinery."""

from __future__ import annotations

import re
from pathlib import Path

SESSION = re.compile(r"s(\d{3,})")


def agent_dir(team_dir: Path, agent: str) -> Path:
    return Path(team_dir) / "agents" / agent


def sessions_of(folder: Path) -> list[Path]:
    """An agent's session folders (``agents/<agent>/sNNN``), oldest first."""
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir()
             if p.is_dir() and (m := SESSION.fullmatch(p.name))]
    return [p for _n, p in sorted(found)]
