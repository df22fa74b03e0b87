"""The tools, through ToolBox.dispatch, on a LocalSandbox (the Docker path is the same code)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.models.base import ToolCall
from agent.tools.base import ToolContext
from agent.tools.toolbox import CommandTool, CommandToolSpec, ToolBox
from sandboxes import open_sandbox

ALL = ["bash", "read_file", "write_file", "edit_file", "list_dir", "grep", "read_log", "finish"]


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ToolContext]:
    with open_sandbox("local", workspace=tmp_path / "ws",
                      outputs_dir=tmp_path / "outputs") as sb:
        yield ToolContext(sandbox=sb, outputs_dir=tmp_path / "outputs", default_timeout=10)


def call(box: ToolBox, ctx: ToolContext, name: str, n: list[int] = [0], **args: object):  # noqa
    n[0] += 1
    return box.dispatch(ToolCall(id=f"c{n[0]}", name=name, arguments=dict(args),
                                 raw_arguments=json.dumps(args)), ctx)


def test_schemas_come_from_pydantic() -> None:
    schemas = {s["function"]["name"]: s["function"] for s in ToolBox(ALL).schemas()}
    assert set(schemas) == set(ALL)
    bash = schemas["bash"]["parameters"]
    assert bash["required"] == ["command"] and "timeout" in bash["properties"]
    assert "persistent shell" in schemas["bash"]["description"] or \
        "persist" in schemas["bash"]["description"]
    assert schemas["edit_file"]["parameters"]["properties"]["old"]["description"]


def test_write_read_edit_insert(ctx: ToolContext) -> None:
    box = ToolBox(ALL)
    assert call(box, ctx, "write_file", path="src/a.py", content="x = 1\ny = 2\n").output.ok
    shown = call(box, ctx, "read_file", path="src/a.py")
    assert shown.display == "     1\tx = 1\n     2\ty = 2"
    assert call(box, ctx, "edit_file", path="src/a.py", old="y = 2", new="y = 3").output.ok
    dup = call(box, ctx, "edit_file", path="src/a.py", old="=", new="==")
    assert not dup.output.ok and "occurs 2 times" in dup.display
    missing = call(box, ctx, "edit_file", path="src/a.py", old="zzz", new="q")
    assert "occurs 0 times" in missing.display
    assert call(box, ctx, "edit_file", path="src/a.py", insert_line=0, text="# top").output.ok
    assert ctx.sandbox.read_file("src/a.py") == b"# top\nx = 1\ny = 3\n"
    part = call(box, ctx, "read_file", path="src/a.py", start_line=2, end_line=2)
    assert part.display.startswith("     2\tx = 1") and "[lines 2-2 of 3" in part.display
    neither = call(box, ctx, "edit_file", path="src/a.py")
    assert neither.output.error_kind == "bad_arguments"


def test_paths_are_confined(ctx: ToolContext) -> None:
    box = ToolBox(ALL)
    ctx.sandbox.exec("ln -s / rootlink")
    for name, args in [("read_file", {"path": "../../etc/passwd"}),
                       ("write_file", {"path": "/tmp/x", "content": "no"}),
                       ("read_file", {"path": "rootlink/etc/passwd"}),
                       ("list_dir", {"path": ".."}), ("grep", {"pattern": "x", "path": "/etc"}),
                       ("read_log", {"path": "../x"})]:
        shown = call(box, ctx, name, **args)
        assert not shown.output.ok and shown.output.error_kind == "path", (name, shown.display)
        assert "outside the workspace" in shown.display


def test_long_output_head_tail_and_read_log(ctx: ToolContext) -> None:
    box = ToolBox(ALL, display_head=200, display_tail=200)
    shown = call(box, ctx, "bash", command="seq 1 5000")
    assert shown.needs_store and "characters omitted" in shown.display
    assert shown.display.startswith("1\n2\n") and "4999\n5000" in shown.display
    assert 'read_log(id="' in shown.display and shown.display.endswith("[exit code 0]")
    # The loop stores the full text under the call id; emulate it:
    cid = shown.display.split('read_log(id="')[1].split('"')[0]
    ctx.outputs_dir.mkdir(exist_ok=True)
    (ctx.outputs_dir / f"{cid}.log").write_text(shown.output.text)
    tail = call(box, ctx, "read_log", id=cid, mode="tail", lines=2)
    assert tail.display.startswith("  4999\t4999\n  5000\t5000")
    rng = call(box, ctx, "read_log", id=cid, mode="range", start=10, end=11)
    assert rng.display.splitlines()[:2] == ["    10\t10", "    11\t11"]
    g = call(box, ctx, "read_log", id=cid, mode="grep", pattern="^49[0-9]{2}$", lines=3)
    assert g.display.splitlines()[:3] == ["  4900\t4900", "  4901\t4901", "  4902\t4902"]
    assert call(box, ctx, "read_log", id="nope").output.error_kind == "not_found"
    ctx.sandbox.write_file("build.log", b"ok\nerror: boom\nok\n")
    assert "error: boom" in call(box, ctx, "read_log", path="build.log", mode="grep",
                                 pattern="error").display


def test_list_dir_and_grep(ctx: ToolContext) -> None:
    box = ToolBox(ALL)
    ctx.sandbox.write_file("a/b/c.txt", b"needle here\n")
    ctx.sandbox.write_file("a/d.py", b"x = 'Needle'\n")
    ctx.sandbox.exec("git init -q . 2>/dev/null || mkdir -p .git")
    listing = call(box, ctx, "list_dir", depth=3).display
    assert listing.splitlines() == ["a/", "  b/", "    c.txt", "  d.py"]
    hits = call(box, ctx, "grep", pattern="needle", ignore_case=True).display
    assert "a/b/c.txt:1:needle here" in hits and "a/d.py:1:" in hits
    only_py = call(box, ctx, "grep", pattern="needle", ignore_case=True, glob="*.py").display
    assert "c.txt" not in only_py and "d.py" in only_py
    assert call(box, ctx, "grep", pattern="absent-word").display == "[no matches]"


def test_bash_timeout_and_errors(ctx: ToolContext) -> None:
    box = ToolBox(ALL)
    shown = call(box, ctx, "bash", command="sleep 30", timeout=1)
    assert shown.output.timed_out and "timed out after 1 s" in shown.display
    assert shown.display.endswith("[exit code 124]")
    bad = call(box, ctx, "bash", command=123)
    assert bad.output.error_kind == "bad_arguments" and "command" in bad.display
    unknown = box.dispatch(ToolCall(id="u", name="nope", arguments={}), ctx)
    assert unknown.output.error_kind == "unknown_tool" and "bash" in unknown.display
    unparsed = box.dispatch(ToolCall(id="p", name="bash", arguments=None, raw_arguments="{",
                                     parse_error="Expecting value"), ctx)
    assert unparsed.output.error_kind == "bad_arguments"
    assert call(box, ctx, "finish", summary="done").output.finished


def test_command_tools_quote_their_arguments(ctx: ToolContext) -> None:
    spec = CommandToolSpec(name="say", description="Echo a word.", command="echo {word}",
                           parameters={"word": "what to say"})
    box = ToolBox(["bash", "say"], extra=[CommandTool(spec)])
    assert "say" in [s["function"]["name"] for s in box.schemas()]
    shown = call(box, ctx, "say", word="$(touch pwned); hi")
    assert shown.output.text == "$(touch pwned); hi\n"
    assert not (ctx.sandbox.workspace / "pwned").exists()
