"""Scripted team policy of toy-c-compiler (``--agents N --model reference``): the reference
policy's stages shared out among N agents through the team protocol, with planted conflicts.

Each agent learns from its task which one it is (``You are agent a2, one of a team of 3``).
Stage k belongs to agent ``(k-1) % N + 1``. For each of its stages an agent syncs its clone,
waits until the stage before is done on the upstream (``done/stage-NN.txt``), claims it with a
lock file (``current_tasks/stage-NN.txt``, pushed at once), does the reference policy's work
of that stage (``reference_policy.StageWork``), then pushes the code, its ``done`` marker and
the lock's removal in one commit, and only then runs every earlier stage's tests (the next
agent starts meanwhile). Files that are not what the stage before left are rewritten whole.
With no stage left it finishes; its next session finds nothing to do and it retires.

Planted, so that every team metric has a known value (when N allows it):

- **a lost lock race** (N <= 5): right after pushing stage 6-N, the owner of stage 6 commits a
  claim of stage 5 on its stale clone and pushes it once stage 5's owner has claimed it: the
  push is rejected (a push conflict), the pull conflicts on the lock file (a merge with
  conflicts); it reads the lock, aborts, and goes back to its own stage. Nothing of it reaches
  the upstream: no duplicate lock.
- **two agents editing one function**: the owner of stage 14 (not stage 13's) edits
  ``store()`` in ``toyc/codegen.py`` on the state where stage 13 is claimed but not done,
  commits, and pushes once stage 13 is done: rejected (a push conflict); the pull conflicts in
  codegen.py (a merge with conflicts); it resolves the conflict by keeping its own line, which
  deletes the one line of stage 13's fix it had never seen (one overwrite, one function
  edited on both sides: duplicate work) and breaks char stores (a regression, by its push).
  Its own stage 14 finds codegen.py is not what stage 13 left, rewrites it, and turns those
  tests green again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from ultrarun.policy import Plan, Scenario, TaskPolicy, Turn, bash, edit, finish, read, write

HERE = Path(__file__).resolve().parent
IDENTITY = re.compile(r"You are agent (a(\d+)), one of a team of (\d+)")
WAIT_S = 1500  # one wait command at most; the plan waits again after it
LOCK_RACE = 5  # the stage whose lock is raced for
CLASH = 13  # the stage whose fix is overwritten
CLASH_LINE_MINE = 'reg = "%eax" if ty.size == 4 else "%rax"  # TODO: 1-byte stores (chars)'


def reference_module() -> ModuleType:
    """This scenario's reference_policy.py (the scenario's folder is not a package)."""
    name = "_ref_toy_c_compiler_team"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "reference_policy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def owner(stage: int, agents: int) -> int:
    return (stage - 1) % agents + 1


def lock(k: int) -> str:
    return f"current_tasks/stage-{k:02d}.txt"


def done(k: int) -> str:
    return f"done/stage-{k:02d}.txt"


def wait_for(*paths: str, also: str = "") -> str:
    """Wait (fetching) until origin/main holds one of ``paths``; then run ``also``."""
    test = " || ".join(f"git cat-file -e origin/main:{p} 2>/dev/null" for p in paths)
    return (f"end=$(( $(date +%s) + {WAIT_S} )); "
            f"until git fetch -q origin && ( {test} ); do "
            f"[ $(date +%s) -ge $end ] && break; sleep 0.2; done; "
            f"if {test}; then echo 'ready: {' or '.join(paths)}'; {also} "
            f"else echo 'still waiting for {' or '.join(paths)}'; fi")


SYNC = ("git fetch -q origin && git reset -q --hard origin/main && git log --oneline -1 && "
        "echo DONE $(ls done 2>/dev/null) && echo LOCKS $(ls current_tasks 2>/dev/null) && "
        "(md5sum compile toyc/*.py 2>/dev/null || true)")
PUSH = "git push -q origin HEAD:main 2>&1; echo pushed=$?"
ADD = "git add -A -- compile 'toyc/*.py' done current_tasks"


def make_policy(scenario: Scenario) -> TaskPolicy:
    ref = reference_module()
    work = ref.StageWork(scenario)
    stages: list[str] = ref.STAGES
    files: list[str] = ref.FILES
    md5 = {k: {p: hashlib.md5(v.encode()).hexdigest() for p, v in work.versions[k].items()}
           for k in work.versions}
    slip = ref.MISTAKES[CLASH]

    def plan(task: str) -> Plan:
        m = IDENTITY.search(task)
        if m is None:
            raise RuntimeError("toy-c-compiler team policy: the task does not say which "
                               "agent this is ('You are agent aN, one of a team of N')")
        me, index, n = m.group(1), int(m.group(2)), int(m.group(3))
        mine = [k for k in range(1, len(stages) + 1) if owner(k, n) == index]
        race = n <= 5 and owner(LOCK_RACE + 1, n) == index and \
            owner(LOCK_RACE, n) != index and LOCK_RACE + 1 - n >= 1
        clash = owner(CLASH + 1, n) == index and owner(CLASH, n) != index and \
            any(s <= CLASH for s in mine)
        pushed = False
        yield Turn([bash("git log --oneline | head -n 5 && ls")],
                   f"I am {me} of {n}. What is on the upstream so far?")
        yield Turn([read("run_tests.py", 1, 40)], "How the tests are run.")
        for k in mine:
            obs = yield Turn([bash(SYNC)], f"Where does the team stand? (my next stage: {k})")
            if f"stage-{k:02d}.txt" in _listed(obs.text, "DONE"):
                continue  # done in an earlier session of mine
            if k > 1 and f"stage-{k - 1:02d}.txt" not in _listed(obs.text, "DONE"):
                while True:
                    obs = yield Turn([bash(wait_for(done(k - 1)), timeout=WAIT_S + 300)],
                                     f"Stage {k} needs stage {k - 1}: wait for it.")
                    if "ready:" in obs.text:
                        break
                obs = yield Turn([bash(SYNC)], "Stage before mine is in: sync.")
            docs = _docs(obs.text, work.versions.get(k - 1, {}), md5.get(k - 1, {}), files)
            held = f"stage-{k:02d}.txt" in _listed(obs.text, "LOCKS")
            if not held:
                obs = yield Turn([bash(
                    f"mkdir -p current_tasks && echo '{me}: stage {k:02d} ({stages[k - 1]})' "
                    f"> {lock(k)} && git add {lock(k)} && "
                    f"git commit -qm '{me}: claim stage {k:02d}' && {PUSH}")],
                    f"Claim stage {k} ({stages[k - 1]}).")
                if "pushed=0" not in obs.text:
                    raise RuntimeError(f"toy-c-compiler team policy: {me}'s claim of stage "
                                       f"{k} was refused: {obs.text[-300:]!r}")
            for path in files:
                if path in docs:
                    continue
                if k > 1:
                    yield Turn([write(path, work.versions[k - 1][path])],
                               f"{path} is not what stage {k - 1} left: rewrite it.")
                    docs[path] = work.versions[k - 1][path]
            yield from work.implement(k, docs)
            obs = yield Turn([bash(
                f"rm -f {lock(k)} && mkdir -p done && echo {me} > {done(k)} && {ADD} && "
                f"git commit -qm '{me}: stage {k:02d} ({stages[k - 1]})' && {PUSH}")],
                f"Stage {k} passes its tests: push it and release the lock.")
            if "pushed=0" not in obs.text:
                raise RuntimeError(f"toy-c-compiler team policy: {me}'s push of stage {k} was "
                                   f"refused: {obs.text[-300:]!r}")
            pushed = True
            if race and k == LOCK_RACE + 1 - n:
                yield from lock_race(me)
            yield from work.check_earlier(k)
            if clash and k == max(s for s in mine if s <= CLASH):
                yield from overwrite(me)
        if len(stages) in mine and pushed:
            yield from work.wrap_up(len(stages), " (as one of a team: the stages in between "
                                                 "were my teammates')")
        else:
            yield Turn([finish(f"{me}: my stages ({', '.join(map(str, mine))}) are pushed; "
                               "nothing left for me.")])

    def lock_race(me: str) -> Plan:
        k = LOCK_RACE
        yield Turn([bash(
            f"mkdir -p current_tasks && echo '{me}: stage {k:02d} ({stages[k - 1]})' > {lock(k)}"
            f" && git add {lock(k)} && git commit -qm '{me}: claim stage {k:02d}' && "
            "git log --oneline -1")],
            f"Nobody holds stage {k} on my clone: claim it while I wait for mine.")
        obs = yield Turn([bash(wait_for(
            lock(k), done(k),
            also=f"if git cat-file -e origin/main:{done(k)} 2>/dev/null; then "
                 f"git reset -q --hard origin/main; echo 'stage {k} is done already'; "
                 "else git push origin HEAD:main 2>&1 | tail -n 4; fi;"),
            timeout=WAIT_S + 300)], f"Push my claim of stage {k}.")
        if "rejected" not in obs.text:
            return
        yield Turn([bash("git pull --no-rebase origin main 2>&1 | tail -n 4; "
                         "git status --short | head -n 5")], "Rejected: someone pushed first.")
        yield Turn([bash(f"git show origin/main:{lock(k)}")], "Who holds it?")
        yield Turn([bash("git merge --abort; git reset -q --hard origin/main && "
                         "git log --oneline -1")],
                   f"Stage {k} is taken: drop my claim and go back to my own stage.")

    def overwrite(me: str) -> Plan:
        k = CLASH
        obs = yield Turn([bash(wait_for(lock(k), done(k)), timeout=WAIT_S + 300)],
                         f"Stage {k} is under way: get store() ready for my stage meanwhile.")
        yield Turn([bash(
            f"git fetch -q origin; base=$(git log -1 --format=%H --diff-filter=A origin/main "
            f"-- {done(k)}); if [ -n \"$base\" ]; then git reset -q --hard \"$base^1\"; "
            "else git reset -q --hard origin/main; fi; git log --oneline -1; "
            "grep -n 'reg = ' toyc/codegen.py")])
        yield Turn([edit("toyc/codegen.py", slip.wrong, CLASH_LINE_MINE)],
                   "Chars need their own stores: mark the spot in store().")
        yield Turn([bash("git add toyc/codegen.py && "
                         f"git commit -qm '{me}: store(): note on 1-byte stores' && "
                         "git log --oneline -1")])
        obs = yield Turn([bash(wait_for(done(k), also="git push origin HEAD:main 2>&1 | "
                                                      "tail -n 4;"), timeout=WAIT_S + 300)],
                         "Push it.")
        if "rejected" not in obs.text:
            return
        obs = yield Turn([bash("git pull --no-rebase origin main 2>&1 | tail -n 4")],
                         "Rejected: merge what was pushed.")
        if "CONFLICT" not in obs.text:
            yield Turn([bash(PUSH)])
            return
        yield Turn([bash("git diff --name-only --diff-filter=U && git diff | head -n 30")],
                   "Both of us changed store().")
        mine = work.versions[k]["toyc/codegen.py"].replace(slip.right, CLASH_LINE_MINE, 1)
        yield Turn([write("toyc/codegen.py", mine)],
                   "Keep their changes, and my line in store().")
        yield Turn([bash(f"git add toyc/codegen.py && git commit -qm '{me}: merge origin/main "
                         f"(store(): kept mine)' && {PUSH}")])

    return TaskPolicy(plan, name="reference (scripted team policy)")


def _listed(text: str, label: str) -> set[str]:
    """The names SYNC printed after ``label`` (``DONE stage-01.txt stage-02.txt``)."""
    m = re.search(rf"^{label}(.*)$", text, re.M)
    return set(m.group(1).split()) if m else set()


def _docs(text: str, version: dict[str, str], sums: dict[str, str],
          files: list[str]) -> dict[str, str]:
    """The files whose md5 (printed by SYNC) is the one ``version`` has: those the plan may
    edit; the others it rewrites."""
    got = {path: digest for digest, path in re.findall(r"^([0-9a-f]{32})\s+(\S+)$", text, re.M)}
    return {p: version[p] for p in files if p in version and got.get(p) == sums.get(p)}


__all__ = ["make_policy"]
