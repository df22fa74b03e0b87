"""`ultrarun replay RUN_DIR`: look at a recorded run, by job.

* `views` — steps grouped from events and rendered as plain text (`--step`, piped output);
* `viewer` — the interactive terminal viewer;
* `follow` — `--follow`, the steps of a live run as they land;
* `rerun` — `--execute`, the recorded tool calls re-run in a fresh sandbox, with divergences.
"""
