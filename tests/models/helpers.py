"""Shared constants for model tests."""

from __future__ import annotations

from agent.models.profiles import RetryPolicy

FAKE_KEY = "sk-ultrarun-TESTKEY-9f8e7d6c5b4a"
KEY_ENV = "ULTRARUN_TEST_KEY"
FAST_RETRY = RetryPolicy(max_attempts=5, base_delay_s=0.01, max_delay_s=0.05,
                         outage_budget_s=10.0, retry_after_cap_s=5.0)

USER = [{"role": "system", "content": "You are a coder."}, {"role": "user", "content": "go"}]
BASH_TOOL = {"type": "function", "function": {
    "name": "bash", "description": "Run a shell command.",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}},
                   "required": ["command"]}}}
