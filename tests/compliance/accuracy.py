"""Precision and recall of the redactor on the utterance table.

Run: `.venv/bin/python -m tests.compliance.accuracy`. A found piece counts as correct only when
its span and category equal the expected ones; "masked" figures ignore the category and count
an expected piece as covered when any found span overlaps it.
"""

import re
from collections import Counter

from calls.compliance.redaction import CATEGORIES, Match, find_pii
from tests.compliance.redaction_table import CASES, FRESH_CASES, LATER_CASES, Case

_LABELS = {label: key for key, label in CATEGORIES.items()}
_LABEL_RE = re.compile("(" + "|".join(re.escape(label) for label in _LABELS) + ")")


def expected_matches(case: Case) -> list[Match]:
    """The spans the expected text masks, recovered by aligning it with the utterance."""
    pieces = _LABEL_RE.split(case.expected)
    texts, labels = pieces[0::2], pieces[1::2]
    pattern = "(.+?)".join(re.escape(t) for t in texts)
    aligned = re.fullmatch(pattern, case.text, re.DOTALL)
    if aligned is None:
        raise ValueError(f"expected text does not fit the utterance: {case.expected!r}")
    return [
        Match(aligned.start(k + 1), aligned.end(k + 1), _LABELS[label])
        for k, label in enumerate(labels)
    ]


def tally(cases: list[Case]) -> Counter:
    """True positives, false positives and false negatives, overall and per category."""
    counts: Counter = Counter()
    for case in cases:
        want = set(expected_matches(case))
        got = set(find_pii(case.text, caller_number=case.caller))
        for m in got:
            counts["tp" if m in want else "fp", m.category] += 1
            counts["tp" if m in want else "fp", "all"] += 1
        for m in want - got:
            counts["fn", m.category] += 1
            counts["fn", "all"] += 1
        covered = sum(any(g.start < w.end and w.start < g.end for g in got) for w in want)
        counts["masked", "all"] += covered
        counts["expected", "all"] += len(want)
    return counts


def precision_recall(counts: Counter, key: str = "all") -> tuple[float, float]:
    """Precision and recall for one category (or "all") from a tally."""
    tp, fp, fn = counts["tp", key], counts["fp", key], counts["fn", key]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def report(name: str, cases: list[Case]) -> str:
    """A few lines of figures for one set of cases."""
    counts = tally(cases)
    p, r = precision_recall(counts)
    lines = [
        f"{name}: {len(cases)} utterances, {counts['expected', 'all']} expected pieces",
        f"  all         precision {p:.3f}  recall {r:.3f}  "
        f"(tp {counts['tp', 'all']}, fp {counts['fp', 'all']}, fn {counts['fn', 'all']})",
        f"  masked at all (any label, overlapping span): "
        f"{counts['masked', 'all']}/{counts['expected', 'all']}",
    ]
    for key in CATEGORIES:
        if counts["tp", key] + counts["fp", key] + counts["fn", key]:
            p, r = precision_recall(counts, key)
            lines.append(f"  {key:<13} precision {p:.3f}  recall {r:.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report("table (CASES)", CASES))
    print(report("written later (LATER_CASES)", LATER_CASES))
    print(report("written last (FRESH_CASES)", FRESH_CASES))
    print(report("all", CASES + LATER_CASES + FRESH_CASES))
