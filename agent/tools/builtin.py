"""The built-in tools of CONTRACT 4: bash, files, grep, read_log, finish."""

from __future__ import annotations

import os
import re
import shlex
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from agent.tools.base import ToolContext, ToolError, ToolOutput

MAX_READ_LINES = 2000


class Bash:
    name: ClassVar[str] = "bash"

    class Args(BaseModel):
        """Run a shell command in the sandbox (bash; cwd and exports persist between calls;
        stdin is closed). Output is stdout and stderr interleaved; long output shows its head
        and tail, and read_log pages through the rest."""

        command: str = Field(description="The command line to run.")
        timeout: int | None = Field(None, ge=1, description="Seconds before the command and "
                                    "everything it started are killed (default 120).")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        timeout = min(float(args.timeout or ctx.default_timeout), ctx.max_timeout)
        r = ctx.sandbox.exec(args.command, timeout=timeout)
        text = r.output
        if r.note:
            text += ("" if not text or text.endswith("\n") else "\n") + f"[{r.note}]"
        return ToolOutput(text=text, ok=r.exit_code == 0, exit_code=r.exit_code,
                          timed_out=r.timed_out, truncated=r.truncated,
                          spilled=Path(r.output_ref) if r.output_ref else None, note=r.note,
                          duration_s=r.duration_s)


def _read_text(ctx: ToolContext, path: str) -> str:
    try:
        data = ctx.sandbox.read_file(path)
    except FileNotFoundError:
        raise ToolError(f"no such file: {path}", "not_found") from None
    except IsADirectoryError:
        raise ToolError(f"{path} is a directory: use list_dir", "not_found") from None
    return data.decode("utf-8", errors="replace")


