"""Two leads routed at the same moment by the same round-robin rule, in two real transactions.

The rule's row is locked (SELECT ... FOR UPDATE) from choosing the manager until the lead's
transaction commits, so the second lead waits, then sees the first one's pointer: the two leads go to
two different managers, never twice to the same one. On PostgreSQL this is the row lock itself; on
SQLite the database takes one writer at a time (transactions begin IMMEDIATE), which serialises
them the same way.
"""

import threading

import pytest
from django.db import connection

from klientura.accounts import roles
from klientura.accounts.tests.factories import UserFactory

from ..models_leads import Lead, RoutingRule
from .factories_leads import default_kind, rule, submit


@pytest.mark.django_db(transaction=True)
def test_two_leads_at_once_go_to_two_managers_in_turn():
    default_kind()
    managers = [UserFactory.with_role(roles.SALES_MANAGER) for _ in range(3)]
    made = rule(managers)
    start = threading.Barrier(2)
    errors = []

    def take_lead(number):
        try:
            start.wait(timeout=10)
            submit(email=f"client{number}@example.test")
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    for round_number in range(3):
        threads = [threading.Thread(target=take_lead, args=(round_number * 2 + i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    order = sorted(managers, key=lambda m: m.pk)
    assigned = list(Lead.objects.order_by("assigned_at", "id").values_list("assigned_to", flat=True))
    # Six leads, three managers: each got two, and the turn went round without anybody twice in a row.
    assert assigned == [m.pk for m in order] * 2
    assert RoutingRule.objects.get(pk=made.pk).last_assigned_id == order[-1].pk
