"""``OpenAIModel``: any OpenAI-compatible chat-completions endpoint through the official client.

The client's own retries are disabled (``max_retries=0``) so that every retry happens in our loop
and lands in the turn as a ``RetryRecord``. Responses are read as raw JSON rather than through
the client's typed models because providers disagree on the shape (``reasoning_content``,
argument objects instead of strings, missing ids, empty ``choices``) and we want each quirk to be
a recorded fact on the turn, never an exception.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from agent.models import text_actions
from agent.models.base import (
    AssistantTurn,
    ContextExceeded,
    DeadlineReached,
    ModelError,
    RetryRecord,
    ToolCall,
    Usage,
    native_tool_result_messages,
)
from agent.models.context_limits import (
    is_context_error,
    prompt_from_error,
    window_from_error,
    window_from_models,
    window_from_props,
)
from agent.models.profiles import ModelOverrides, ModelProfile
from agent.models.refusal import LOCAL_REFUSED_BUDGET_S, GoneWatch, is_dropped, is_local
from agent.models.usage import cost_of, parse_usage

RETRYABLE_STATUSES = frozenset({408, 409, 429})
#: Statuses that say "busy or unreachable": retried for as long as the outage budget lasts,
#: however often they repeat. Any other retried status that repeats identically is a problem
#: with the request itself (e.g. a chat template that chokes on a message).
OUTAGE_STATUSES = frozenset({408, 409, 429, 502, 503, 504})
_KEYLESS_PLACEHOLDER = "no-key"  # the client insists on a key; local servers ignore it
#: Until an endpoint has answered once, a refused connection (or an unknown host) is retried
#: for this long, not for the outage budget: a wrong --base-url or a server that is not up
#: fails in seconds. Once it has answered, a lost connection is an outage like any other.
FIRST_CONTACT_S = 30.0


if TYPE_CHECKING:
    import openai
else:
    from agent.models.lazy_openai import openai


def parse_arguments(raw: Any) -> tuple[dict[str, Any] | None, str, str | None]:
    """Turn provider tool-call arguments into ``(arguments, raw_string, parse_error)``."""
    if isinstance(raw, Mapping):  # some providers send an object instead of a JSON string
        return dict(raw), json.dumps(raw, ensure_ascii=False), None
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        return None, json.dumps(raw), f"arguments must be a JSON object, got {type(raw).__name__}"
    if not raw.strip():  # no-argument tools: several models send "" instead of "{}"
        return {}, raw, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, raw, f"arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, raw, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, raw, None


def _text_of(content: Any) -> str | None:
    """Normalise message content (string, None, or a list of content parts) to text."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content]
        return "".join(parts)
    return str(content)


def turn_from_message(msg: Mapping[str, Any], *, send_reasoning: bool = False,
                      new_id: Callable[[], str] | None = None) -> AssistantTurn:
    """Parse one assistant message dict (any provider dialect) into an ``AssistantTurn``.

    ``turn.message`` is rebuilt as a clean assistant message that is valid to send back.
    """
    make_id = new_id or (lambda: f"call_{uuid.uuid4().hex[:24]}")
    content = _text_of(msg.get("content"))
    reasoning = msg.get("reasoning_content") or msg.get("reasoning") or None
    if reasoning is not None and not isinstance(reasoning, str):
        reasoning = json.dumps(reasoning, ensure_ascii=False)
    calls: list[ToolCall] = []
    wire_calls: list[dict[str, Any]] = []
    for raw_call in msg.get("tool_calls") or []:
        if not isinstance(raw_call, Mapping):
            continue
        fn = raw_call.get("function") or {}
        name = str(fn.get("name") or "")
        args, raw_args, error = parse_arguments(fn.get("arguments"))
        if not name:
            args, error = None, error or "tool call has no function name"
        call_id = str(raw_call.get("id") or make_id())
        calls.append(ToolCall(id=call_id, name=name, arguments=args, raw_arguments=raw_args,
                              parse_error=error))
        wire_calls.append({"id": call_id, "type": "function",
                           "function": {"name": name, "arguments": raw_args}})
    # Always a string: OpenAI, vLLM and Ollama accept "" next to tool calls, while
    # llama-cpp-python's chat templates fail on null (HTTP 500) and older llama.cpp servers
    # reject a missing key.
    message: dict[str, Any] = {"role": "assistant", "content": content or ""}
    if wire_calls:
        message["tool_calls"] = wire_calls
    if send_reasoning and reasoning:
        message["reasoning_content"] = reasoning
    return AssistantTurn(message=message, content=content, reasoning=reasoning, tool_calls=calls)


