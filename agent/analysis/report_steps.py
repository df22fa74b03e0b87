"""The HTML report's steps: every step of the run, embedded in the page as JSON and browsed
with the viewer's own step browser (``agent/view/static/steps.js``): search, each call's
arguments in a readable form, results, evaluations inline and the coloured diff of each step
that changed the workspace. Texts are cut to ``HTML_TEXT_CHARS`` and diffs to
``HTML_DIFF_CHARS`` so a long run stays a page a browser opens.

The data is JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&``
escaped, so no run text can close the element; the step browser puts it in the DOM as text.
The page's scripts are inline and allowed by their hashes in its Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from agent.analysis.calls import run_start_time
from agent.analysis.churn import commit_diffs, has_history
from agent.replay.views import group_steps
from agent.trajectory import LoadedRun
from agent.trajectory.events import SnapshotEvent
from agent.trajectory.gitsafe import is_sha
from agent.view.detail import diff_lines, start_json, step_json

STATIC = Path(__file__).parents[1] / "view" / "static"
#: Each output, argument, message or thought is cut to this many characters in the page.
HTML_TEXT_CHARS = 2000
#: Each step's workspace diff is cut to this many characters.
HTML_DIFF_CHARS = 6000
SCRIPTS = ("dom.js", "steps.js", "report.js")
STYLE = "app.css"


def steps_data(run: LoadedRun) -> dict[str, Any]:
    """Every step as the step browser's detail shows it, and the diffs of the steps that
    changed the workspace."""
    start = run_start_time(run)
    views = group_steps(run.events)
    details = [step_json(sv, start, HTML_TEXT_CHARS) for sv in views]
    changed = {sv.step: sv.snapshot.commit for sv in views
               if sv.snapshot is not None and sv.snapshot.changed and is_sha(sv.snapshot.commit)}
    opening = start_json(run.events, HTML_TEXT_CHARS)
    first = run.events_of(SnapshotEvent, step=0)
    if opening is not None or first:  # step 0: the task and the initial workspace
        details.insert(0, {"step": 0, "calls": [], "messages": [], "evaluations": [],
                           "others": [], "model": None, "start": opening,
                           "snapshot": {"commit": first[-1].commit, "changed": True}
                           if first else None})
        if first and is_sha(first[-1].commit):
            changed[0] = first[-1].commit
    diffs: dict[int, Any] = {}
    git_dir = Path(run.run_dir) / "snapshots.git"
    if changed and has_history(git_dir):
        try:
            texts = commit_diffs(git_dir, sorted(set(changed.values())), HTML_DIFF_CHARS)
        except OSError:
            texts = {}
        for step, commit in changed.items():
            if commit in texts:
                diffs[step] = diff_lines(texts[commit], texts[commit].endswith("characters)"))
    return {"details": details, "diffs": diffs}


def embedded_json(data: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def steps_section(run: LoadedRun) -> tuple[str, list[str], str]:
    """(the section's HTML, the inline scripts it needs, the stylesheet it needs)."""
    html = ('<div id="steps-app"></div><script type="application/json" id="ur-steps">'
            f"{embedded_json(steps_data(run))}</script>")
    scripts = [(STATIC / name).read_text(encoding="utf-8") for name in SCRIPTS]
    return html, scripts, (STATIC / STYLE).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
