"""The harness's side of scenarios: loading ``scenario.yaml`` (``loader``), grading a workspace
with a scenario's hidden grader (``grading``), and the machinery of scripted reference policies
(``policy``, ``staging``). The scenarios themselves (data, graders, reference policies) live in
the ``scenarios/`` folder and import only the public ``ultrarun`` API, never this package."""
