"""The Sandbox protocol's contract tests, runnable against any backend.

A backend (built-in or your own) conforms when every test here passes on a fresh sandbox whose
workspace is an empty folder. Two ways to run them:

- from the command line, naming a factory ``module:callable`` that takes
  ``(workspace: Path, outputs_dir: Path)`` and returns a sandbox not yet started (or a built-in
  backend's name)::

      ULTRARUN_SANDBOX_FACTORY=my_pkg.backend:make_sandbox pytest --pyargs sandboxes.conformance

- from your own test module, which brings the tests in and provides the ``sb`` fixture::

      from sandboxes.conformance import *  # noqa: F403

      @pytest.fixture
      def sb(tmp_path):
          with MySandbox(workspace=tmp_path / "ws", ...) as s:
              yield s

Needs pytest (a test dependency, not a runtime one). ``tests/sandboxes/test_protocol.py`` runs
these against the Docker and local backends, ``tests/sandboxes/test_conformance.py`` against a
backend defined outside this package.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandboxes.base import PathOutsideWorkspace, Sandbox

#: The environment variable naming the factory under test (``module:callable`` or a
#: built-in backend's name).
FACTORY_ENV = "ULTRARUN_SANDBOX_FACTORY"

SandboxMaker = Callable[[Path, Path], Sandbox]

# Only the tests: a module importing them keeps its own `sb` fixture.
__all__ = [
    "test_binary_and_invalid_utf8_output",
    "test_builtin_loop_is_ended_and_state_kept",
    "test_cd_and_export_persist",
    "test_cwd_and_env_arguments_do_not_leak",
    "test_earlier_background_jobs_survive_a_later_timeout",
    "test_exit_codes_and_stderr_interleaved",
    "test_file_round_trip_random_bytes",
    "test_forged_end_line_is_only_output",
    "test_forged_end_line_then_sleep_is_killed_at_timeout",
    "test_large_output_is_capped_with_full_copy",
    "test_late_background_output_is_not_the_next_result",
    "test_output_without_newline_and_odd_bytes",
    "test_paths_outside_workspace_refused",
    "test_quotes_and_unicode_in_commands",
    "test_shell_exit_is_survived",
    "test_stdin_is_closed",
    "test_syntax_error_keeps_session",
    "test_timeout_kills_sleep_and_session_survives",
    "test_timeout_kills_whole_tree_with_background_children",
    "test_upload_and_download",
]


def load_factory(ref: str) -> SandboxMaker:
    """The sandbox factory ``ref`` names: ``module:callable``, or ``docker`` / ``local``."""
    if ":" not in ref:
        from sandboxes.backends import backend_config

        config = backend_config(ref)
        return lambda ws, outs: config.create(workspace=ws, outputs_dir=outs)
    module, _, attr = ref.partition(":")
    factory: SandboxMaker = getattr(importlib.import_module(module), attr)
    return factory


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    """A started sandbox from the factory ``$ULTRARUN_SANDBOX_FACTORY`` names (used when this
    module runs on its own; a test module importing the tests brings its own ``sb``)."""
    ref = os.environ.get(FACTORY_ENV)
    if not ref:
        pytest.fail(f"set {FACTORY_ENV}=module:callable (a function (workspace, outputs_dir) "
                    "-> Sandbox) or a built-in backend's name to run the conformance tests")
    ws, outs = tmp_path / "ws", tmp_path / "outputs"
    ws.mkdir()
    outs.mkdir()
    with load_factory(ref)(ws, outs) as s:
        yield s


def test_cd_and_export_persist(sb: Sandbox) -> None:
    assert sb.exec("mkdir -p sub/dir && cd sub/dir && export FOO=bar-baz").exit_code == 0
    r = sb.exec("pwd; echo $FOO")
    assert r.output.splitlines() == [f"{sb.workdir}/sub/dir", "bar-baz"]


def test_exit_codes_and_stderr_interleaved(sb: Sandbox) -> None:
    r = sb.exec("echo out; echo err >&2; exit_code() { return 7; }; exit_code")
    assert r.exit_code == 7
    assert r.output == "out\nerr\n"
    assert not r.timed_out and not r.truncated


def test_cwd_and_env_arguments_do_not_leak(sb: Sandbox) -> None:
    sb.exec("mkdir -p a")
    r = sb.exec("pwd; echo $ONLY_HERE", cwd="a", env={"ONLY_HERE": "x y"})
    assert r.output.splitlines() == [f"{sb.workdir}/a", "x y"]
    assert sb.exec("pwd; echo \"[$ONLY_HERE]\"").output.splitlines() == [sb.workdir, "[]"]


def test_output_without_newline_and_odd_bytes(sb: Sandbox) -> None:
    assert sb.exec("printf 'no newline'").output == "no newline"
    # Text that looks like our protocol must not confuse it.
    r = sb.exec(r"printf '\036UR_DONE abc 0 0\n'; echo after")
    assert r.output.endswith("after\n") and r.exit_code == 0


def test_quotes_and_unicode_in_commands(sb: Sandbox) -> None:
    r = sb.exec("echo 'single \"double\"' $'tab\\tx' 'héllo ✓'")
    assert r.output == "single \"double\" tab\tx héllo ✓\n"
    multi = sb.exec("for i in 1 2 3\ndo\n  echo line$i\ndone")
    assert multi.output == "line1\nline2\nline3\n"


def test_syntax_error_keeps_session(sb: Sandbox) -> None:
    r = sb.exec("echo 'unterminated")
    assert r.exit_code != 0
    assert sb.exec("echo fine").output == "fine\n"


def test_stdin_is_closed(sb: Sandbox) -> None:
    t0 = time.monotonic()
    r = sb.exec("read x; echo \"got=[$x] rc=$?\"; cat; echo done", timeout=10)
    assert time.monotonic() - t0 < 5
    assert "got=[]" in r.output and r.output.endswith("done\n")


def _sleeps(k: int) -> list[str]:
    """``k`` sleep commands no other process on the machine runs: a sandbox without its own
    pid namespace (the local backend) sees every process of the host, other tests' included."""
    return [f"sleep {n}" for n in random.sample(range(1_000_000, 10_000_000), k)]


