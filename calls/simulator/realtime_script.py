"""What the fake model "hears" and "says": scripted caller transcripts and agent turns."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

EMPTY_CONTEXT_REPLY = "참고할 대화가 없습니다."
PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


@dataclass(frozen=True)
class ToolCall:
    """A function call the agent makes at the end of a turn, if the tool is declared.

    `arguments_from_caller` maps an argument name to a regular expression searched in the
    caller's latest words; its first group (or the whole match) becomes the argument's value,
    and an argument whose expression does not match is left out.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    arguments_from_caller: dict[str, str] = field(default_factory=dict)

    def with_caller_words(self, caller_text: str) -> ToolCall:
        """Return the call with the arguments taken from what the caller said filled in."""
        arguments = dict(self.arguments)
        for name, pattern in self.arguments_from_caller.items():
            match = re.search(pattern, caller_text)
            if match:
                arguments[name] = match.group(1) if match.groups() else match.group(0)
        return replace(self, arguments=arguments, arguments_from_caller={})


@dataclass(frozen=True)
class AgentTurn:
    """One response: the spoken text and an optional tool call after it."""

    text: str
    tool_call: ToolCall | None = None

    def realised(self, caller_text: str, function_output: str | None) -> AgentTurn:
        """Fill `{field}` placeholders from the latest function output and caller-derived args.

        `{a.b}` reads nested JSON objects; a placeholder with no value stays as written, so a
        test sees at once that the output it expected never arrived.
        """
        data = _json_object(function_output)

        def fill(match: re.Match) -> str:
            value: Any = data
            for key in match.group(1).split("."):
                if not isinstance(value, dict) or key not in value:
                    return match.group(0)
                value = value[key]
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        call = self.tool_call.with_caller_words(caller_text) if self.tool_call else None
        return AgentTurn(PLACEHOLDER.sub(fill, self.text), call)


def _default_caller_lines() -> list[str]:
    """Return caller transcripts for a short delivery-status call."""
    return [
        "네, 주문한 상품 배송 상태를 알고 싶어요.",
        "주문번호는 1234번이에요.",
        "네, 알겠습니다. 감사합니다.",
    ]


def _default_agent_turns() -> list[AgentTurn]:
    """Return agent replies for the default call, ending with a hang-up tool call."""
    return [
        AgentTurn("안녕하세요, 고객센터입니다. 무엇을 도와드릴까요?"),
        AgentTurn("네, 주문번호를 말씀해 주시겠어요?"),
        AgentTurn("확인해 보니 상품은 내일 도착할 예정입니다."),
        AgentTurn(
            "네, 통화를 종료하겠습니다. 감사합니다.",
            tool_call=ToolCall("end_call", {"reason": "caller_done"}),
        ),
    ]


def _default_idle_turns() -> list[AgentTurn]:
    """Return what the agent says when the caller stays silent (an idle timeout)."""
    return [AgentTurn("여보세요, 아직 통화 중이신가요?")]


@dataclass
class RealtimeScript:
    """Caller lines (one per spoken user turn) and agent turns (one per response), cycled.

    Idle-timeout responses speak `idle_turns` and out-of-band responses `out_of_band_turns`,
    so neither shifts the conversation's own script. With no out-of-band turns, an out-of-band
    response quotes the texts and transcripts of the items it was given (see `fake_realtime`).
    """

    caller_lines: list[str] = field(default_factory=_default_caller_lines)
    agent_turns: list[AgentTurn] = field(default_factory=_default_agent_turns)
    idle_turns: list[AgentTurn] = field(default_factory=_default_idle_turns)
    out_of_band_turns: list[AgentTurn] = field(default_factory=list)

    def caller_line(self, turn_index: int) -> str:
        """Return the transcript of the n-th committed user turn."""
        if not self.caller_lines:
            return ""
        return self.caller_lines[turn_index % len(self.caller_lines)]

    def agent_turn(self, response_index: int) -> AgentTurn:
        """Return what the n-th response says."""
        if not self.agent_turns:
            return AgentTurn("")
        return self.agent_turns[response_index % len(self.agent_turns)]

    def idle_turn(self, timeout_index: int) -> AgentTurn | None:
        """Return what the n-th idle-timeout response says (None: the next agent turn)."""
        if not self.idle_turns:
            return None
        return self.idle_turns[timeout_index % len(self.idle_turns)]

    def out_of_band_turn(self, index: int) -> AgentTurn | None:
        """Return what the n-th out-of-band response says (None: quote its context)."""
        if not self.out_of_band_turns:
            return None
        return self.out_of_band_turns[index % len(self.out_of_band_turns)]

    @classmethod
    def from_dict(cls, data: dict) -> RealtimeScript:
        """Build a script from its JSON form (the format is described in `fake_realtime`)."""
        script = cls(
            caller_lines=list(data.get("caller_lines", [])),
            agent_turns=_turns(data.get("agent_turns", [])),
        )
        if "idle_turns" in data:
            script.idle_turns = _turns(data["idle_turns"])
        script.out_of_band_turns = _turns(data.get("out_of_band_turns", []))
        return script

    @classmethod
    def from_json_file(cls, path: str | Path) -> RealtimeScript:
        """Load a script from a UTF-8 JSON file (the management command's `--script`)."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _turns(entries: list[dict]) -> list[AgentTurn]:
    """Build agent turns from `[{"text": ..., "tool_call": {"name", "arguments"}}]`."""
    turns = []
    for turn in entries:
        call = turn.get("tool_call")
        tool_call = None
        if call:
            tool_call = ToolCall(
                call["name"], call.get("arguments", {}), call.get("arguments_from_caller", {})
            )
        turns.append(AgentTurn(turn["text"], tool_call))
    return turns


def _json_object(text: str | None) -> dict:
    """Return `text` parsed as a JSON object, or {} when it is not one."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def latest_caller_words(items: list[dict], heard: dict[str, str]) -> str:
    """Return what the caller said last in `items`: typed text, or the line an audio turn spoke."""
    for item in reversed(items):
        if item.get("type") != "message" or item.get("role") != "user":
            continue
        for part in item.get("content", []):
            if part.get("type") == "input_text":
                return part.get("text") or ""
            if part.get("type") == "input_audio":
                return part.get("transcript") or heard.get(item["id"], "")
    return ""


def latest_function_output(items: list[dict]) -> str | None:
    """Return the output of the last function_call_output in `items`, if any."""
    for item in reversed(items):
        if item.get("type") == "function_call_output":
            return item.get("output")
    return None


def context_turn(items: list[dict]) -> AgentTurn:
    """Answer an unscripted out-of-band request by quoting the texts of the items it read."""
    quoted = []
    for item in items:
        for part in item.get("content", []):
            if part.get("text") or part.get("transcript"):
                quoted.append(part.get("text") or part.get("transcript"))
        if item.get("output"):
            quoted.append(item["output"])
    return AgentTurn(" / ".join(quoted) if quoted else EMPTY_CONTEXT_REPLY)
