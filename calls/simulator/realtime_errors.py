"""Error values the fake Realtime server reports, with the wording the live service uses."""

from __future__ import annotations

from dataclasses import dataclass

INVALID_REQUEST = "invalid_request_error"


@dataclass
class RealtimeError(Exception):
    """A client mistake that becomes one `error` server event; the socket stays open."""

    code: str | None
    message: str
    param: str | None = None
    type: str = INVALID_REQUEST

    def payload(self, client_event_id: str | None) -> dict:
        """Return the `error` object, echoing the event id of the client event that caused it."""
        return {
            "type": self.type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "event_id": client_event_id,
        }


def _show(value: object) -> str:
    """Render a rejected value the way OpenAI quotes it in messages."""
    return f"'{value}'" if isinstance(value, str) else repr(value)


def unknown_parameter(param: str) -> RealtimeError:
    """Reject a key the GA schema does not know (§1.3, e.g. `session.temperature`)."""
    return RealtimeError("unknown_parameter", f"Unknown parameter: '{param}'.", param)


def missing_parameter(param: str) -> RealtimeError:
    """Reject an event that lacks a required field (e.g. `session.type`)."""
    return RealtimeError(
        "missing_required_parameter", f"Missing required parameter: '{param}'.", param
    )


def invalid_value(param: str, value: object, supported: list[str] | None = None) -> RealtimeError:
    """Reject a value outside an enumeration, listing the allowed ones as OpenAI does."""
    message = f"Invalid value: {_show(value)}."
    if supported:
        quoted = [f"'{item}'" for item in supported]
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        message += f" Supported values are: {listed}."
    return RealtimeError("invalid_value", message, param)


def invalid_type(param: str, expected: str, value: object) -> RealtimeError:
    """Reject a value of the wrong JSON type."""
    got = {bool: "a boolean", int: "an integer", float: "a decimal", str: "a string"}.get(
        type(value), "an object" if isinstance(value, dict) else "an array"
    )
    if value is None:
        got = "null"
    message = f"Invalid type for '{param}': expected {expected}, but got {got} instead."
    return RealtimeError("invalid_type", message, param)


def out_of_range(param: str, value: float, low: float | None, high: float | None) -> RealtimeError:
    """Reject a number outside its range with OpenAI's `integer_below_min_value` family of codes.

    The reference shows this family for `audio_end_ms` (§4.6); the fake uses it for every range
    check so clients see one consistent shape.
    """
    kind = "integer" if isinstance(value, int) else "decimal"
    below = low is not None and value < low
    bound, word, relation = (low, "below minimum", ">=") if below else (high, "above maximum", "<=")
    code = f"{kind}_{'below_min' if below else 'above_max'}_value"
    message = (
        f"Invalid '{param}': {kind} {word} value. "
        f"Expected a value {relation} {_number(bound)}, but got {_number(value)} instead."
    )
    return RealtimeError(code, message, param)


def _number(value: float | None) -> str:
    """Print 1.0 as 1 and 0.5 as 0.5, like the JSON the client sent."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def commit_empty(buffered_ms: float) -> RealtimeError:
    """Reject a commit with less than 100 ms buffered (§4.6 wording)."""
    return RealtimeError(
        "input_audio_buffer_commit_empty",
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
        f"audio, but buffer only has {buffered_ms:.2f}ms of audio.",
    )


def active_response(response_id: str) -> RealtimeError:
    """Reject a second response while one writes to the default conversation."""
    return RealtimeError(
        "conversation_already_has_active_response",
        f"Conversation already has an active response in progress: {response_id}. "
        "Wait until the response is finished before creating a new one.",
    )


def cancel_not_active() -> RealtimeError:
    """Reject `response.cancel` when nothing is running (a common barge-in race)."""
    return RealtimeError(
        "response_cancel_not_active", "Cancellation failed: no active response found"
    )


def session_expired(max_seconds: float) -> RealtimeError:
    """Announce the end of the session lifetime (§4.6); the close reason repeats the message."""
    if max_seconds >= 60 and max_seconds % 60 == 0:
        span = f"{int(max_seconds // 60)} minutes"
    else:
        span = f"{_number(float(max_seconds))} seconds"
    return RealtimeError("session_expired", f"Your session hit the maximum duration of {span}.")


def beta_shape_disabled() -> RealtimeError:
    """Refuse the `OpenAI-Beta: realtime=v1` header (§1.2); the message wording is UNCONFIRMED."""
    return RealtimeError(
        "beta_api_shape_disabled",
        "The Realtime API beta interface has been disabled. "
        "Remove the 'OpenAI-Beta: realtime=v1' header to use the GA interface.",
    )


def forced_rejection(rejection: tuple, update: object) -> RealtimeError:
    """Build the error a test asked for via `server.reject_session_updates = (type, code)`."""
    error_type, code = rejection[0], rejection[1]
    keys = [key for key in update if key != "type"] if isinstance(update, dict) else []
    param = f"session.{keys[0]}" if keys else "session"
    message = (
        f"Unknown parameter: '{param}'."
        if code == "unknown_parameter"
        else f"Invalid value for '{param}'."
    )
    if len(rejection) > 2:
        message = rejection[2]
    return RealtimeError(code, message, param, error_type)