def _survivors(sb: Sandbox, command: str) -> list[str]:
    """Processes running ``command`` (itself, or a shell whose command line holds it)."""
    out = sb.exec(f"echo BEGIN; ps -eo pid,args | grep -E -- '{command}( |$)' | grep -v grep"
                  " || true").output
    return [line for line in out.split("BEGIN\n", 1)[1].splitlines() if line.strip()]


def test_timeout_kills_sleep_and_session_survives(sb: Sandbox) -> None:
    [sleep] = _sleeps(1)
    r = sb.exec(f"export KEEP=1; cd /tmp 2>/dev/null; {sleep}", timeout=1.5)
    assert r.timed_out and r.exit_code == 124
    assert 1.4 < r.duration_s < 8
    assert not r.session_restarted
    assert not _survivors(sb, sleep)
    assert sb.exec("echo $KEEP").output == "1\n"


def test_timeout_kills_whole_tree_with_background_children(sb: Sandbox) -> None:
    s = _sleeps(5)
    cmd = (f"({s[0]} &) ; nohup {s[1]} >/dev/null 2>&1 & "
           f"setsid {s[2]} >/dev/null 2>&1 & bash -c '{s[3]} & {s[4]}'")
    r = sb.exec(cmd, timeout=1.5)
    assert r.timed_out
    for sleep in s:
        assert not _survivors(sb, sleep), f"{sleep} survived the timeout"
    assert sb.exec("echo ok").output == "ok\n"


def test_earlier_background_jobs_survive_a_later_timeout(sb: Sandbox) -> None:
    earlier, later = _sleeps(2)
    sb.exec(f"{earlier} >/dev/null 2>&1 &")
    assert sb.exec(later, timeout=1).timed_out
    assert _survivors(sb, earlier), "a job started by an earlier command was killed"
    assert not _survivors(sb, later)


def test_builtin_loop_is_ended_and_state_kept(sb: Sandbox) -> None:
    sb.exec("cd / && export KEPT=1")
    r = sb.exec("while true; do :; done", timeout=1)
    assert r.timed_out and not r.session_restarted
    after = sb.exec("echo \"[$KEPT]\"; pwd")
    assert after.exit_code == 0 and after.output.splitlines() == ["[1]", "/"]


def test_shell_exit_is_survived(sb: Sandbox) -> None:
    r = sb.exec("cd / && echo bye; exit 3")
    assert r.output == "bye\n" and r.exit_code == 3 and not r.session_restarted
    assert sb.exec("echo back; pwd").output == "back\n/\n"
    sub = sb.exec("(exit 4); echo $?; x=$(exit 5); echo $?")
    assert sub.output == "4\n5\n" and not sub.session_restarted


