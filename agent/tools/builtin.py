"""The built-in tools (docs/tools.md, generated from the argument models here): bash, files,
grep, read_log, notes, finish."""

from __future__ import annotations

import os
import re
import shlex
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar, Literal

from pydantic import BaseModel, Field

from agent.tools.base import ToolContext, ToolError, ToolOutput
from agent.trajectory.outputs import output_file
from sandboxes.fsafe import Walker, fmt_size, show

MAX_READ_LINES = 2000
# What read_file / edit_file / notes load at once, and write_file writes: far above any source
# file, far below what would strain the harness. Bigger files: read_log, or bash.
MAX_FILE_BYTES = 16 << 20
MAX_LINE_CHARS = 20_000  # read_log cuts longer lines (a 4 GB file may have no newline at all)


class Bash:
    name: ClassVar[str] = "bash"

    class Args(BaseModel):
        """Run a shell command in the sandbox (bash; cwd and exports persist between calls;
        stdin is closed). Output is stdout and stderr interleaved; long output shows its head
        and tail, and read_log pages through the rest."""

        command: str = Field(description="The command line to run.")
        timeout: int | None = Field(None, ge=1, description=(
            "Seconds before the command and everything it started are killed (default 120; "
            "never past the run's time budget)."))

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        timeout, cut = ctx.timeout_for(args.timeout)
        r = ctx.sandbox.exec(args.command, timeout=timeout)
        text = r.output
        note = "; ".join(n for n in (r.note, cut) if n) or None
        if note:
            text += ("" if not text or text.endswith("\n") else "\n") + f"[{note}]"
        return ToolOutput(text=text, ok=r.exit_code == 0, exit_code=r.exit_code,
                          timed_out=r.timed_out, truncated=r.truncated,
                          spilled=Path(r.output_ref) if r.output_ref else None, note=note,
                          duration_s=r.duration_s)


def _read_text(ctx: ToolContext, path: str) -> str:
    try:
        data = ctx.sandbox.read_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ToolError(f"no such file: {path}", "not_found") from None
    except IsADirectoryError:
        raise ToolError(f"{path} is a directory: use list_dir", "not_found") from None
    except NotADirectoryError as e:
        raise ToolError(f"no such file: {path} ({e.strerror})", "not_found") from None
    return data.decode("utf-8", errors="replace")


