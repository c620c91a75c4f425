"""Rule validation: normalisation, every refusal with a message that says where and what, cycles
between segments, and the catalogue the rule builder shows."""

import pytest
from django.utils import translation

from klientura.core.errors import ValidationFailed
from klientura.parties.models import BusinessRegion, CustomField, Tag
from klientura.segments.models import Segment
from klientura.segments.rules import MAX_CONDITIONS, indicator_catalogue, rules_validate

from .test_compiler import cond, group


@pytest.fixture(autouse=True)
def english():
    """The messages are compared in English; the Russian catalogue comes with the lead's translations."""
    with translation.override("en"):
        yield


def refusal(rules, **kwargs) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        rules_validate(rules, **kwargs)
    return caught.value.fields["rules"]


# --- Normalisation -----------------------------------------------------------------------------


def test_rules_are_normalised(db):
    tag = Tag.objects.create(name="Beds")
    rules = {
        "op": "or",
        "items": [
            {"indicator": "no_orders", "params": {"days": "30"}},
            {"indicator": "overdue_amount", "operator": "gt", "value": "100 000,5"},
            {
                "op": "and",
                "negate": True,
                "items": [
                    {"indicator": "tag", "operator": "any", "value": [str(tag.pk), tag.pk]},
                    {
                        "indicator": "revenue",
                        "operator": "gte",
                        "value": 1000,
                        "params": {"date_from": "2026-01-01", "date_to": "2026-03-31", "junk": 1},
                    },
                    {"indicator": "overdue_days", "operator": "gte", "value": "7", "negate": True},
                ],
            },
        ],
    }
    assert rules_validate(rules) == {
        "op": "or",
        "negate": False,
        "items": [
            {
                "indicator": "no_orders",
                "negate": False,
                "operator": None,
                "value": None,
                "params": {"days": 30},
            },
            {
                "indicator": "overdue_amount",
                "negate": False,
                "operator": "gt",
                "value": "100000.50",
                "params": {},
            },
            {
                "op": "and",
                "negate": True,
                "items": [
                    {"indicator": "tag", "negate": False, "operator": "any", "value": [tag.pk], "params": {}},
                    {
                        "indicator": "revenue",
                        "negate": False,
                        "operator": "gte",
                        "value": "1000.00",
                        "params": {"date_from": "2026-01-01", "date_to": "2026-03-31"},
                    },
                    {
                        "indicator": "overdue_days",
                        "negate": True,
                        "operator": "gte",
                        "value": 7,
                        "params": {},
                    },
                ],
            },
        ],
    }


def test_a_bare_condition_becomes_a_group(db):
    assert rules_validate({"indicator": "on_exchange", "operator": "is", "value": True}) == group(
        "and", cond("on_exchange", "is", True)
    )


def test_normalised_rules_validate_to_themselves(db):
    rules = group("and", cond("no_orders", days=30), cond("overdue_amount", "gt", "100000.00"))
    once = rules_validate(rules)
    assert rules_validate(once) == once


# --- Refusals ----------------------------------------------------------------------------------


def test_unknown_indicator_says_where(db):
    rules = group("and", cond("zone", "in", ["red"]), cond("foo", "gt", 1))
    assert refusal(rules) == ["Condition 2 of group 1: unknown indicator «foo»"]


def test_unknown_operator(db):
    messages = refusal(
        group("and", group("or", cond("zone", "in", ["red"]), cond("revenue", "between", 1, days=3)))
    )
    assert messages == [
        "Condition 2 of group 1.1: unknown operator «between» for «Revenue» (possible: gt, gte, lt, lte)"
    ]


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (cond("revenue", "gt", "much", days=30), "an amount is required, not «much»"),
        (cond("revenue", "gt", True, days=30), "an amount is required, not «True»"),
        (cond("receivable", "gt", "-5"), "the amount must not be negative or that large"),
        (cond("overdue_days", "gt", -1), "the number must be from 0 to 1000000"),
        (cond("overdue_days", "gt", "7.5"), "a whole number is required, not «7.5»"),
        (cond("zone", "in", []), "choose at least one value"),
        (cond("zone", "in", ["purple"]), "unknown values: purple (possible: green, yellow, red, exchange)"),
        (cond("tag", "any", ["x"]), "«x» is not a record id"),
        (cond("region", "in", [None]), "«None» is not a record id"),
        (cond("on_exchange", "is", "yes"), "the value must be true or false"),
        (cond("deals_won_count", "gt", None, days=5), "a whole number is required, not «None»"),
    ],
)
def test_bad_values(db, condition, problem):
    assert refusal(group("and", condition)) == [f"Condition 1 of group 1: {problem}"]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (
            {"date_from": "2026-03-01", "date_to": "2026-02-01"},
            "the period starts (2026-03-01) after it ends (2026-02-01)",
        ),
        ({}, "set the period: the last N days, or the dates from and to"),
        ({"days": 0}, "the number of days must be from 1 to 36600"),
        (
            {"days": 30, "date_from": "2026-01-01"},
            "give either the number of days or the dates of the period, not both",
        ),
        ({"date_from": "2026-02-30"}, "«2026-02-30» is not a date (YYYY-MM-DD)"),
    ],
)
def test_bad_periods(db, params, problem):
    assert refusal(group("and", cond("no_orders", **params))) == [f"Condition 1 of group 1: {problem}"]


