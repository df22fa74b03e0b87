"""Who wrote which line of the team's main branch, state by state (line-level blame).

Each state of main is the previous one plus one push by one agent. The ledger diffs the text
files that changed (``difflib``, line by line) and keeps, for every line of every file, the
agent whose push brought it and the index of that state of main. From that come the team
metrics that need lines: lines added and removed per push, overwrites, the functions a push
touched, and the lines each agent wrote that survive in the final state (contribution).
Binary files and files over ``MAX_TEXT`` count as changed files without lines.

An *overwrite* is a line another agent brought to main that a push deletes without its author
having seen it: the push merged concurrent work (its merge's base is an older state of main,
``seen_upto``) and the line came after that base, within ``window`` states. Editing a line
one built on (a push straight on top of main) is ordinary work, never an overwrite.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from agent.team.gitobjects import FileEntry, GitObjectError, UpstreamObjects

MAX_TEXT = 1 << 20  # bytes: larger files are not diffed line by line
MAX_LINES = 50_000
OVERWRITE_WINDOW = 10  # states of main: a line deleted this soon after it was written
_PY_DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
_C_DEF = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$")
_PLAIN = re.compile(r"^[A-Za-z_$]")


@dataclass(frozen=True)
class Origin:
    agent: str
    state: int  # the index of the state of main that brought the line


@dataclass
class Change:
    """What one state of main changed, as the ledger saw it."""

    files: list[str] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    overwritten: dict[str, int] = field(default_factory=dict)  # agent -> their lines deleted
    functions: set[str] = field(default_factory=set)  # "path::function" touched


def functions_of(path: str, lines: list[str]) -> list[str]:
    """The enclosing function (or heading) of each line, like git's hunk headers: Python
    ``def``/``class``, a C function's first line, else the last line starting at column 0."""
    pattern = _PY_DEF if path.endswith(".py") else _C_DEF if path.endswith(
        (".c", ".h", ".cc", ".cpp")) else None
    out: list[str] = []
    current = ""
    for line in lines:
        if pattern is not None:
            m = pattern.match(line)
            if m:
                current = m.group(1)
        elif _PLAIN.match(line):
            current = line.strip()[:60]
        out.append(current)
    return out


def text_lines(data: bytes) -> list[str] | None:
    """A blob's lines, or None when it is not text to diff (binary or too big)."""
    if len(data) > MAX_TEXT or b"\0" in data[:8192]:
        return None
    lines = data.decode("utf-8", "replace").splitlines()
    return lines if len(lines) <= MAX_LINES else None


class LineLedger:
    """The origin of every line of main's text files; ``advance`` moves it one state on."""

    def __init__(self, objects: UpstreamObjects, window: int = OVERWRITE_WINDOW) -> None:
        self.objects = objects
        self.window = window
        self.files: dict[str, FileEntry] = {}
        self.origins: dict[str, list[Origin]] = {}

    def start(self, tree: str | None, agent: str = "seed") -> None:
        """The first state (index 0): every line is the seed's."""
        self.files = self._tree_files(tree)
        self.origins = {}
        for path, entry in self.files.items():
            lines = self._lines(entry)
            if lines is not None:
                self.origins[path] = [Origin(agent, 0)] * len(lines)

    def advance(self, state: int, agent: str, tree: str | None,
                seen_upto: int | None = None) -> Change:
        """Move to ``tree`` (None: main was deleted), brought by ``agent``'s push;
        ``seen_upto``: the last state of main the push's own work was based on, when it
        merged concurrent work (None: it was made on top of the previous state)."""
        change = Change()
        new_files = self._tree_files(tree)
        for path in sorted(set(self.files) | set(new_files)):
            old, new = self.files.get(path), new_files.get(path)
            if old == new:
                continue
            change.files.append(path)
            before = self._lines(old) if old else []
            after = self._lines(new) if new else []
            if before is None or after is None:  # binary, too big, or unreadable
                self.origins.pop(path, None)
                continue
            self._diff(path, before, after, state, agent, change, seen_upto)
        self.files = new_files
        return change

    def _diff(self, path: str, before: list[str], after: list[str], state: int, agent: str,
              change: Change, seen_upto: int | None) -> None:
        origins = self.origins.get(path) or [Origin("seed", 0)] * len(before)
        fn_old = functions_of(path, before) if before else []
        fn_new = functions_of(path, after) if after else []
        out: list[Origin] = []
        ops = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                out.extend(origins[i1:i2])
                continue
            for o in origins[i1:i2]:
                change.removed += 1
                if seen_upto is not None and o.state > seen_upto and o.agent not in (
                        agent, "seed") and state - o.state <= self.window:
                    change.overwritten[o.agent] = change.overwritten.get(o.agent, 0) + 1
            change.added += j2 - j1
            out.extend([Origin(agent, state)] * (j2 - j1))
            change.functions.update(_hunk_functions(path, fn_old, fn_new, i1, i2, j1, j2))
        self.origins[path] = out

    def _tree_files(self, tree: str | None) -> dict[str, FileEntry]:
        if not tree:
            return {}
        return {p.decode("utf-8", "replace"): e for p, e in self.objects.files(tree).items()}

    def _lines(self, entry: FileEntry | None) -> list[str] | None:
        return lines_of(self.objects, entry)

    def surviving(self) -> dict[str, int]:
        """Lines per agent in the current state."""
        out: dict[str, int] = {}
        for origins in self.origins.values():
            for o in origins:
                out[o.agent] = out.get(o.agent, 0) + 1
        return out



def lines_of(objects: UpstreamObjects, entry: FileEntry | None) -> list[str] | None:
    """A file's lines, or None when it is no text to diff (or missing, binary, too big)."""
    if entry is None or entry.mode not in ("100644", "100755"):
        return None
    try:
        return text_lines(objects.blob(entry.sha))
    except GitObjectError:
        return None


def _hunk_functions(path: str, fn_old: list[str], fn_new: list[str], i1: int, i2: int,
                    j1: int, j2: int) -> set[str]:
    names = set(fn_old[i1:i2]) | set(fn_new[j1:j2])
    if not names and j1 > 0:  # a pure insertion: the function it lands in
        names = {fn_new[j1 - 1]}
    return {f"{path}::{n}" for n in names if n}


def touched_functions(objects: UpstreamObjects, tree_a: str, tree_b: str) -> set[str]:
    """The functions (``path::name``) whose lines differ between two trees."""
    a = {p.decode("utf-8", "replace"): e for p, e in objects.files(tree_a).items()}
    b = {p.decode("utf-8", "replace"): e for p, e in objects.files(tree_b).items()}
    out: set[str] = set()
    for path in set(a) | set(b):
        if a.get(path) == b.get(path):
            continue
        before = lines_of(objects, a.get(path)) if path in a else []
        after = lines_of(objects, b.get(path)) if path in b else []
        if before is None or after is None:
            continue
        fn_old, fn_new = functions_of(path, before), functions_of(path, after)
        ops = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag != "equal":
                out |= _hunk_functions(path, fn_old, fn_new, i1, i2, j1, j2)
    return out
