"""The team's bookkeeping without containers: the upstream's object reader, the line ledger
(overwrites, functions, surviving lines), flip attribution and bisection, and the push watcher
reading the hook's log (out-of-order lines, garbage, unknown agents).

A test repository is made with the host's git here (in a temporary folder the test owns):
that stands for what the upstream's container-side git writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import zlib
from pathlib import Path

import pytest

from agent.team.attribution import bisect_targets, flips
from agent.team.events import LockEvent, PushEvent, TeamLog, read_team_log
from agent.team.gitobjects import ZERO, GitObjectError, UpstreamObjects
from agent.team.info import TeamInfo, TeamSettings, read_team_info, write_team_info
from agent.team.ledger import LineLedger, functions_of
from agent.team.pushes import MainState, PushWatcher

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": "/nonexistent",
           "PATH": os.environ["PATH"]}


def git(cwd: Path, *args: str, who: str = "t") -> str:
    env = {**GIT_ENV, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": f"{who}@x",
           "GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": f"{who}@x"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


class Repo:
    """A bare upstream (objects kept loose, as the team's is) and a clone to commit in."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "team.git"
        self.work = root / "work"
        git(root, "init", "-q", "--bare", "-b", "main", str(self.bare))
        git(self.bare, "config", "receive.unpackLimit", "2147483647")
        git(root, "init", "-q", "-b", "main", str(self.work))

    def commit(self, files: dict[str, str | None], who: str, msg: str = "c") -> str:
        for path, text in files.items():
            p = self.work / path
            if text is None:
                p.unlink()
            else:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", msg, who=who)
        git(self.work, "push", "-q", str(self.bare), "HEAD:main", who=who)
        return git(self.work, "rev-parse", "HEAD")


def test_the_reader_reads_loose_objects_and_refuses_bad_ones(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    sha = repo.commit({"a.txt": "one\n", "src/b.py": "def f():\n    return 1\n"}, "a1")
    obj = UpstreamObjects(repo.bare)
    assert obj.ref("refs/heads/main") == sha
    c = obj.commit(sha)
    assert c.author == "a1 <a1@x>" and c.parents == ()
    files = obj.files(c.tree)
    assert set(files) == {b"a.txt", b"src/b.py"}
    assert obj.blob(files[b"a.txt"].sha) == b"one\n"
    assert [p for _m, _s, p in obj.entries(sha)] == [b"a.txt", b"src/b.py"]
    # A loose object whose content does not hash to its name is refused.
    blob = files[b"a.txt"].sha
    path = repo.bare / "objects" / blob[:2] / blob[2:]
    os.chmod(path, 0o644)
    path.write_bytes(zlib.compress(b"blob 4\0two\n"))
    with pytest.raises(GitObjectError, match="corrupt"):
        UpstreamObjects(repo.bare).blob(blob)
    # ... as is one that inflates past the bound, and a link in place of an object.
    path.write_bytes(zlib.compress(b"blob 100000\0" + b"x" * 100000))
    with pytest.raises(GitObjectError, match="larger than"):
        UpstreamObjects(repo.bare, max_object=1000).blob(blob)
    path.unlink()
    path.symlink_to("/etc/passwd")
    with pytest.raises(GitObjectError):
        UpstreamObjects(repo.bare).blob(blob)
    with pytest.raises(GitObjectError, match="not a ref"):
        obj.ref("refs/../../etc/passwd")


def test_functions_of_python_and_c() -> None:
    py = ["import os", "def f(x):", "    return x", "class K:", "    def g(self):", "        pass"]
    assert functions_of("m.py", py) == ["", "f", "f", "K", "g", "g"]
    c = ["int x;", "static int add(int a, int b)", "{", "  return a + b;", "}"]
    assert functions_of("m.c", c)[3] == "add"


def _states(repo: Repo, steps: list[tuple[str, dict[str, str | None]]]) -> list[str]:
    return [repo.commit(files, who) for who, files in steps]


def test_the_ledger_counts_lines_and_overwrites_only_unseen_work(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    shas = _states(repo, [
        ("seed", {"m.py": "def f():\n    return 1\n"}),
        ("a1", {"m.py": "def f():\n    return 2\n\ndef g():\n    return 3\n"}),
        ("a2", {"m.py": "def f():\n    return 2\n\ndef g():\n    return 4\n"}),
    ])
    obj = UpstreamObjects(repo.bare)
    ledger = LineLedger(obj)
    ledger.start(obj.commit(shas[0]).tree)
    c1 = ledger.advance(1, "a1", obj.commit(shas[1]).tree)
    assert (c1.added, c1.removed, c1.files) == (4, 1, ["m.py"])
    assert c1.functions == {"m.py::f", "m.py::g"}
    # a2 edits a1's line on top of it (it saw it): ordinary work, no overwrite ...
    edit = LineLedger(obj)
    edit.start(obj.commit(shas[0]).tree)
    edit.advance(1, "a1", obj.commit(shas[1]).tree)
    assert edit.advance(2, "a2", obj.commit(shas[2]).tree).overwritten == {}
    # ... but merged from a base before it (seen_upto 0), the same deletion is an overwrite.
    c2 = ledger.advance(2, "a2", obj.commit(shas[2]).tree, seen_upto=0)
    assert c2.overwritten == {"a1": 1} and c2.functions == {"m.py::g"}
    assert ledger.surviving() == {"seed": 1, "a1": 3, "a2": 1}


def test_flips_are_attributed_and_regressions_bisected() -> None:
    def st(i: int, agent: str, files: tuple[str, ...] = ("x.c",)) -> MainState:
        return MainState(i, f"{i:040x}", None, agent, i, files)

    states = [st(0, "seed"), st(1, "a1"), st(2, "a2", ("current_tasks/t.txt",)), st(3, "a2"),
              st(4, "a1")]
    every = {0: {"t1", "t2"}, 4: {"t1", "t2"}}
    graded = {0: {"t1"}, 4: {"t2"}}  # t1 turned red, t2 green, somewhere in 1..4
    got = flips(graded, every, states)
    assert {(f.test, f.kind, f.agent) for f in got} == {("t1", "regression", None),
                                                        ("t2", "green", None)}
    # A regression with several candidate pushes asks for the middle one (a lock-only state
    # is no candidate: 1, 3, 4 remain).
    assert bisect_targets(graded, every, states, pending=set()) == [3]
    assert bisect_targets(graded, every, states, pending={3}) == []
    graded[3], every[3] = {"t2"}, {"t1", "t2"}
    assert bisect_targets(graded, every, states, pending=set()) == [1]
    graded[1], every[1] = {"t1"}, {"t1", "t2"}
    assert bisect_targets(graded, every, states, pending=set()) == []
    red = [f for f in flips(graded, every, states) if f.kind == "regression"]
    assert [(f.test, f.agent, f.state) for f in red] == [("t1", "a2", 3)]


def test_the_watcher_orders_pushes_by_chain_and_logs_locks(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    s0 = repo.commit({"a.txt": "a\n"}, "seed")
    s1 = repo.commit({"current_tasks/x.txt": "a1: x\n"}, "a1")
    s2 = repo.commit({"current_tasks/x.txt": None, "b.txt": "b\n"}, "a1")
    log_path = tmp_path / "pushes.jsonl"
    lines = [{"t": 1, "agent": "seed", "updates": [{"old": ZERO, "new": s0,
                                                      "ref": "refs/heads/main"}]},
             # the second push's hook finished first
             {"t": 3, "agent": "a1", "updates": [{"old": s1, "new": s2,
                                                   "ref": "refs/heads/main"}]},
             {"t": 2, "agent": "mallory", "updates": [{"old": s0, "new": s1,
                                                        "ref": "refs/heads/main"}]}]
    log_path.write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    team = TeamLog(tmp_path)
    seen: list[MainState] = []
    watcher = PushWatcher(log_path, UpstreamObjects(repo.bare), team, agents=["a1", "a2"],
                          on_main=lambda s, _c: seen.append(s))
    assert watcher.poll() == 3
    team.close()
    assert [s.sha for s in seen] == [s0, s1, s2]
    assert [s.agent for s in seen] == ["seed", "unknown", "a1"]  # no such agent: unknown
    events = read_team_log(tmp_path)
    pushes = events.of(PushEvent)
    assert [p.push for p in pushes] == [1, 2, 3] and not any(p.gap for p in pushes)
    assert pushes[2].files == ["b.txt", "current_tasks/x.txt"] and pushes[2].added == 1
    locks = events.of(LockEvent)
    assert [(lk.type, lk.task, lk.holder) for lk in locks] == [
        ("lock_claimed", "current_tasks/x.txt", "a1: x"),
        ("lock_released", "current_tasks/x.txt", "a1: x")]
    # A restarted watcher takes up after what the team log holds.
    again = PushWatcher(log_path, UpstreamObjects(repo.bare), TeamLog(tmp_path),
                        agents=["a1", "a2"])
    again.restore(pushes)
    assert again.poll() == 0 and len(again.states) == 3


@pytest.mark.parametrize("module", ["agent.team.metrics", "agent.team.as_run",
                                    "agent.team.driver", "agent.cli.team_cmd",
                                    "agent.trajectory.catalog", "agent.batch"])
def test_each_team_module_imports_on_its_own(module: str) -> None:
    """The batch code reads team folders and the team code uses the batch's stop group: a
    fresh process importing either first must not meet a half-initialised module."""
    import sys

    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                       text=True, cwd=Path(__file__).parents[2])
    assert r.returncode == 0, r.stderr


def test_the_live_view_shows_every_agent() -> None:
    """The team's live panel renders one row per agent, control characters made visible."""
    from rich.console import Console

    from agent.cli.team_cmd import TeamLiveView
    from agent.team.driver import AgentView, TeamView

    view = TeamLiveView("ultrarun team")
    view.update(TeamView(Path("logs/t"), [AgentView("a1", "s001", 3, 5, "bash"),
                                          AgentView("a2", "s002", 1, 1, "\x1b[2Jx",
                                                    retired="nothing left")],
                         pushes=4, main_states=3, grade="12/18", elapsed_s=61))
    console = Console(record=True, width=120)
    console.print(view)
    text = console.export_text()
    assert "a1" in text and "s002" in text and "12/18" in text and "nothing left" in text
    assert "\x1b" not in text and "␛" in text


def test_team_json_with_every_default_reads_back(tmp_path: Path) -> None:
    """A default past its field's bound (2 GiB of upstream against a count's billion) made
    every team.json unreadable at the team's end."""
    info = TeamInfo(team_id="t", scenario="s", model="m", agents=["a1", "a2"],
                    settings=TeamSettings())
    write_team_info(tmp_path, info)
    assert read_team_info(tmp_path) == info
