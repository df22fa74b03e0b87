"""Shared machinery of the staged reference policies.

A staged reference is the final solution with stage markers: ``#@ 3`` … ``#@ end`` keeps the
lines between from stage 3 on, ``#@ 1-2`` … ``#@ end`` only in stages 1 and 2 (markers nest and
may be indented). ``render`` cuts the source of one stage (the final version: every line but
those of closed ranges), ``write_stage`` writes one stage of a staged tree as files (the one
copy of a reference solution is its staged source); ``edits_between`` turns one version
into the next as ``edit_file`` calls whose ``old`` text matches exactly once, the way an
engineer edits a file rather than rewriting it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

MARK = "#@ "
FINAL = 1 << 30  # a stage after every numbered one: what remains when all stages are done
CONTEXT_GAP = 3  # changed runs closer than this many lines become one edit


# A NamedTuple rather than a dataclass: policy files import it while the runner loads them
# from a path, where dataclass introspection of postponed annotations can fail.
class Mistake(NamedTuple):
    """A realistic slip: ``wrong`` is written instead of ``right`` and is repaired only once
    the visible test ``shows_in`` fails because of it."""

    right: str
    wrong: str
    shows_in: str  # the visible test that fails because of it
    why: str
    path: str = ""  # the file it is in, for policies that edit several


def render(staged: str, stage: int = FINAL) -> str:
    """The source of one stage (default: the final version): lines whose enclosing markers all
    include ``stage``."""
    out: list[str] = []
    stack: list[tuple[int, int]] = []
    for line in staged.splitlines(keepends=True):
        mark = line.strip()
        if mark.startswith(MARK):
            arg = mark[len(MARK):]
            if arg == "end":
                if not stack:
                    raise ValueError("unbalanced #@ markers: an end without a start")
                stack.pop()
            else:
                lo, _, hi = arg.partition("-")
                stack.append((int(lo), int(hi) if hi else FINAL))
            continue
        if all(lo <= stage <= hi for lo, hi in stack):
            out.append(line)
    if stack:
        raise ValueError("unbalanced #@ markers: a start without an end")
    return "".join(out)


def render_tree(root: Path, stage: int = FINAL) -> dict[str, str]:
    """Every file under ``root`` rendered for ``stage``, by relative path (empty ones left out:
    the file does not exist yet at that stage)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            text = render(path.read_text(), stage)
            if text:
                out[path.relative_to(root).as_posix()] = text
    return out


def write_stage(root: Path, dest: Path, stage: int = FINAL) -> list[str]:
    """Write the render of ``stage`` (default: the final version) of every file under ``root``
    into ``dest``; a script (a file starting with ``#!``) is made executable. Returns the
    relative paths written."""
    files = render_tree(root, stage)
    for rel, text in files.items():
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        out.chmod(0o755 if text.startswith("#!") else 0o644)
    return list(files)


def edits_between(doc: str, target: str,
                  context_gap: int = CONTEXT_GAP) -> Iterator[tuple[str, str, int]]:
    """(old, new, line) edits turning ``doc`` into ``target``, top to bottom; each ``old``
    is grown with context lines until it occurs exactly once in the text it applies to (a
    blank ``doc`` has nothing to anchor an edit on: write such a file whole)."""
    while doc != target:
        a, b = doc.splitlines(keepends=True), target.splitlines(keepends=True)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        changed = [op for op in ops if op[0] != "equal"]
        _, i1, i2, j1, j2 = changed[0]
        for _, k1, k2, _l1, l2 in changed[1:]:  # merge close runs into one edit
            if k1 - i2 > context_gap:
                break
            i2, j2 = k2, l2
        starts = [0]
        for line in a:
            starts.append(starts[-1] + len(line))
        before = after = 0
        while True:
            old = "".join(a[i1 - before:i2 + after])
            # count() skips overlapping matches: also check the first match is this one.
            if old.strip() and doc.count(old) == 1 and doc.find(old) == starts[i1 - before]:
                break
            if i1 - before > 0 and (before <= after or i2 + after >= len(a)):
                before += 1
            elif i2 + after < len(a):
                after += 1
            else:
                raise ValueError("cannot make an edit unique")
        new = "".join(a[i1 - before:i1] + b[j1:j2] + a[i2:i2 + after])
        yield old, new, i1 - before + 1
        doc = doc.replace(old, new, 1)
