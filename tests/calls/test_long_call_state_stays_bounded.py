"""A long call's bookkeeping stays the same size: memory is flat in call length (issue 21)."""

from calls.live.playback import KEPT_ITEMS, PlaybackTracker
from calls.live.recent_ids import RecentIds


def test_the_tracker_keeps_the_latest_items_and_still_truncates_the_one_playing():
    tracker = PlaybackTracker(openai_bytes_per_ms=8)
    for number in range(500):  # five hundred agent turns, each fully played
        item = f"item_{number}"
        tracker.audio_generated(item, 800)
        tracker.mark_echoed(tracker.audio_sent(item, 800))
    tracker.audio_generated("item_last", 1600)
    tracker.mark_echoed(tracker.audio_sent("item_last", 800))
    tracker.audio_sent("item_last", 800)  # still playing when the caller barges in
    assert len(tracker.items) <= KEPT_ITEMS
    cut = tracker.barge_in()
    assert (cut.item_id, cut.audio_end_ms, cut.generated_ms) == ("item_last", 100, 200)


def test_marks_cleared_by_a_barge_in_are_forgotten_once_a_later_mark_comes_back():
    tracker = PlaybackTracker(openai_bytes_per_ms=8)
    for turn in range(200):  # every turn cut short; Twilio never echoes the cleared marks
        item = f"item_{turn}"
        tracker.audio_generated(item, 1600)
        tracker.audio_sent(item, 800)
        tracker.audio_sent(item, 800)
        assert tracker.barge_in() is not None
        next_item = f"reply_{turn}"
        tracker.audio_generated(next_item, 800)
        assert tracker.mark_echoed(tracker.audio_sent(next_item, 800)) is not None
    assert len(tracker._discarded) == 0
    assert not tracker.playing


def test_a_cleared_mark_echoed_late_is_still_not_credited():
    tracker = PlaybackTracker(openai_bytes_per_ms=8)
    tracker.audio_generated("a", 1600)
    first, second = tracker.audio_sent("a", 800), tracker.audio_sent("a", 800)
    tracker.barge_in()
    assert tracker.mark_echoed(first) is None
    assert tracker.mark_echoed(second) is None
    assert tracker.played_ms("a") == 0


def test_recent_ids_remember_the_latest_and_forget_the_oldest():
    ids = RecentIds(capacity=3)
    ids.update(["r1", "r2", "r3"])
    ids.add("r1")  # seen again: the newest now
    ids.add("r4")
    assert "r2" not in ids
    assert list(ids) == ["r3", "r1", "r4"]
    assert len(ids) == 3