def test_unknown_ids(departments):
    tag = Tag.objects.create(name="Beds")
    region = BusinessRegion.objects.create(name="North")
    rules = group(
        "and",
        cond("tag", "all", [tag.pk, 999_001]),
        cond("region", "not_in", [region.pk, 999_002]),
        cond("manager", "in", [departments.north_a.pk, None, 999_003]),
        cond("segment", "in", [999_004]),
    )
    assert refusal(rules) == [
        "Condition 1 of group 1: unknown tags (ids 999001)",
        "Condition 2 of group 1: unknown business regions (ids 999002)",
        "Condition 3 of group 1: unknown managers (ids 999003)",
        "Condition 4 of group 1: unknown segments (ids 999004)",
    ]
    rules["items"] = [cond("manager", "in", [departments.north_a.pk, None]), cond("tag", "any", [tag.pk])]
    assert rules_validate(rules)["items"][0]["value"] == [departments.north_a.pk, None]


def test_empty_rules_and_groups(db):
    assert refusal({}) == ["Add at least one condition."]
    assert refusal(group("and")) == ["Add at least one condition."]
    assert refusal(None) == ["Add at least one condition."]
    assert refusal(group("and", cond("zone", "in", ["red"]), group("or"))) == [
        "Group 1.2: the group is empty"
    ]
    assert refusal(group("xor", cond("zone", "in", ["red"]))) == [
        "Group 1: unknown combination «xor» (use and / or)"
    ]


def test_too_deep(db):
    deepest = group("and", cond("zone", "in", ["red"]))
    five = group("and", group("and", group("and", group("and", deepest))))
    assert rules_validate(five)  # five levels are fine
    assert refusal(group("and", five)) == [
        "Group 1.1.1.1.1.1: groups are nested too deeply (5 levels at most)"
    ]


def test_too_many_conditions(db):
    assert rules_validate(group("or", *[cond("zone", "in", ["red"])] * MAX_CONDITIONS))
    too_many = group(
        "or",
        *[cond("zone", "in", ["red"])] * (MAX_CONDITIONS - 1),
        group("and", cond("zone", "in", ["red"]), cond("zone", "in", ["red"])),
    )
    assert refusal(too_many) == ["Too many conditions: 51 (50 at most)."]


def test_every_problem_is_reported_at_once(db):
    rules = group("and", cond("foo"), cond("zone", "in", ["purple"]), cond("no_orders"))
    assert len(refusal(rules)) == 3


# --- Additional fields -------------------------------------------------------------------------


def test_custom_field_conditions(db):
    CustomField.objects.create(code="city", name="City", kind="text")
    CustomField.objects.create(code="size", name="Size", kind="choice", choices=["small", "large"])
    CustomField.objects.create(code="founded", name="Founded", kind="date")
    CustomField.objects.create(code="old", name="Old", kind="text", is_active=False)
    CustomField.objects.create(code="a__b", name="Nested", kind="text")
    ok = rules_validate(group("and", cond("custom", "empty", "ignored", field="city")))
    assert ok["items"][0] == {
        "indicator": "custom",
        "negate": False,
        "operator": "empty",
        "value": None,
        "params": {"field": "city"},
    }
    assert refusal(group("and", cond("custom", "gte", "x", field="city"))) == [
        "Condition 1 of group 1: unknown operator «gte» for «Additional field» (possible: eq, neq, contains, empty, not_empty)"
    ]
    assert refusal(group("and", cond("custom", "eq", "medium", field="size"))) == [
        "Condition 1 of group 1: «medium» is not one of the field's choices (small, large)"
    ]
    assert refusal(group("and", cond("custom", "gte", "31.12.2020", field="founded"))) == [
        "Condition 1 of group 1: «31.12.2020» is not a date (YYYY-MM-DD)"
    ]
    for code in ("old", "missing", "a__b"):
        assert refusal(group("and", cond("custom", "eq", "x", field=code))) == [
            f"Condition 1 of group 1: unknown additional field «{code}»"
        ]


