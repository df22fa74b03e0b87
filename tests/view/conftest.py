"""The viewer in a real browser: Debian's Chromium driven by Playwright (no browser download:
``executable_path`` is the system's chromium, which `make test` installs)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.view.server import ServerThread


class Watched:
    """A page with every console message, page error and dialog recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)


@pytest.fixture
def page(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    context.set_default_timeout(30_000)
    watched = Watched(context.new_page())
    yield watched
    context.close()


def wait_js(page: Any, expression: str, timeout: float = 30.0) -> Any:
    """Poll a JS expression until it is truthy. (Playwright's ``wait_for_function`` evaluates
    its predicate with ``eval`` in the page, which the viewer's CSP forbids, as it should.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout:.0f} s: {expression}")
        time.sleep(0.05)


def serve(*roots: Path, **kw: Any) -> ServerThread:
    return ServerThread(list(roots), **kw)
