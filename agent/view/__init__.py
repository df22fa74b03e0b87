"""`ultrarun view`: a local web app over run folders (a run list, live run pages, compare).

Layers, each with one job: ``agent.trajectory.catalog`` finds runs; ``tracker`` folds one
run's events incrementally; ``detail`` and ``search`` answer for one step or a query;
``server`` serves them as a JSON API beside the page in ``static/`` (vanilla JS, no build step,
no CDN). The same step browser (``static/steps.js``) renders the steps of the HTML report,
from data embedded in the page.
"""
