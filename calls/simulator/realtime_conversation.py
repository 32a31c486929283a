"""The default conversation: ordered items, the audio each holds, and truncation rules (§5.1)."""

from __future__ import annotations

from calls.simulator import realtime_errors as errors
from calls.simulator.realtime_errors import RealtimeError

APPEND = object()  # marker: no previous_item_id given, so the item goes last


class Conversation:
    """Items of one session's default conversation, in order, plus per-item audio bookkeeping."""

    def __init__(self, conversation_id: str) -> None:
        self.id = conversation_id
        self.items: list[dict] = []
        self.generated_ms: dict[str, float] = {}  # assistant item id -> ms of audio generated
        self.audio: dict[str, bytearray] = {}  # item id -> raw audio bytes (for retrieve)
        self.input_ms: dict[str, float] = {}  # user item id -> ms of input audio it holds
        self.truncations: dict[str, dict] = {}  # item id -> {audio_end_ms, dropped_transcript}

    def get(self, item_id: str) -> dict | None:
        """Return the item with this id, or None."""
        return next((item for item in self.items if item["id"] == item_id), None)

    def last_id(self) -> str | None:
        """Return the id of the last item, or None when the conversation is empty."""
        return self.items[-1]["id"] if self.items else None

    def add(self, item: dict, previous_item_id: object = APPEND) -> str | None:
        """Insert `item` after `previous_item_id` ("root" = first) and return the id it follows."""
        if previous_item_id is APPEND:
            previous = self.last_id()
            self.items.append(item)
            return previous
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        anchor = self.get(previous_item_id)  # type: ignore[arg-type]
        if anchor is None:
            # UNCONFIRMED code, named after the documented `item_retrieve_invalid_item_id`.
            raise RealtimeError(
                "item_create_invalid_previous_item_id",
                f"Previous item with id '{previous_item_id}' not found.",
                "previous_item_id",
            )
        self.items.insert(self.items.index(anchor) + 1, item)
        return previous_item_id  # type: ignore[return-value]

    def resolve(self, entries: list[tuple[dict, bytes]], path: str) -> list[dict]:
        """Return the items an out-of-band `input` names: new items as given, references by id.

        Nothing is added to the conversation. A reference to an unknown id is an error
        (UNCONFIRMED code, by analogy with `item_retrieve_invalid_item_id`).
        """
        items = []
        for index, (entry, _audio) in enumerate(entries):
            if entry["type"] != "item_reference":
                items.append(entry)
                continue
            item = self.get(entry["id"])
            if item is None:
                raise RealtimeError(
                    "invalid_value",
                    f"Item with id '{entry['id']}' not found in this session.",
                    f"{path}[{index}].id",
                )
            items.append(item)
        return items

    def delete(self, item_id: str) -> None:
        """Remove an item; unknown ids are an error."""
        item = self.get(item_id)
        if item is None:
            # UNCONFIRMED code, by analogy with `item_retrieve_invalid_item_id`.
            raise RealtimeError(
                "item_delete_invalid_item_id", f"Item with item_id not found: {item_id}", "item_id"
            )
        self.items.remove(item)

    def has_call(self, call_id: str) -> bool:
        """Tell whether a function_call item with this call_id exists."""
        return any(
            item.get("type") == "function_call" and item.get("call_id") == call_id
            for item in self.items
        )

    def truncate(
        self, item_id: str, content_index: int, audio_end_ms: int, past_end_code: str | None = None
    ) -> None:
        """Cut an assistant audio item at `audio_end_ms` and drop its transcript, or raise.

        The reference saw code null in 2024 for truncating past the end, so that is the default;
        `past_end_code` lets a test pin another code.
        """
        if audio_end_ms < 0:
            raise errors.out_of_range("audio_end_ms", audio_end_ms, 0, None)
        item = self.get(item_id)
        if item is None:
            # UNCONFIRMED code, by analogy with `item_retrieve_invalid_item_id`.
            raise RealtimeError(
                "item_truncate_invalid_item_id",
                f"Item with item_id not found: {item_id}",
                "item_id",
            )
        generated = self.generated_ms.get(item_id, 0)
        is_audio = item.get("role") == "assistant" and any(
            part.get("type") == "output_audio" for part in item.get("content", [])
        )
        if not is_audio or generated <= 0:
            # A message cancelled before its first delta holds no audio either (§4.6).
            raise RealtimeError(
                "unsupported_content_type", "Only model output audio messages can be truncated"
            )
        if content_index != 0:
            raise errors.out_of_range("content_index", content_index, 0, 0)
        if audio_end_ms > generated:
            raise RealtimeError(
                past_end_code,
                f"Audio content of {round(generated)}ms is already shorter than {audio_end_ms}ms",
                "audio_end_ms",
            )
        part = item["content"][0]
        self.truncations[item_id] = {
            "audio_end_ms": audio_end_ms,
            "dropped_transcript": part.get("transcript"),
        }
        # The server forgets what the caller never heard (§5.1), so the transcript goes.
        part["transcript"] = ""
        self.generated_ms[item_id] = audio_end_ms