def test_forged_end_line_is_only_output(sb: Sandbox) -> None:
    """A command that prints what the session's end line looks like, with its own token, does
    not end early: its real exit code and all its output are recorded."""
    forged = r"""printf '\n\036UR_DONE %s 99999999999999999999999 0\n' "$ULTRARUN_CMD"; """
    r = sb.exec(forged + "sleep 1; echo after; exit 7", timeout=30)
    assert r.exit_code == 7 and not r.timed_out and r.duration_s >= 1
    assert "99999999999999999999999" in r.output and r.output.endswith("after\n")
    assert sb.exec("echo next").output == "next\n"


def test_forged_end_line_then_sleep_is_killed_at_timeout(sb: Sandbox) -> None:
    forged = r"""printf '\n\036UR_DONE %s 0 0\n' "$ULTRARUN_CMD"; """
    [sleep] = _sleeps(1)
    r = sb.exec(forged + f"{sleep}; echo never", timeout=2)
    assert r.timed_out and r.exit_code == 124 and r.duration_s >= 2
    assert not _survivors(sb, sleep)
    nxt = sb.exec("echo next")
    assert nxt.output == "next\n" and nxt.exit_code == 0


def test_late_background_output_is_not_the_next_result(sb: Sandbox) -> None:
    """What an earlier command's background job prints between two calls is in neither."""
    first = sb.exec("(sleep 0.5; echo LATE-OUTPUT; touch late.done) &")
    assert "LATE-OUTPUT" not in first.output
    deadline = time.monotonic() + 30
    while not (sb.workspace / "late.done").exists():  # looked at from the host: no call
        assert time.monotonic() < deadline, "the background job never ran"
        time.sleep(0.05)
    assert sb.exec("echo next").output == "next\n"


def test_binary_and_invalid_utf8_output(sb: Sandbox) -> None:
    r = sb.exec("head -c 20000 /dev/urandom; printf '\\xff\\xfe\\x00end'")
    assert r.exit_code == 0
    assert isinstance(r.output, str) and r.output.endswith("\x00end")
    assert r.output_bytes == 20000 + 6


def test_large_output_is_capped_with_full_copy(sb: Sandbox) -> None:
    r = sb.exec("seq 1 300000")
    assert r.truncated and r.output_ref
    assert r.output.startswith("1\n2\n") and r.output.endswith("299999\n300000\n")
    assert "bytes omitted" in r.output
    assert len(r.output) < 70_000
    full = Path(r.output_ref).read_text()
    assert full == "".join(f"{i}\n" for i in range(1, 300001))


def test_file_round_trip_random_bytes(sb: Sandbox) -> None:
    data = os.urandom(200_000)
    sb.write_file("deep/er/blob.bin", data)
    assert sb.read_file("deep/er/blob.bin") == data
    r = sb.exec("sha256sum deep/er/blob.bin | cut -d' ' -f1")
    assert r.output.strip() == hashlib.sha256(data).hexdigest()
    # And written from inside, read from outside:
    sb.exec("printf 'inside\\n' > made_inside.txt")
    assert sb.read_file("made_inside.txt") == b"inside\n"
    assert sb.read_file(f"{sb.workdir}/made_inside.txt") == b"inside\n"


def test_paths_outside_workspace_refused(sb: Sandbox) -> None:
    sb.exec("ln -s /etc etc_link; ln -s .. up_link")
    for bad in ["../x", "/etc/passwd", "a/../../x", "etc_link/passwd", "up_link/x"]:
        with pytest.raises(PathOutsideWorkspace):
            sb.read_file(bad)
        with pytest.raises(PathOutsideWorkspace):
            sb.write_file(bad, b"no")


def test_upload_and_download(sb: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.txt").write_text("A")
    (src / "b.bin").write_bytes(b"\x00\x01")
    sb.upload(src, "up")
    assert sb.exec("cat up/pkg/a.txt; echo; wc -c < up/b.bin").output.split() == ["A", "2"]
    sb.exec("echo made >> up/pkg/a.txt")
    out = tmp_path / "down"
    sb.download("up", out)
    assert (out / "pkg" / "a.txt").read_text() == "Amade\n"
