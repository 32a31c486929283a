"""The monitor socket's message budget: a burst, then a steady rate."""

from calls.monitoring.message_budget import MessageBudget


def test_the_budget_refills_at_its_rate():
    now = [0.0]
    budget = MessageBudget(burst=3, per_second=2.0, clock=lambda: now[0])
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5
    assert [budget.take() for _ in range(2)] == [True, False]
