"""A user's Model class (``py:tests/batch/priced_model.py:PricedModel``) that reports usage
and cost like a priced endpoint: 1,000 prompt + 100 completion tokens and $0.10 a turn;
five bash turns, then `finish`. No server: Ray workers build it from the file too."""

from __future__ import annotations

import json
from typing import Any

from ultrarun import AssistantTurn, ModelBase, ToolCall, Usage

TURNS = 5
USAGE = Usage(prompt_tokens=1000, completion_tokens=100, cost=0.1)


class PricedModel(ModelBase):
    name = "priced"

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        n = sum(1 for m in messages if m.get("role") == "assistant") + 1
        call = ToolCall(id=f"call_{n}", name="bash",
                        arguments={"command": f"echo {n} >> log.txt"}) if n <= TURNS else \
            ToolCall(id=f"call_{n}", name="finish", arguments={"summary": "done"})
        message = {"role": "assistant", "content": "", "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}]}
        return AssistantTurn(message=message, tool_calls=[call], usage=USAGE.model_copy())
