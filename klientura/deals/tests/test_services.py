"""Deals services: creating, changing, moving through stages by the kind's rules, winning, losing,
reopening — with the history row and the audit record each leaves, and refused actions changing nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.deals import services
from klientura.deals.errors import StageMoveRefused
from klientura.deals.inputs import DealInput
from klientura.deals.models import Deal, DealStageChange, DealStatus
from klientura.parties.models import PartnerShare
from klientura.parties.tests.factories import PartnerFactory

from .factories import (
    STAGES_WITH_CONDITIONS,
    contact_of,
    kind_manual,
    kind_non_process,
    kind_strict,
    loss_reason,
    make_deal,
    make_order,
    stage_named,
    stages_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(departments):
    return departments


@pytest.fixture
def client_a(people):
    return PartnerFactory(manager=people.north_a)


def _snapshot(deal_id):
    """What a refused action must leave untouched."""
    deal = Deal.objects.get(pk=deal_id)
    return (
        deal.stage_id,
        deal.status,
        deal.probability,
        deal.stage_entered_at,
        deal.closed_at,
        deal.loss_reason_id,
        deal.amount,
        deal.manager_id,
        deal.title,
        DealStageChange.objects.filter(deal_id=deal_id).count(),
        AuditEntry.objects.filter(object_id=str(deal_id), content_type__model="deal").count(),
    )


def _create(actor, partner, at=None, **kwargs):
    kwargs.setdefault("title", "Кухни для офиса")
    data = DealInput(partner_id=partner.pk, **kwargs)
    return services.deal_create(actor=actor, data=data, at=at)


# --- create ----------------------------------------------------------------------------------------


def test_create_starts_at_first_stage_with_number_history_and_audit(people, client_a):
    kind = kind_strict(is_default=True)
    first = stages_of(kind)[0]
    deal = _create(people.north_a, client_a, amount=Decimal("150000.50"))
    assert deal.number.startswith("СД") and deal.status == DealStatus.IN_PROGRESS
    assert deal.stage == first and deal.probability == first.probability == 10
    assert deal.manager == people.north_a and deal.author == people.north_a
    (row,) = DealStageChange.objects.filter(deal=deal)
    assert (row.from_stage, row.from_status, row.to_stage, row.to_status) == (None, "", first, "in_progress")
    assert (row.kind, row.manager, row.changed_by) == (kind, people.north_a, people.north_a)
    assert AuditEntry.objects.filter(object_id=str(deal.pk), action="create").count() == 1


def test_create_at_a_past_moment_dates_the_deal_and_its_history(people, client_a):
    kind_strict(is_default=True)
    at = timezone.now() - datetime.timedelta(days=40)
    deal = _create(people.north_a, client_a, at=at)
    deal.refresh_from_db()
    assert deal.created_at == at and deal.stage_entered_at == at
    assert DealStageChange.objects.get(deal=deal).changed_at == at


def test_numbers_follow_each_other(people, client_a):
    kind_strict(is_default=True)
    first, second = _create(people.north_a, client_a), _create(people.north_a, client_a)
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_non_process_deal_has_no_stage(people, client_a):
    kind = kind_non_process()
    deal = _create(people.north_a, client_a, kind_id=kind.pk)
    assert deal.stage is None and deal.probability == 0
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a, kind_id=kind.pk, stage_id=stages_of(kind_strict())[0].pk)
    assert "stage_id" in exc.value.fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("10000000000000")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"currency": "RUBLES"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"kind_id": 987654}, "kind_id"),
    ],
)
def test_create_refuses_bad_values_and_saves_nothing(people, client_a, overrides, field):
    kind_strict(is_default=True)
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a, **overrides)
    assert field in exc.value.fields and exc.value.fields[field][0]
    assert not Deal.objects.exists() and not DealStageChange.objects.exists()


def test_create_refuses_a_client_the_actor_cannot_see(people):
    kind_strict(is_default=True)
    foreign = PartnerFactory(manager=people.south_a)
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, foreign)
    assert exc.value.fields["partner_id"] == ["Choose a client you can see."]
    assert not Deal.objects.exists()


def test_create_needs_the_permission(people, client_a):
    kind_strict(is_default=True)
    with pytest.raises(Forbidden):
        _create(people.director, client_a)  # the director sees every client but does not make deals
    assert not Deal.objects.exists()


def test_create_without_default_kind_asks_for_one(people, client_a):
    kind_strict()
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a)
    assert exc.value.fields["kind_id"] == ["There is no default deal kind: choose the kind."]


def test_contact_must_belong_to_the_client(people, client_a):
    kind_strict(is_default=True)
    stranger = contact_of(PartnerFactory(manager=people.north_a))
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a, contact_id=stranger.pk)
    assert "contact_id" in exc.value.fields
    own = contact_of(client_a)
    assert _create(people.north_a, client_a, contact_id=own.pk).contact == own


def test_strict_deal_starts_at_its_first_stage_manual_anywhere(people, client_a):
    strict, manual = kind_strict(), kind_manual()
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a, kind_id=strict.pk, stage_id=stages_of(strict)[2].pk)
    assert exc.value.fields["stage_id"] == ["A deal of a strict process starts at «Qualification»."]
    deal = _create(people.north_a, client_a, kind_id=manual.pk, stage_id=stages_of(manual)[2].pk)
    assert deal.stage.name == "Proposal" and deal.probability == 60


def test_strict_first_stage_conditions_hold_at_creation(people, client_a):
    kind = kind_strict(stages=(("Qualification", 10, ["has_amount"]), ("Proposal", 50, [])))
    with pytest.raises(StageMoveRefused) as exc:
        _create(people.north_a, client_a, kind_id=kind.pk)
    assert exc.value.message == (
        "Stage «Qualification» cannot be entered: the deal needs an expected amount above zero."
    )
    assert not Deal.objects.exists() and not DealStageChange.objects.exists()
    deal = _create(people.north_a, client_a, kind_id=kind.pk, amount=Decimal("10"))
    assert deal.stage.name == "Qualification"


def test_manager_rules_on_create(people, client_a):
    kind_strict(is_default=True)
    # A manager does not hand deals to a colleague; the client's own manager is always allowed.
    with pytest.raises(ValidationFailed) as exc:
        _create(people.north_a, client_a, manager_id=people.north_b.pk)
    assert exc.value.fields["manager_id"] == ["You cannot give deals to this manager."]
    # A head gives deals to their department, not to another one.
    assert _create(people.north_head, client_a, manager_id=people.north_b.pk).manager == people.north_b
    with pytest.raises(ValidationFailed):
        _create(people.north_head, client_a, manager_id=people.south_a.pk)
    # Only sales users are responsible for deals.
    with pytest.raises(ValidationFailed) as exc:
        _create(people.admin, client_a, manager_id=people.marketer.pk)
    assert exc.value.fields["manager_id"] == ["Choose an active sales manager or head of sales."]
    # An administrator (not a sales user) creating a deal: the client's manager takes it.
    assert _create(people.admin, client_a).manager == people.north_a
    people.north_b.is_active = False
    people.north_b.save()
    with pytest.raises(ValidationFailed):
        _create(people.admin, client_a, manager_id=people.north_b.pk)


# --- update ------------------------------------------------------------------------------------------


def test_update_changes_fields_and_audits(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    services.deal_update(
        actor=people.north_a,
        deal_id=deal.pk,
        data={
            "amount": Decimal("5000"),
            "expected_close_date": datetime.date(2030, 1, 31),
            "title": " Новое ",
        },
    )
    deal.refresh_from_db()
    assert (deal.amount, deal.expected_close_date, deal.title) == (
        Decimal("5000"),
        datetime.date(2030, 1, 31),
        "Новое",
    )
    entry = AuditEntry.objects.filter(object_id=str(deal.pk), action="update").get()
    assert set(entry.changes) == {"amount", "expected_close_date", "title"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": "много"}, "amount"),
        ({"probability": 150}, "probability"),
        ({"probability": None}, "probability"),
        ({"currency": "rub1"}, "currency"),
        ({"partner_id": -1}, "partner_id"),
        ({"status": "won"}, "status"),
        ({"stage_id": 10**9}, "stage_id"),
        ({"number": "X"}, "number"),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(people, client_a, data, field):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_update(actor=people.north_a, deal_id=deal.pk, data=data)
    assert field in exc.value.fields
    assert _snapshot(deal.pk) == before


def test_update_accepts_unchanged_fixed_fields_from_a_form(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    services.deal_update(actor=people.north_a, deal_id=deal.pk, data={"partner": client_a, "amount": 7})
    deal.refresh_from_db()
    assert deal.amount == Decimal("7")


def test_manager_change_needs_the_right_and_the_departments(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_update(actor=people.north_a, deal_id=deal.pk, data={"manager_id": people.north_b.pk})
    assert exc.value.fields["manager_id"] == ["You cannot hand this deal to that manager."]
    with pytest.raises(ValidationFailed):  # the north head may not give it to the south
        services.deal_update(actor=people.north_head, deal_id=deal.pk, data={"manager_id": people.south_a.pk})
    assert _snapshot(deal.pk) == before
    services.deal_update(actor=people.north_head, deal_id=deal.pk, data={"manager_id": people.north_b.pk})
    services.deal_update(actor=people.admin, deal_id=deal.pk, data={"manager": people.south_a})
    deal.refresh_from_db()
    assert deal.manager == people.south_a


def test_who_may_change_a_deal(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    with pytest.raises(NotFound):  # another department's manager does not even see it
        services.deal_update(actor=people.south_a, deal_id=deal.pk, data={"amount": 1})
    PartnerShare.objects.create(partner=client_a, user=people.north_b)
    with pytest.raises(Forbidden):  # sees the shared client's deal, but it is not theirs
        services.deal_update(actor=people.north_b, deal_id=deal.pk, data={"amount": 1})
    with pytest.raises(Forbidden):  # directors read deals only
        services.deal_update(actor=people.director, deal_id=deal.pk, data={"amount": 1})
    with pytest.raises(NotFound):
        services.deal_update(actor=people.north_a, deal_id=10**9, data={"amount": 1})
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("100000.00")
    for actor, amount in ((people.north_head, 2), (people.admin, 3), (people.north_a, 4)):
        services.deal_update(actor=actor, deal_id=deal.pk, data={"amount": amount})
        assert Deal.objects.get(pk=deal.pk).amount == amount


# --- moves: strict -------------------------------------------------------------------------------------


def test_strict_moves_forward_one_stage_and_records_it(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a, at=timezone.now() - datetime.timedelta(days=2))
    first, second, *_rest = stages_of(deal.kind)
    at = timezone.now() - datetime.timedelta(hours=3)
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=second.pk, comment="Созвонились", at=at
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.probability, deal.stage_entered_at) == (second, 30, at)
    row = DealStageChange.objects.filter(deal=deal).last()
    assert (row.from_stage, row.to_stage, row.from_status, row.to_status) == (
        first,
        second,
        "in_progress",
        "in_progress",
    )
    assert (row.changed_by, row.changed_at, row.comment, row.manager, row.kind) == (
        people.north_a,
        at,
        "Созвонились",
        people.north_a,
        deal.kind,
    )
    entry = AuditEntry.objects.filter(object_id=str(deal.pk), action="update").get()
    assert entry.changes["stage"] == ["Qualification", "Needs analysis"]


def test_a_move_cannot_predate_the_last_one(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_move_to_stage(
            actor=people.north_a,
            deal_id=deal.pk,
            stage_id=stages_of(deal.kind)[1].pk,
            at=deal.stage_entered_at - datetime.timedelta(seconds=1),
        )
    assert "at" in exc.value.fields
    assert _snapshot(deal.pk) == before


def test_strict_refuses_a_skipped_stage_naming_the_next(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(
            actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(deal.kind, "Proposal").pk
        )
    assert exc.value.code == "stage_move_refused"
    assert (
        exc.value.message == "Stages cannot be skipped in a strict process: move to «Needs analysis» first."
    )
    assert _snapshot(deal.pk) == before


def test_strict_goes_back_to_any_earlier_stage(people, client_a):
    kind = kind_strict()
    deal = make_deal(
        manager=people.north_a, partner=client_a, kind=kind, stage=stage_named(kind, "Negotiation")
    )
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(kind, "Qualification").pk
    )
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification" and deal.probability == 10
    assert DealStageChange.objects.filter(deal=deal).count() == 2


def test_strict_skips_inactive_stages(people, client_a):
    kind = kind_strict()
    stage_named(kind, "Needs analysis").__class__.objects.filter(kind=kind, name="Needs analysis").update(
        is_active=False
    )
    deal = make_deal(manager=people.north_a, partner=client_a, kind=kind)
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(kind, "Proposal").pk
    )
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"


def test_strict_entry_conditions_name_what_is_missing(people, client_a):
    kind = kind_strict(stages=STAGES_WITH_CONDITIONS)
    client_a.kind = "prospect"
    client_a.save()
    deal = make_deal(
        manager=people.north_a, partner=client_a, kind=kind, stage=stage_named(kind, "Needs analysis")
    )
    proposal = stage_named(kind, "Proposal")
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=proposal.pk)
    assert exc.value.message == (
        "Stage «Proposal» cannot be entered: the partner must be classified as a client, not a prospect; "
        "the deal needs a quote linked to it."
    )
    client_a.kind = "client"
    client_a.save()
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=proposal.pk)
    assert exc.value.message == "Stage «Proposal» cannot be entered: the deal needs a quote linked to it."
    assert _snapshot(deal.pk) == before
    cancelled = make_order(partner=client_a, status="cancelled")
    services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=cancelled.pk)
    with pytest.raises(StageMoveRefused):  # a cancelled quote is no quote
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=proposal.pk)
    services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=make_order(partner=client_a).pk)
    services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=proposal.pk)
    assert Deal.objects.get(pk=deal.pk).stage == proposal


def test_move_to_a_stage_of_another_kind_or_the_same_stage_is_refused(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    other = stages_of(kind_strict())[1]
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=other.pk)
    assert "is not a stage of the kind" in exc.value.message
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=deal.stage_id)
    assert exc.value.message == "The deal is already at stage «Qualification»."
    with pytest.raises(StageMoveRefused):
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=10**9)
    with pytest.raises(ValidationFailed):
        services.deal_move_to_stage(
            actor=people.north_a, deal_id=deal.pk, stage_id=stages_of(deal.kind)[1].pk, comment="x" * 501
        )
    assert _snapshot(deal.pk) == before


def test_moving_needs_the_right_to_change(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    second = stages_of(deal.kind)[1]
    with pytest.raises(Forbidden):
        services.deal_move_to_stage(actor=people.director, deal_id=deal.pk, stage_id=second.pk)
    with pytest.raises(NotFound):
        services.deal_move_to_stage(actor=people.south_head, deal_id=deal.pk, stage_id=second.pk)
    assert _snapshot(deal.pk) == before
    services.deal_move_to_stage(actor=people.north_head, deal_id=deal.pk, stage_id=second.pk)
    assert DealStageChange.objects.filter(deal=deal).last().changed_by == people.north_head


# --- moves: manual and non-process -----------------------------------------------------------------------


def test_manual_skips_and_does_not_enforce_conditions(people, client_a):
    kind = kind_manual(stages=STAGES_WITH_CONDITIONS)
    deal = make_deal(manager=people.north_a, partner=client_a, kind=kind)
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(kind, "Negotiation").pk
    )
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(kind, "Proposal").pk
    )
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal" and deal.probability == 60


def test_non_process_has_statuses_only(people, client_a):
    kind = kind_non_process()
    deal = make_deal(manager=people.north_a, partner=client_a, kind=kind)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(
            actor=people.north_a, deal_id=deal.pk, stage_id=stages_of(kind_manual())[0].pk
        )
    assert exc.value.message == f"Deals of the kind «{kind.name}» have no stages."
    services.deal_win(actor=people.north_a, deal_id=deal.pk)
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.stage is None and deal.probability == 100


# --- win, lose, reopen -----------------------------------------------------------------------------------------


def test_strict_is_won_only_from_the_last_stage_with_its_win_conditions(people, client_a):
    kind = kind_strict(win_conditions=["has_confirmed_order"])
    deal = make_deal(
        manager=people.north_a,
        partner=client_a,
        kind=kind,
        stage=stage_named(kind, "Proposal"),
        at=timezone.now() - datetime.timedelta(days=2),
    )
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_win(actor=people.north_a, deal_id=deal.pk)
    assert exc.value.message == "A deal of a strict process is won only from its last stage «Negotiation»."
    assert _snapshot(deal.pk) == before
    services.deal_move_to_stage(
        actor=people.north_a, deal_id=deal.pk, stage_id=stage_named(kind, "Negotiation").pk
    )
    quote = make_order(partner=client_a)
    services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=quote.pk)
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_win(actor=people.north_a, deal_id=deal.pk)
    assert exc.value.message == "The deal cannot be won: the deal needs a confirmed order linked to it."
    assert _snapshot(deal.pk) == before
    type(quote).objects.filter(pk=quote.pk).update(status="confirmed")
    at = timezone.now() + datetime.timedelta(minutes=5)
    services.deal_win(actor=people.north_a, deal_id=deal.pk, comment="Подписали", at=at)
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.closed_at, deal.stage.name) == ("won", 100, at, "Negotiation")
    row = DealStageChange.objects.filter(deal=deal).last()
    assert (row.from_status, row.to_status, row.from_stage, row.to_stage) == (
        "in_progress",
        "won",
        deal.stage,
        deal.stage,
    )


def test_manual_is_won_from_any_stage_but_keeps_win_conditions(people, client_a):
    kind = kind_manual(win_conditions=["has_amount"])
    deal = make_deal(manager=people.north_a, partner=client_a, kind=kind, amount=0)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_win(actor=people.north_a, deal_id=deal.pk)
    assert exc.value.message == "The deal cannot be won: the deal needs an expected amount above zero."
    services.deal_update(actor=people.north_a, deal_id=deal.pk, data={"amount": 10})
    services.deal_win(actor=people.north_a, deal_id=deal.pk)
    assert Deal.objects.get(pk=deal.pk).status == "won"


def test_lose_needs_a_reason(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    before = _snapshot(deal.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_lose(actor=people.north_a, deal_id=deal.pk, reason_id=None)
    assert exc.value.fields["reason_id"] == [
        "There are no reasons of loss yet: an administrator adds them in the deal settings."
    ]
    reason = loss_reason()
    with pytest.raises(ValidationFailed) as exc:
        services.deal_lose(actor=people.north_a, deal_id=deal.pk, reason_id=None)
    assert exc.value.fields["reason_id"] == ["Choose the reason of loss."]
    old = loss_reason("Old reason", is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_lose(actor=people.north_a, deal_id=deal.pk, reason_id=old.pk)
    assert exc.value.fields["reason_id"] == ["Choose an active reason of loss."]
    assert _snapshot(deal.pk) == before
    services.deal_lose(actor=people.north_a, deal_id=deal.pk, reason_id=reason.pk, comment="Дорого")
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.loss_reason, deal.loss_comment) == (
        "lost",
        0,
        reason,
        "Дорого",
    )
    assert deal.closed_at is not None and deal.stage.name == "Qualification"
    row = DealStageChange.objects.filter(deal=deal).last()
    assert (row.to_status, row.to_stage, row.comment) == ("lost", deal.stage, "Дорого")


def test_a_closed_deal_does_not_move_until_reopened(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a, status=DealStatus.LOST)
    second = stages_of(deal.kind)[1]
    before = _snapshot(deal.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=second.pk)
    assert exc.value.message == "The deal is lost: reopen it before moving it to another stage."
    for call in (services.deal_win, lambda **kw: services.deal_lose(reason_id=loss_reason().pk, **kw)):
        with pytest.raises(StageMoveRefused):
            call(actor=people.north_a, deal_id=deal.pk)
    assert _snapshot(deal.pk) == before
    services.deal_reopen(actor=people.north_a, deal_id=deal.pk)
    deal.refresh_from_db()
    assert (deal.status, deal.closed_at, deal.loss_reason, deal.probability) == (
        "in_progress",
        None,
        None,
        10,
    )
    row = DealStageChange.objects.filter(deal=deal).last()
    assert (row.from_status, row.to_status) == ("lost", "in_progress")
    services.deal_move_to_stage(actor=people.north_a, deal_id=deal.pk, stage_id=second.pk)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_reopen(actor=people.north_a, deal_id=deal.pk)
    assert exc.value.message == "The deal is in progress: only a won or lost deal can be reopened."


def test_won_deal_cannot_be_won_or_lost_again(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a, status=DealStatus.WON)
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_win(actor=people.north_a, deal_id=deal.pk)
    assert exc.value.message == "The deal is already won."
    with pytest.raises(StageMoveRefused) as exc:
        services.deal_lose(actor=people.north_a, deal_id=deal.pk, reason_id=loss_reason().pk)
    assert exc.value.message == "The deal is won: reopen it before marking it lost."


# --- participants, documents, demand -----------------------------------------------------------------------------


def test_participant_rules(people, client_a):
    from .factories import contact_role, partner_role

    deal = make_deal(manager=people.north_a, partner=client_a)
    dealer = PartnerFactory(manager=people.north_a)
    foreign = PartnerFactory(manager=people.south_a)
    cases = [
        ({}, "partner_id"),
        ({"partner_id": foreign.pk}, "partner_id"),
        ({"contact_id": contact_of(foreign).pk}, "contact_id"),
        ({"contact_id": contact_of(client_a).pk, "partner_role_id": partner_role().pk}, "partner_role_id"),
        ({"partner_id": dealer.pk, "contact_role_id": contact_role().pk}, "contact_role_id"),
        ({"partner_id": dealer.pk, "partner_role_id": 10**9}, "partner_role_id"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.deal_participant_add(actor=people.north_a, deal_id=deal.pk, **kwargs)
        assert field in exc.value.fields, kwargs
    assert not deal.participants.exists()
    person = contact_of(dealer, "Сидоров Семён")
    added = services.deal_participant_add(
        actor=people.north_a,
        deal_id=deal.pk,
        partner_id=dealer.pk,
        partner_role_id=partner_role().pk,
        contact_id=person.pk,
    )
    with pytest.raises(ValidationFailed) as exc:
        services.deal_participant_add(
            actor=people.north_a, deal_id=deal.pk, partner_id=dealer.pk, contact_id=person.pk
        )
    assert exc.value.fields["__all__"] == ["This participant is already in the deal."]
    entry = AuditEntry.objects.filter(object_id=str(deal.pk), action="update").get()
    assert entry.changes["participants"][1].startswith(dealer.name)
    with pytest.raises(Forbidden):
        services.deal_participant_remove(actor=people.director, deal_id=deal.pk, participant_id=added.pk)
    with pytest.raises(NotFound):
        services.deal_participant_remove(
            actor=people.north_a, deal_id=make_deal(manager=people.north_a).pk, participant_id=added.pk
        )
    services.deal_participant_remove(actor=people.north_a, deal_id=deal.pk, participant_id=added.pk)
    assert not deal.participants.exists()


def test_order_link_rules(people, client_a):
    deal = make_deal(manager=people.north_a, partner=client_a)
    invisible = make_order(partner=PartnerFactory(manager=people.south_a))
    with pytest.raises(ValidationFailed) as exc:
        services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=invisible.pk)
    assert exc.value.fields["order_id"] == ["Choose a quote or an order you can see."]
    quote = make_order(partner=client_a)
    services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=quote.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_order_link(actor=people.north_a, deal_id=deal.pk, order_id=quote.pk)
    assert exc.value.fields["order_id"] == [f"The order {quote.number} is already linked to this deal."]
    assert deal.order_links.count() == 1
    with pytest.raises(NotFound):
        services.deal_order_unlink(actor=people.north_a, deal_id=deal.pk, order_id=invisible.pk)
    services.deal_order_unlink(actor=people.north_a, deal_id=deal.pk, order_id=quote.pk)
    assert not deal.order_links.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"product_id": 10**9}, "product_id"),
        ({"quantity": Decimal("0")}, "quantity"),
        ({"quantity": Decimal("1.0005")}, "quantity"),
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"is_satisfied": False}, "reason_id"),
        ({"reason_id": "REASON"}, "reason_id"),  # a satisfied line has no reason
    ],
)
def test_demand_line_bad_input_saves_nothing(people, client_a, overrides, field):
    from klientura.deals.inputs import DemandLineInput

    from .factories import demand_reason

    deal = make_deal(manager=people.north_a, partner=client_a)
    if overrides.get("reason_id") == "REASON":
        overrides["reason_id"] = demand_reason().pk
    data = DemandLineInput(**{"description": "Шкаф", **overrides})
    with pytest.raises(ValidationFailed) as exc:
        services.deal_demand_line_add(actor=people.north_a, deal_id=deal.pk, data=data)
    assert field in exc.value.fields
    assert not deal.demand_lines.exists()


# --- the row lock: two managers moving one deal at once (PostgreSQL) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_are_serialised(departments):
    """The first move holds the deal's row until it commits; the second then sees the new stage and
    is refused, instead of both reading the old stage and writing two moves."""
    import threading
    import time

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers by locking the whole file")
    deal = make_deal(manager=departments.north_a)
    second = stages_of(deal.kind)[1]
    first_moved, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                services.deal_move_to_stage(actor=departments.north_a, deal_id=deal.pk, stage_id=second.pk)
                first_moved.set()
                time.sleep(0.5)  # still uncommitted while the other manager tries
            results["first"] = "moved"
        finally:
            first_moved.set()
            connections.close_all()

    def other():
        try:
            first_moved.wait(10)
            with translation.override("en"):  # a thread starts in the default language
                services.deal_move_to_stage(actor=departments.north_head, deal_id=deal.pk, stage_id=second.pk)
            results["other"] = "moved"
        except StageMoveRefused as exc:
            results["other"] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"first": "moved", "other": "The deal is already at stage «Needs analysis»."}
    assert DealStageChange.objects.filter(deal=deal).count() == 2
