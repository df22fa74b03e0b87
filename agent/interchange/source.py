"""Reading an untrusted trajectory file: bounded, UTF-8, shallow JSON; typed field access.

Every problem becomes a `UserError` naming the file and, for a bad field, its path inside the
document (``messages[3].extra.cost``), so `ultrarun import` exits 2 with one line and no
traceback whatever the file holds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from agent import jsonsafe
from sandboxes.errors import UserError

#: Files larger than this are refused before anything is read (``--max-mb`` overrides it).
MAX_BYTES = 256 * 1024 * 1024
T = TypeVar("T")


class BadField(UserError):
    """A field of the document has the wrong type or is missing; ``field`` is its path."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def read_json(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document at ``path``: a regular file of at most ``max_bytes``, UTF-8, nested
    at most ``jsonsafe.MAX_DEPTH`` deep. Anything else is a UserError naming the file."""
    path = Path(path)
    try:
        # Non-blocking: a FIFO given as FILE must not hang the import (refused below).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{path}: not a regular file")
        if st.st_size > max_bytes:
            raise UserError(f"{path}: {st.st_size / 2**20:.1f} MB is larger than the "
                            f"{max_bytes / 2**20:.0f} MB import limit (raise it with --max-mb)")
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(max_bytes + 1)  # the file may grow while we read: never past the bound
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise UserError(f"{path}: larger than the {max_bytes / 2**20:.0f} MB import limit "
                        "(raise it with --max-mb)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (invalid byte at offset {e.start})") from None
    try:
        return jsonsafe.loads(text, strict_numbers=True)
    except ValueError as e:
        raise UserError(f"{path}: {e}") from None


# -- typed access -----------------------------------------------------------------------------
_NAMES: dict[type, str] = {str: "a string", bool: "a boolean", int: "an integer",
                           float: "a number", dict: "an object", list: "a list"}


def _type_name(value: Any) -> str:
    return "null" if value is None else _NAMES.get(type(value), type(value).__name__)


def want(value: Any, kind: type[T], where: str) -> T:
    """``value`` if it is a ``kind`` (an int counts as a float, a bool as neither)."""
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # type: ignore[return-value]
    if not ok:
        raise BadField(where, f"expected {_NAMES.get(kind, kind.__name__)}, "
                              f"found {_type_name(value)}")
    return value


def opt(obj: dict[str, Any], key: str, kind: type[T], where: str) -> T | None:
    """``obj[key]`` as a ``kind``, or None when it is absent or null."""
    value = obj.get(key)
    return None if value is None else want(value, kind, f"{where}.{key}" if where else key)


def sub(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """``obj[key]`` as an object, or {} when absent or null."""
    return opt(obj, key, dict, where) or {}


#: Unix times an import accepts (1970 … 2100): beyond them a time is an error, not a date.
TIME_RANGE = (0.0, 4102444800.0)


def unix_time(value: Any, where: str) -> float | None:
    """A unix time in `TIME_RANGE`, or None for null/absent; else a BadField."""
    if value is None:
        return None
    t = want(value, float, where)
    if not TIME_RANGE[0] < t < TIME_RANGE[1]:
        raise BadField(where, f"{t:g} is not a unix time between 1970 and 2100")
    return t


def user_error(path: Path, e: BadField) -> UserError:
    return UserError(f"{path}: {e.field}: {e.problem}")


def parse_file(path: Path, max_bytes: int, parse: Callable[[Path, Any], T]) -> T:
    """``parse(path, document)`` of the JSON file at ``path``; a BadField it raises becomes a
    UserError naming the file and the field."""
    data = read_json(path, max_bytes)
    try:
        return parse(Path(path), data)
    except BadField as e:
        raise user_error(path, e) from None


# -- harness replies ---------------------------------------------------------------------------
#: How harnesses answer a model turn they could not use (no or several actions, bad JSON).
#: Matched at the start of a reply (after leading whitespace), case-sensitively.
FORMAT_ERROR_PREFIXES = (
    "Please always provide EXACTLY ONE action",  # mini-swe-agent 1.x / 2.x text models
    "No tool calls found in the response",  # mini-swe-agent 2.x tool-call models
    "Previous response had parsing errors",  # Harbor terminus-2
    "Your output was not formatted correctly",  # SWE-agent
    "Your last output did not use any tool calls",  # SWE-agent function calling
)


def is_format_error_reply(text: str, extra_prefixes: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` is a harness's refusal of a model turn (see FORMAT_ERROR_PREFIXES)."""
    head = text.lstrip()[:400]
    return any(head.startswith(p) for p in (*FORMAT_ERROR_PREFIXES, *extra_prefixes) if p)


def template_prefix(template: Any) -> str:
    """The literal start of a Jinja template (up to its first ``{{``/``{%``), when long enough
    to recognise the harness's own message by; else ''."""
    if not isinstance(template, str):
        return ""
    cut = min((i for i in (template.find("{{"), template.find("{%")) if i >= 0),
              default=len(template))
    prefix = template[:cut].strip()
    return prefix if len(prefix) >= 16 else ""
