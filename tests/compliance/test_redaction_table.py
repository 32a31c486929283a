"""Each utterance in the table is redacted exactly as a person would mask it."""

import pytest

from calls.compliance.redaction import redact
from tests.compliance.accuracy import precision_recall, report, tally
from tests.compliance.redaction_table import CASES, FRESH_CASES, LATER_CASES, Case

ALL_CASES = CASES + LATER_CASES + FRESH_CASES


def test_the_table_has_at_least_sixty_utterances_with_negatives_among_them():
    assert len(ALL_CASES) >= 60
    assert sum(case.text == case.expected for case in ALL_CASES) >= 20


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.text for case in ALL_CASES])
def test_the_utterance_is_masked_as_expected(case: Case):
    assert redact(case.text, caller_number=case.caller) == case.expected


def test_precision_and_recall_on_the_table_stay_high(capsys):
    counts = tally(ALL_CASES)
    precision, recall = precision_recall(counts)
    with capsys.disabled():
        print("\n" + report("redaction table", ALL_CASES))
    assert precision >= 0.95
    assert recall >= 0.95