# --- Cycles between segments -------------------------------------------------------------------


def _segment(name, rules=None) -> Segment:
    return Segment.objects.create(name=name, rules=rules or group("and", cond("zone", "in", ["red"])))


def test_a_segment_may_not_refer_to_itself(db):
    a = _segment("A")
    assert refusal(group("and", cond("segment", "in", [a.pk])), segment_id=a.pk) == [
        "Segments must not refer to each other in a circle: «A» → «A»."
    ]


def test_cycle_through_another_segment(db):
    a = _segment("A")
    b = _segment("B", group("and", cond("segment", "in", [a.pk])))
    rules = group("and", cond("zone", "in", ["red"]), cond("segment", "not_in", [b.pk], negate=True))
    assert refusal(rules, segment_id=a.pk) == [
        "Segments must not refer to each other in a circle: «A» → «B» → «A»."
    ]
    assert Segment.objects.get(pk=a.pk).rules == group("and", cond("zone", "in", ["red"]))
    # A new segment (no id yet) cannot close a circle; B itself may refer to A.
    assert rules_validate(rules)
    assert rules_validate(group("and", cond("segment", "in", [a.pk])), segment_id=b.pk)


def test_long_cycle_and_harmless_diamonds(db):
    a = _segment("A")
    c = _segment("C", group("or", cond("zone", "in", ["red"]), group("and", cond("segment", "in", [a.pk]))))
    b = _segment("B", group("and", cond("segment", "in", [c.pk])))
    d = _segment("D", group("and", cond("segment", "in", [c.pk, b.pk])))
    assert refusal(group("and", cond("segment", "in", [d.pk])), segment_id=a.pk) == [
        "Segments must not refer to each other in a circle: «A» → «D» → «C» → «A»."
    ]
    e = _segment("E", group("and", cond("segment", "in", [b.pk, c.pk])))
    c.rules = group("and", cond("zone", "in", ["red"]))
    c.save()
    assert rules_validate(group("and", cond("segment", "in", [e.pk, d.pk])), segment_id=a.pk)


# --- The catalogue -----------------------------------------------------------------------------


def test_messages_and_catalogue_speak_the_users_language(db):
    with translation.override("ru"):
        messages = refusal(group("and", cond("revenue", "between", 1, days=3)))
        labels = {entry["code"]: entry["label"] for entry in indicator_catalogue()}
    assert "«Выручка»" in messages[0]
    assert labels["revenue"] == "Выручка"


def test_catalogue(db):
    CustomField.objects.create(code="size", name="Size", kind="choice", choices=["small", "large"])
    catalogue = {entry["code"]: entry for entry in indicator_catalogue()}
    assert set(catalogue) == {
        "no_orders", "no_shipments", "revenue", "receivable", "overdue_amount", "overdue_days",
        "deals_won_count", "deals_won_amount", "deals_lost_count", "deals_lost_amount",
        "last_event_days", "zone", "tag", "region", "manager", "partner_kind", "custom", "segment",
        "on_exchange",
    }  # fmt: skip
    assert catalogue["revenue"]["value_kind"] == "money"
    assert [p["name"] for p in catalogue["revenue"]["params"]] == ["days", "date_from", "date_to"]
    assert catalogue["no_orders"]["operators"] == [] and catalogue["no_orders"]["value_kind"] == "none"
    assert ("green", "Green") in catalogue["zone"]["choices"]
    assert ("supplier", "Supplier") in catalogue["partner_kind"]["choices"]
    assert catalogue["tag"]["operators"] == [
        ("any", "has any of"),
        ("all", "has all of"),
        ("none", "has none of"),
    ]
    assert catalogue["manager"]["allow_null"] is True and catalogue["manager"]["ids_of"] == "user"
    assert catalogue["custom"]["value_kind"] == "custom"
    assert catalogue["custom"]["fields"] == [
        {
            "code": "size",
            "label": "Size",
            "kind": "choice",
            "value_kind": "choice",
            "operators": [
                ("eq", "equals"),
                ("neq", "does not equal"),
                ("empty", "is empty"),
                ("not_empty", "is filled in"),
            ],
            "choices": [("small", "small"), ("large", "large")],
        }
    ]