def _check_size(data: bytes, path: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ToolError(f"{fmt_size(len(data))} for {path} is over the {fmt_size(MAX_FILE_BYTES)}"
                        " a file tool writes at once; write it in parts or with bash",
                        "too_large")


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
        data = args.content.encode("utf-8", "surrogateescape")
        _check_size(data, args.path)
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
        data = updated.encode("utf-8", "surrogateescape")
        _check_size(data, args.path)
        ctx.sandbox.write_file(args.path, data)
        return ToolOutput(text=summary)


class ListDir:
    name: ClassVar[str] = "list_dir"
    MAX_ENTRIES: ClassVar[int] = 500

    class Args(BaseModel):
        """List a workspace folder as a tree (folders end with /; .git is skipped)."""

        path: str = Field(".", description="Folder relative to the workspace.")
        depth: int = Field(2, ge=1, le=6, description="How many levels to show.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        try:
            fd, _rel = ctx.sandbox.list_dir(args.path)
        except (FileNotFoundError, NotADirectoryError):
            raise ToolError(f"not a folder: {args.path}", "not_found") from None
        out: list[tuple[bytes, str]] = []
        walker = Walker(skip=frozenset({b".git"}), max_depth=args.depth - 1)
        try:
            for d in walker.walk(fd):
                depth = d.rel.count(b"/")
                for e in d.entries:
                    if e.name == b".git":
                        continue
                    out.append((d.rel + e.name, "  " * depth + show(e.name)
                                + ("/" if e.is_dir else "@" if e.is_link else "")))
                    if len(out) > 20 * self.MAX_ENTRIES:
                        break
        finally:
            os.close(fd)
        lines = [text for _key, text in sorted(out, key=lambda o: o[0].split(b"/"))]
        if len(lines) > self.MAX_ENTRIES:
            lines = [*lines[: self.MAX_ENTRIES],
                     f"[stopped at {self.MAX_ENTRIES} entries; list a sub-folder]"]
        return ToolOutput(text="\n".join(lines) if lines else "[empty folder]")


class Grep:
    name: ClassVar[str] = "grep"

    class Args(BaseModel):
        """Search workspace files for a regular expression (grep -E); prints file:line:text."""

        pattern: str = Field(description="Extended regular expression.")
        path: str = Field(".", description="File or folder to search, relative to workspace.")
        glob: str | None = Field(None, description="Only files matching this name glob.")
        ignore_case: bool = Field(False, description="Match regardless of case.")
        max_results: int = Field(200, ge=1, le=2000, description="Matching lines shown at most.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        # Confinement (no link, no escape) before anything runs; grep itself runs in the
        # sandbox, as the agent.
        if ctx.sandbox.stat(args.path) is None:
            raise ToolError(f"no such file or folder: {args.path}", "not_found")
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
        mode: Literal["head", "tail", "range", "grep"] = Field(
            "tail", description="Which lines: the first, the last, a range, or those matching.")
        lines: int = Field(100, ge=1, le=2000, description="How many lines (head/tail/grep).")
        start: int | None = Field(None, ge=1, description="First line for mode=range.")
        end: int | None = Field(None, ge=1, description="Last line for mode=range.")
        pattern: str | None = Field(None, description="Regular expression for mode=grep.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        if (args.id is None) == (args.path is None):
            raise ToolError("read_log needs exactly one of `id` or `path`", "bad_arguments")
        if args.mode == "grep" and not args.pattern:
            raise ToolError("mode=grep needs `pattern`", "bad_arguments")
        if args.id is not None:
            source = output_file(ctx.outputs_dir, args.id)
            if not source.is_file():
                raise ToolError(f"no stored output for id {args.id!r}: only outputs that were "
                                "cut are stored, and the others were shown in full",
                                "not_found")
            f: BinaryIO = open(source, "rb")  # noqa: SIM115 - closed below
        else:
            try:
                f = ctx.sandbox.open_file(args.path or "")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise ToolError(f"no such file: {args.path}", "not_found") from None
        with f:
            return ToolOutput(text=_page(f, args))


def _lines(f: BinaryIO) -> Iterator[str]:
    """Decoded lines, each cut at MAX_LINE_CHARS (memory stays bounded on any file)."""
    limit = MAX_LINE_CHARS * 4
    while True:
        raw = f.readline(limit)
        if not raw:
            return
        if not raw.endswith(b"\n"):
            skipped = 0
            if len(raw) >= limit:  # a cut line: skip the rest of it
                while True:
                    more = f.readline(1 << 20)
                    if not more:
                        break
                    skipped += len(more)
                    if more.endswith(b"\n"):
                        break
            text = raw.decode("utf-8", "replace")[:MAX_LINE_CHARS]
            if len(raw) >= limit:
                text += f" [... line cut at {len(raw)} of {len(raw) + skipped} bytes]"
            yield text
            continue
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        yield text[:MAX_LINE_CHARS] + (" [... line cut]" if len(text) > MAX_LINE_CHARS else "")


def _tail(f: BinaryIO, want: int) -> tuple[list[str], int | None]:
    """The last ``want`` lines, read backwards from the end (a 4 GB log costs a few reads);
    returns them and the file's line count when the whole file was read, else None."""
    end = f.seek(0, os.SEEK_END)
    pos, buf = end, b""
    while pos > 0 and buf.count(b"\n") <= want and len(buf) < want * MAX_LINE_CHARS * 4:
        step = min(pos, 1 << 16)
        pos -= step
        f.seek(pos)
        buf = f.read(step) + buf
    lines = buf.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if pos > 0:
        lines = lines[1:]  # the first may be partial
    shown = [ln.decode("utf-8", "replace").rstrip("\r")[:MAX_LINE_CHARS] for ln in lines[-want:]]
    return shown, (len(lines) if pos == 0 else None)


def _page(f: BinaryIO, args: ReadLog.Args) -> str:
    """Stream the file once, keeping only what is asked (a log may be far bigger than memory)."""
    total = 0
    picked: list[str] | deque[str]
    if args.mode == "tail":
        lines, n = _tail(f, args.lines)
        if n is not None:
            picked = [f"{n - len(lines) + i + 1:6}\t{t}" for i, t in enumerate(lines)]
            return "\n".join(picked) + f"\n[{len(picked)} of {n} lines]"
        size = f.seek(0, os.SEEK_END)
        return "\n".join(f"     …\t{t}" for t in lines) + \
            f"\n[the last {len(lines)} lines of a {fmt_size(size)} file]"
    if args.mode == "head":
        picked = []
        for line in _lines(f):
            total += 1
            if total <= args.lines:
                picked.append(f"{total:6}\t{line}")
    elif args.mode == "range":
        lo = args.start or 1
        hi = args.end or lo + args.lines - 1
        picked = []
        for line in _lines(f):
            total += 1
            if lo <= total <= hi:
                picked.append(f"{total:6}\t{line}")
    else:
        try:
            rx = re.compile(args.pattern or "")
        except re.error as e:
            raise ToolError(f"bad pattern: {e}", "bad_arguments") from None
        picked = []
        for line in _lines(f):
            total += 1
            if rx.search(line) and len(picked) < args.lines:
                picked.append(f"{total:6}\t{line}")
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
        mode: Literal["append", "replace"] = Field(
            "append", description="Add to the notes, or replace them whole.")

    def run(self, args: Args, ctx: ToolContext) -> ToolOutput:
        old = b""
        if args.mode == "append":
            try:
                old = ctx.sandbox.read_file(self.PATH, MAX_FILE_BYTES)
            except FileNotFoundError:
                pass
        text = args.content if args.content.endswith("\n") else args.content + "\n"
        data = old + text.encode("utf-8", "surrogateescape")
        _check_size(data, self.PATH)
        ctx.sandbox.write_file(self.PATH, data)
        return ToolOutput(text=f"notes saved ({len(data)} bytes in {self.PATH})")


BUILTIN_TOOLS = {t.name: t for t in (Bash(), ReadFile(), WriteFile(), EditFile(), ListDir(),
                                     Grep(), ReadLog(), Finish(), Notes())}