def _usage_of(data: Mapping[str, Any], profile: ModelProfile) -> Usage:
    usage = parse_usage(data.get("usage"))
    usage.cost = cost_of(profile, usage)
    return usage


def _sendable(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with every assistant ``content: null`` made ``""`` (runs recorded before
    that rule may hold nulls; see ``turn_from_message``)."""
    if not any(m.get("role") == "assistant" and m.get("content") is None for m in messages):
        return messages
    return [{**m, "content": ""} if m.get("role") == "assistant" and m.get("content") is None
            else m for m in messages]


def _retry_after_s(exc: openai.APIStatusError) -> float | None:
    """Seconds asked for by ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date)."""
    headers = exc.response.headers
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_detail(exc: openai.APIError) -> str:
    """The provider's error message, or the body, shortened for a one-line record."""
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, Mapping) else inner
        text = str(message or body)
    else:
        text = str(body if body is not None else exc.message)
    return text[:500]


class OpenAIModel:
    """A ``Model`` backed by an OpenAI-compatible chat-completions endpoint.

    ``sleep`` and ``rng`` are injectable so tests can run the retry loop without waiting, and
    ``env`` is where the key variable named by ``profile.api_key_env`` is looked up (only when
    the first call is made). ``turn.latency_s`` is the successful attempt's time; the time lost
    to failed attempts is in ``turn.retries``.
    """

    def __init__(self, profile: ModelProfile, *, overrides: ModelOverrides | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None,
                 env: Mapping[str, str] | None = None, from_profile: bool = True) -> None:
        self.profile = profile.with_overrides(overrides)
        self.name = self.profile.name
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._env = os.environ if env is None else env
        self._client: openai.OpenAI | None = None
        self._secret: str | None = None  # only to scrub it from error text; never shown
        self._text_ids = 0
        # Told of every retry before its wait (e.g. to show an outage in a live view).
        self.on_retry: Callable[[RetryRecord], None] | None = None
        # Unix time by which a call must be over (the run's --max-time); set by the loop.
        self.deadline: float | None = None
        # Whether the endpoint has answered (any HTTP status), or taken a request and dropped
        # it: until then a refused connection gets FIRST_CONTACT_S, not the outage budget;
        # after, a refused connection means its process is gone (agent/models/refusal.py).
        self.reached = False
        # Says "a profile" only when the settings came from one (a raw model name is not).
        self.from_profile = from_profile

    def __repr__(self) -> str:
        p = self.profile
        return f"OpenAIModel(profile={p.name!r}, model={p.model!r}, base_url={p.base_url!r})"

    @property
    def format_reminder(self) -> str | None:
        """How to act, for the loop to tell a text-mode model after a reply with no action
        (None in native mode: the loop's own reminder fits)."""
        return text_actions.REMINDER if self.profile.tool_mode == "text" else None

    # -- the Model protocol -------------------------------------------------------------------

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        """Call the endpoint (with retries) and parse its answer into an ``AssistantTurn``."""
        text_mode = self.profile.tool_mode == "text"
        if text_mode:
            messages = text_actions.with_action_prompt(messages, tools)
        data, latency, retries = self._call_with_retries(messages, [] if text_mode else tools)
        turn = self._parse(data)
        if text_mode and turn.format_error is None:
            turn = text_actions.apply_actions(turn, self._next_text_id)
        turn.latency_s = latency
        turn.retries = retries
        return turn

    def tool_result_messages(self, turn: AssistantTurn,
                             results: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """Native ``role: tool`` messages, or one labelled user message in text-action mode."""
        if self.profile.tool_mode == "text":
            return text_actions.result_messages(results)
        return native_tool_result_messages(results)

    # -- internals ----------------------------------------------------------------------------

    def _next_text_id(self) -> str:
        self._text_ids += 1
        return f"call_{self._text_ids}"

    def _where(self) -> str:
        p = self.profile
        at = p.base_url or "the default URL"
        if self.from_profile:
            return f"profile '{p.name}' (model '{p.model}' at {at})"
        return f"model '{p.model}' at {at}"

    def _unreachable(self, error: str, seconds: float) -> str:
        where = f"'base_url' in profile '{self.profile.name}', or --base-url" \
            if self.from_profile else "--base-url, or OPENAI_BASE_URL"
        return (f"{self._where()}: cannot reach the endpoint ({error}); tried for "
                f"{seconds:.0f} s and it never answered. Is the server running, and is the "
                f"base URL right ({where})?")

    def check(self, progress: Callable[[str], None] = lambda _m: None) -> None:
        """Before the first step: does the endpoint answer at all? (``GET /models``; any HTTP
        status counts, the first call then says what is wrong.) A refused connection or an
        unknown host is retried for FIRST_CONTACT_S, then a ModelError says so."""
        client = self._get_client()
        where = str(client.base_url).rstrip("/")
        start = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            progress(f"checking the endpoint at {where}" +
                     (f" (attempt {attempt})" if attempt > 1 else ""))
            left = FIRST_CONTACT_S - (time.monotonic() - start)
            try:
                client.with_options(timeout=max(1.0, min(10.0, left))).models.list()
                self.reached = True
                return
            except openai.APIStatusError:
                self.reached = True  # it answered; the first call will say what it thinks
                return
            except openai.APITimeoutError:
                self.reached = True  # a slow server (a model still loading) is up
                return
            except openai.APIConnectionError as exc:
                error, _ = self._classify(exc, [])
                failure = error
            wait = min(self._backoff(attempt), max(0.0, FIRST_CONTACT_S -
                                                   (time.monotonic() - start)))
            if time.monotonic() - start + wait >= FIRST_CONTACT_S or wait <= 0:
                raise ModelError(self._unreachable(failure, time.monotonic() - start))
            self._sleep(wait)

    def _scrub(self, text: str) -> str:
        if self._secret and self._secret != _KEYLESS_PLACEHOLDER:
            text = text.replace(self._secret, "***")
        return text

    def _get_client(self) -> openai.OpenAI:
        if self._client is not None:
            return self._client
        p = self.profile
        key: str | None = _KEYLESS_PLACEHOLDER
        if p.api_key_env:
            key = self._env.get(p.api_key_env)
            if not key:
                raise ModelError(
                    f"{self._where()}: the environment variable {p.api_key_env} is not set. "
                    f"Export it with the API key, or change 'api_key_env' in the profile "
                    f"(null for keyless local servers such as vLLM or Ollama).")
        self._secret = key
        self._client = openai.OpenAI(base_url=p.base_url, api_key=key, max_retries=0,
                                     timeout=p.timeout_s, default_headers=p.headers or None)
        return self._client

    def _request_kwargs(self, messages: list[dict[str, Any]],
                        tools: list[dict[str, Any]]) -> dict[str, Any]:
        p = self.profile
        kwargs: dict[str, Any] = {"model": p.model, "messages": _sendable(messages),
                                  "timeout": p.timeout_s}
        if tools:  # some servers reject an empty tools list
            kwargs["tools"] = tools
            # OpenAI's default, said out loud: llama-cpp-python ignores the tools without it.
            kwargs["tool_choice"] = "auto"
        if p.temperature is not None:
            kwargs["temperature"] = p.temperature
        if p.max_tokens is not None:
            kwargs[p.max_tokens_param] = p.max_tokens
        if p.seed is not None:
            kwargs["seed"] = p.seed
        if p.extra_body:
            kwargs["extra_body"] = p.extra_body
        return kwargs

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter in [d/2, d] so that parallel runs spread out."""
        policy = self.profile.retry
        delay = min(policy.max_delay_s, policy.base_delay_s * 2.0 ** (attempt - 1))
        return delay / 2 + self._rng.uniform(0, delay / 2)

    def _classify(self, exc: openai.APIError, retries: list[RetryRecord]) -> tuple[str, int | None]:
        """Return ``(error text, status)`` for a retryable failure; raise for a permanent one."""
        p = self.profile
        if isinstance(exc, openai.APITimeoutError):
            return f"timeout after {p.timeout_s:g} s", None
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            detail = f"{type(cause).__name__}: {cause}" if cause else exc.message
            return self._scrub(f"connection error ({detail})")[:500], None
        assert isinstance(exc, openai.APIStatusError)
        status = exc.status_code
        detail = self._scrub(_error_detail(exc))
        if status == 429 and exc.code == "insufficient_quota":
            # Billing, not load: waiting out the outage budget would only delay the failure.
            raise ModelError(f"{self._where()}: HTTP 429 insufficient_quota: the account behind "
                             f"{p.api_key_env} has no credit left. Check billing. Server said: "
                             f"{detail}", status=status, retries=retries)
        if status in RETRYABLE_STATUSES or status >= 500:
            return f"HTTP {status}: {detail}", status
        if status in (400, 413) and (
                exc.code == "context_length_exceeded" or is_context_error(str(exc.body))):
            raise ContextExceeded(f"{self._where()}: the prompt is longer than the model's "
                                  f"context window (HTTP {status}: {detail})",
                                  status=status, retries=retries,
                                  window=window_from_error(detail),
                                  prompt_tokens=prompt_from_error(detail))
        prof = self.from_profile
        key_field = "profile field 'api_key_env'" if prof else "--api-key-env"
        key_hint = (f"Check that the environment variable {p.api_key_env} holds a valid key for "
                    f"{p.base_url or 'this endpoint'} ({key_field})"
                    if p.api_key_env else ("The profile sends no key ('api_key_env: null'); set "
                                           "'api_key_env' to the variable that holds this "
                                           "endpoint's key" if prof else "ultrarun sends no key "
                                           "(--no-api-key); name the variable that holds this "
                                           "endpoint's key with --api-key-env"))
        model_field = "profile field 'model', or --model" if prof else "--model"
        url_field = "'base_url'" if prof else "--base-url"
        hint = {
            401: f"the endpoint rejected the API key. {key_hint}",
            403: f"access denied. Check that the key in {p.api_key_env} may use model "
                 f"'{p.model}' (account, project or region permissions)",
            404: f"not found. Check the model name '{p.model}' ({model_field}) and that "
                 f"{url_field} is the API root, usually ending in /v1",
        }.get(status, "the endpoint rejected the request. Check " + (
            "the profile fields 'extra_body', 'headers', 'temperature' and 'max_tokens'" if prof
            else "--temperature and --max-tokens, or use a profile for the endpoint's quirks"))
        raise ModelError(f"{self._where()}: HTTP {status}: {hint}. Server said: {detail}",
                         status=status, retries=retries)

    def _attempt_timeout(self, outage_start: float | None) -> tuple[float, str | None]:
        """This attempt's timeout: the profile's, cut to what is left of the outage budget and
        of the run's deadline; also say which of the two cut it."""
        timeout, cut_by = self.profile.timeout_s, None
        if outage_start is not None:
            left = self.profile.retry.outage_budget_s - (time.monotonic() - outage_start)
            if left < timeout:
                timeout, cut_by = left, "outage"
        if self.deadline is not None:
            left = self.deadline - time.time()
            if left <= 0:
                raise DeadlineReached(f"{self._where()}: the run's --max-time was reached "
                                      "before the model call could start")
            if left < timeout:
                timeout, cut_by = left, "deadline"
        return max(timeout, 0.1), cut_by

    def _call_with_retries(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
                           ) -> tuple[dict[str, Any], float, list[RetryRecord]]:
        policy = self.profile.retry
        client = self._get_client()
        kwargs = self._request_kwargs(messages, tools)
        retries: list[RetryRecord] = []
        gone = GoneWatch(policy.refused_budget_s if policy.refused_budget_s is not None else
                         LOCAL_REFUSED_BUDGET_S if is_local(self.profile.base_url) else
                         policy.outage_budget_s)
        outage_start: float | None = None  # monotonic time of the first failed attempt
        last: tuple[int | None, str] | None = None
        same = 0  # the same error this many times in a row
        attempt = 0
        while True:
            attempt += 1
            kwargs["timeout"], cut_by = self._attempt_timeout(outage_start)
            start = time.monotonic()
            try:
                raw = client.chat.completions.with_raw_response.create(**kwargs)
                latency = time.monotonic() - start
                self.reached = True
                return self._decode(raw.http_response.text), latency, retries
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                failure: openai.APIError = exc
            gone.failed(failure if isinstance(failure, openai.APIConnectionError) else None)
            timed_out = isinstance(failure, openai.APITimeoutError)
            # An HTTP answer, or a connection taken then dropped (a server dying on its first
            # completion), proves the endpoint was there.
            refused = isinstance(failure, openai.APIConnectionError) and not timed_out \
                and not is_dropped(failure)
            self.reached = self.reached or not refused
            # Classified outside the except block so that a raised ModelError has no
            # __context__ holding the provider's error, whose body may echo the key.
            error, status = self._classify(failure, retries)
            if timed_out:
                error = f"timeout after {kwargs['timeout']:.3g} s"
            if timed_out and cut_by == "deadline":
                raise DeadlineReached(f"{self._where()}: the run's --max-time was reached "
                                      f"during attempt {attempt} of a model call",
                                      status=status, retries=retries)
            outage_start = start if outage_start is None else outage_start
            same = same + 1 if (status, error) == last else 1
            last = (status, error)
            if status is not None and status not in OUTAGE_STATUSES and \
                    same >= policy.max_identical_errors:
                raise ModelError(
                    f"{self._where()}: the endpoint answered the same request {same} times in a "
                    f"row with HTTP {status}; an identical error is a problem with the request, "
                    f"not an outage, so the run stops. Server said: {error}",
                    status=status, retries=retries)
            wait = self._backoff(attempt)
            if self.reached and (down_s := gone.gone_for()) is not None and \
                    down_s + wait > gone.budget_s:
                raise ModelError(gone.message(self._where(), self.profile.base_url),
                                 retries=retries)
            if isinstance(failure, openai.APIStatusError) and (
                    (asked := _retry_after_s(failure)) is not None):
                wait = min(max(wait, asked), policy.retry_after_cap_s)
            del failure
            if attempt >= policy.max_attempts:
                raise ModelError(f"{self._where()}: gave up after {attempt} attempts; last error: "
                                 f"{error}. Check that the endpoint is up and reachable.",
                                 status=status, retries=retries)
            down = time.monotonic() - outage_start
            if not self.reached and down + wait > FIRST_CONTACT_S:
                raise ModelError(self._unreachable(error, down), status=status,
                                 retries=retries)
            if down + wait > policy.outage_budget_s:
                raise ModelError(f"{self._where()}: outage budget of {policy.outage_budget_s:g} s "
                                 f"exhausted after {attempt} attempts ({down:.1f} s since the "
                                 f"first failure); last error: {error}",
                                 status=status, retries=retries)
            if self.deadline is not None and time.time() + wait > self.deadline:
                raise DeadlineReached(f"{self._where()}: the run's --max-time comes before the "
                                      f"next retry (attempt {attempt} failed: {error})",
                                      status=status, retries=retries)
            retries.append(RetryRecord(attempt=attempt, error=error, status=status, wait_s=wait))
            if self.on_retry is not None:
                self.on_retry(retries[-1])
            self._sleep(wait)

    def probe_context_window(self) -> tuple[int, str] | None:
        """The context window the server reports, with where it said so, or None.

        Asks ``GET /models`` (vLLM, OpenRouter, LM Studio list a window per model) and then
        llama.cpp's ``GET /props`` (its ``n_ctx``); a failure of either is no answer.
        """
        try:
            client = self._get_client()
            raw = client.models.with_raw_response.list(timeout=5.0)
            window = window_from_models(json.loads(raw.http_response.text), self.profile.model)
        except (ModelError, openai.APIError, ValueError):
            window = None
        if window:
            return window, "GET /models"
        base = str(client.base_url).rstrip("/") if self._client else ""
        if not base:
            return None
        url = (base.removesuffix("/v1") if base.endswith("/v1") else base) + "/props"
        headers = {"Authorization": f"Bearer {self._secret}"} \
            if self._secret and self._secret != _KEYLESS_PLACEHOLDER else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=5.0) as resp:
                window = window_from_props(json.loads(resp.read(1_000_000)))
        except (OSError, ValueError):  # URLError and HTTPError are OSErrors
            window = None
        return (window, "GET /props") if window else None

    @staticmethod
    def _decode(text: str) -> dict[str, Any]:
        """Parse a 200 body; a non-object body is marked so ``_parse`` reports a format error."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return {"_undecodable": text[:200]}
        return data if isinstance(data, dict) else {"_undecodable": text[:200]}

    def _parse(self, data: dict[str, Any]) -> AssistantTurn:
        usage = _usage_of(data, self.profile)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            if "_undecodable" in data:
                why = f"the endpoint's 200 response is not a JSON object: {data['_undecodable']!r}"
            else:
                why = "the endpoint returned no choices"
            return AssistantTurn(message={"role": "assistant", "content": ""}, usage=usage,
                                 format_error=why)
        choice = choices[0]
        msg = choice.get("message")
        turn = turn_from_message(msg if isinstance(msg, Mapping) else {},
                                 send_reasoning=self.profile.send_reasoning)
        turn.finish_reason = choice.get("finish_reason")
        turn.usage = usage
        if not isinstance(msg, Mapping):
            turn.format_error = "the endpoint's first choice has no message"
        return turn