class ReadFile:
    name: ClassVar[str] = "read_file"

    class Args(BaseModel):
        """Read a text file of the workspace, shown with line numbers (like `cat -n`)."""

        path: str = Field(description="Path relative to the workspace.")
        start_line: int | None = Field(None, ge=1, description="First line (1-based).")
        end_line: int | None = Field(None, ge=1, description="Last line, inclusive.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        lines = _read_text(ctx, args.path).splitlines()
        start = (args.start_line or 1) - 1
        end = min(args.end_line or len(lines), len(lines), start + MAX_READ_LINES)
        body = "\n".join(f"{i + 1:6}\t{lines[i]}" for i in range(start, end))
        if end < len(lines) or start > 0:
            body += (f"\n[lines {start + 1}-{end} of {len(lines)}; use start_line/end_line "
                     "for more]")
        return ToolOutput(text=body if lines else "[empty file]")


class WriteFile:
    name: ClassVar[str] = "write_file"

    class Args(BaseModel):
        """Create or overwrite a workspace file with the given content (parents created)."""

        path: str = Field(description="Path relative to the workspace.")
        content: str = Field(description="The whole new content of the file.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        data = args.content.encode()
        ctx.sandbox.write_file(args.path, data)
        return ToolOutput(text=f"wrote {len(data)} bytes to {args.path}")


class EditFile:
    name: ClassVar[str] = "edit_file"

    class Args(BaseModel):
        """Edit a workspace file: replace the exact text `old` (which must occur exactly
        once) with `new`; or insert `text` after line `insert_line` (0 = at the top)."""

        path: str = Field(description="Path relative to the workspace.")
        old: str | None = Field(None, description="Exact text to replace (must match once).")
        new: str | None = Field(None, description="Replacement text.")
        insert_line: int | None = Field(None, ge=0, description="Insert after this line.")
        text: str | None = Field(None, description="Text to insert at insert_line.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        content = _read_text(ctx, args.path)
        if args.old is not None:
            if args.new is None:
                raise ToolError("edit_file with `old` needs `new` (use \"\" to delete)",
                                "bad_arguments")
            count = content.count(args.old)
            if count != 1:
                raise ToolError(
                    f"`old` occurs {count} times in {args.path}; it must match exactly once "
                    + ("(check whitespace and indentation)" if count == 0
                       else "(include more surrounding lines)"))
            updated = content.replace(args.old, args.new, 1)
            line = content[: content.index(args.old)].count("\n") + 1
            summary = f"replaced 1 occurrence at line {line} of {args.path}"
        elif args.insert_line is not None and args.text is not None:
            lines = content.splitlines(keepends=True)
            if args.insert_line > len(lines):
                raise ToolError(f"insert_line {args.insert_line} is past the end of "
                                f"{args.path} ({len(lines)} lines)")
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            new = args.text if args.text.endswith("\n") else args.text + "\n"
            lines.insert(args.insert_line, new)
            updated = "".join(lines)
            summary = f"inserted {new.count(chr(10))} line(s) after line {args.insert_line}"
        else:
            raise ToolError("edit_file needs either `old` and `new`, or `insert_line` and "
                            "`text`", "bad_arguments")
        ctx.sandbox.write_file(args.path, updated.encode())
        return ToolOutput(text=summary)


class ListDir:
    name: ClassVar[str] = "list_dir"
    MAX_ENTRIES: ClassVar[int] = 500

    class Args(BaseModel):
        """List a workspace folder as a tree (folders end with /; .git is skipped)."""

        path: str = Field(".", description="Folder relative to the workspace.")
        depth: int = Field(2, ge=1, le=6, description="How many levels to show.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        root = ctx.sandbox.host_path(args.path)
        if not root.is_dir():
            raise ToolError(f"not a folder: {args.path}", "not_found")
        out: list[str] = []
        for rel, is_dir in _walk(root, args.depth):
            out.append(("  " * (rel.count("/"))) + rel.rsplit("/", 1)[-1] + ("/" if is_dir
                                                                           else ""))
            if len(out) >= self.MAX_ENTRIES:
                out.append(f"[stopped at {self.MAX_ENTRIES} entries; list a sub-folder]")
                break
        return ToolOutput(text="\n".join(out) if out else "[empty folder]")


def _walk(root: Path, depth: int, prefix: str = "") -> Iterator[tuple[str, bool]]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.name == ".git":
            continue
        rel = f"{prefix}{e.name}"
        is_dir = e.is_dir(follow_symlinks=False)
        yield rel, is_dir
        if is_dir and depth > 1:
            yield from _walk(Path(e.path), depth - 1, rel + "/")


class Grep:
    name: ClassVar[str] = "grep"

    class Args(BaseModel):
        """Search workspace files for a regular expression (grep -E); prints file:line:text."""

        pattern: str = Field(description="Extended regular expression.")
        path: str = Field(".", description="File or folder to search, relative to workspace.")
        glob: str | None = Field(None, description="Only files matching this name glob.")
        ignore_case: bool = False
        max_results: int = Field(200, ge=1, le=2000)

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        ctx.sandbox.host_path(args.path)  # confinement check before anything runs
        flags = "-rnIE" + ("i" if args.ignore_case else "")
        cmd = f"grep {flags} --exclude-dir=.git"
        if args.glob:
            cmd += f" --include={shlex.quote(args.glob)}"
        cmd += f" -e {shlex.quote(args.pattern)} -- {shlex.quote(args.path)}"
        cmd += f" | head -n {args.max_results}"
        r = ctx.sandbox.exec(f"set -o pipefail; {cmd}", timeout=ctx.default_timeout)
        if r.exit_code == 1 and not r.output:
            return ToolOutput(text="[no matches]", exit_code=1)
        return ToolOutput(text=r.output, ok=r.exit_code in (0, 141), exit_code=r.exit_code,
                          timed_out=r.timed_out, truncated=r.truncated,
                          spilled=Path(r.output_ref) if r.output_ref else None)


class ReadLog:
    name: ClassVar[str] = "read_log"

    class Args(BaseModel):
        """Page through the full output of an earlier call (by its id, shown where output
        was cut) or through a workspace file (e.g. a build log): head, tail, a line range,
        or the lines matching a regular expression."""

        id: str | None = Field(None, description="The id of an earlier tool call.")
        path: str | None = Field(None, description="Or a workspace file.")
        mode: Literal["head", "tail", "range", "grep"] = "tail"
        lines: int = Field(100, ge=1, le=2000, description="How many lines (head/tail/grep).")
        start: int | None = Field(None, ge=1, description="First line for mode=range.")
        end: int | None = Field(None, ge=1, description="Last line for mode=range.")
        pattern: str | None = Field(None, description="Regular expression for mode=grep.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        if (args.id is None) == (args.path is None):
            raise ToolError("read_log needs exactly one of `id` or `path`", "bad_arguments")
        if args.id is not None:
            source = ctx.outputs_dir / f"{_safe_id(args.id)}.log"
            if not source.exists():
                raise ToolError(f"no stored output for id {args.id!r}: only outputs that were "
                                "cut are stored, and the others were shown in full",
                                "not_found")
        else:
            source = ctx.sandbox.host_path(args.path or "")
            if not source.is_file():
                raise ToolError(f"no such file: {args.path}", "not_found")
        return ToolOutput(text=_page(source, args))


def _safe_id(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100]


def _page(source: Path, args: ReadLog.Args) -> str:
    """Stream the file once, keeping only what is asked (a log may be far bigger than memory)."""
    total = 0
    picked: list[str] | deque[str]
    with open(source, encoding="utf-8", errors="replace") as f:
        if args.mode == "head":
            picked = []
            for line in f:
                total += 1
                if total <= args.lines:
                    picked.append(f"{total:6}\t{line.rstrip()}")
        elif args.mode == "tail":
            picked = deque(maxlen=args.lines)
            for line in f:
                total += 1
                picked.append(f"{total:6}\t{line.rstrip()}")
        elif args.mode == "range":
            lo = args.start or 1
            hi = args.end or lo + args.lines - 1
            picked = []
            for line in f:
                total += 1
                if lo <= total <= hi:
                    picked.append(f"{total:6}\t{line.rstrip()}")
        else:
            if not args.pattern:
                raise ToolError("mode=grep needs `pattern`", "bad_arguments")
            try:
                rx = re.compile(args.pattern)
            except re.error as e:
                raise ToolError(f"bad pattern: {e}", "bad_arguments") from None
            picked = []
            for line in f:
                total += 1
                if rx.search(line) and len(picked) < args.lines:
                    picked.append(f"{total:6}\t{line.rstrip()}")
    return "\n".join(picked) + f"\n[{len(picked)} of {total} lines]"


class Finish:
    name: ClassVar[str] = "finish"

    class Args(BaseModel):
        """Declare the task done and end the run, with a short summary of what was done."""

        summary: str = Field(description="What was built or fixed, and what is left.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        return ToolOutput(text="finished", finished=True)


class Notes:
    name: ClassVar[str] = "notes"
    PATH: ClassVar[str] = ".agent/notes.md"

    class Args(BaseModel):
        """Keep notes that survive context compaction: what you learnt, decisions, the plan.
        They are shown to you again whenever older conversation is dropped."""

        content: str = Field(description="Text to add (or the whole notes with replace).")
        mode: Literal["append", "replace"] = "append"

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        old = b""
        if args.mode == "append":
            try:
                old = ctx.sandbox.read_file(self.PATH)
            except FileNotFoundError:
                pass
        text = args.content if args.content.endswith("\n") else args.content + "\n"
        data = old + text.encode()
        ctx.sandbox.write_file(self.PATH, data)
        return ToolOutput(text=f"notes saved ({len(data)} bytes in {self.PATH})")


BUILTIN_TOOLS = {t.name: t for t in (Bash(), ReadFile(), WriteFile(), EditFile(), ListDir(),
                                     Grep(), ReadLog(), Finish(), Notes())}
