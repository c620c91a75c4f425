"""Deal classifiers: kinds, stages, roles and reasons — validation, one default kind, stage order,
and changes that would break existing deals refused."""

import pytest
from django.utils import translation

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.deals.models import ContactRole, DealKind, DemandReason, LossReason, PartnerRole, SalesStage
from klientura.deals.services_classifiers import classifier_save, deal_kind_save, stage_save, stages_reorder

from .factories import kind_manual, kind_non_process, kind_strict, make_deal, stage_named, stages_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin(departments):
    return departments.admin


def _kinds():
    return list(DealKind.objects.order_by("pk").values_list("name", "mode", "is_default", "is_active"))


def test_kind_is_created_and_audited(admin):
    kind = deal_kind_save(
        actor=admin,
        data={"name": " Типовая продажа ", "mode": "strict", "win_conditions": ["has_confirmed_order"]},
    )
    assert (kind.name, kind.mode, kind.win_conditions) == (
        "Типовая продажа",
        "strict",
        ["has_confirmed_order"],
    )
    assert AuditEntry.objects.filter(object_id=str(kind.pk), action="create").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "mode": "strict"}, "name"),
        ({"mode": "strict"}, "name"),
        ({"name": "X"}, "mode"),
        ({"name": "X", "mode": "chaos"}, "mode"),
        ({"name": "X", "mode": "strict", "win_conditions": ["has_unicorn"]}, "win_conditions"),
        ({"name": "X", "mode": "strict", "win_conditions": "has_quote"}, "win_conditions"),
        ({"name": "X", "mode": "strict", "is_default": True, "is_active": False}, "is_default"),
        ({"name": "X", "mode": "strict", "colour": "red"}, "colour"),
    ],
)
def test_kind_bad_input_saves_nothing(admin, data, field):
    before = _kinds()
    with pytest.raises(ValidationFailed) as exc:
        deal_kind_save(actor=admin, data=data)
    assert field in exc.value.fields
    assert _kinds() == before


def test_kind_names_are_unique_whatever_the_case(admin):
    kind_strict(name="Типовая продажа")
    with pytest.raises(ValidationFailed) as exc:
        deal_kind_save(actor=admin, data={"name": "ТИПОВАЯ ПРОДАЖА", "mode": "manual"})
    assert exc.value.fields["name"] == ["The name «ТИПОВАЯ ПРОДАЖА» is already used."]


def test_unknown_condition_message_names_it(admin):
    with pytest.raises(ValidationFailed) as exc:
        deal_kind_save(
            actor=admin, data={"name": "X", "mode": "strict", "win_conditions": ["has_quote", "nope"]}
        )
    assert exc.value.fields["win_conditions"] == ["Unknown conditions: nope."]


def test_only_one_default_kind(admin):
    first = deal_kind_save(actor=admin, data={"name": "A", "mode": "strict", "is_default": True})
    second = deal_kind_save(actor=admin, data={"name": "B", "mode": "manual", "is_default": True})
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    with pytest.raises(ValidationFailed):  # the default cannot be switched off
        deal_kind_save(actor=admin, kind_id=second.pk, data={"is_active": False})
    assert DealKind.objects.get(pk=second.pk).is_active


def test_mode_change_across_non_process_refused_when_deals_exist(admin):
    strict = kind_strict()
    deal_kind_save(actor=admin, kind_id=strict.pk, data={"mode": "manual"})  # no deals: anything goes
    deal_kind_save(actor=admin, kind_id=strict.pk, data={"mode": "strict"})
    make_deal(kind=strict)
    deal_kind_save(actor=admin, kind_id=strict.pk, data={"mode": "manual"})  # stages stay stages
    with pytest.raises(ValidationFailed) as exc:
        deal_kind_save(actor=admin, kind_id=strict.pk, data={"mode": "non_process"})
    assert "already has deals" in exc.value.fields["mode"][0]
    plain = kind_non_process()
    make_deal(kind=plain)
    with pytest.raises(ValidationFailed):
        deal_kind_save(actor=admin, kind_id=plain.pk, data={"mode": "strict"})
    assert DealKind.objects.get(pk=strict.pk).mode == "manual"
    assert DealKind.objects.get(pk=plain.pk).mode == "non_process"


def test_classifiers_need_the_permission(departments):
    kind = kind_strict()
    for actor in (departments.north_head, departments.director, departments.north_a):
        with pytest.raises(Forbidden):
            deal_kind_save(actor=actor, data={"name": "X", "mode": "strict"})
        with pytest.raises(Forbidden):
            stage_save(actor=actor, kind_id=kind.pk, data={"name": "New"})
        with pytest.raises(Forbidden):
            classifier_save(actor=actor, model=LossReason, data={"name": "Дорого"})
    assert not LossReason.objects.exists() and kind.stages.count() == 4


# --- stages ----------------------------------------------------------------------------------------


def test_new_stage_goes_last(admin):
    kind = kind_strict()
    stage = stage_save(
        actor=admin,
        kind_id=kind.pk,
        data={"name": "Contract", "probability": 90, "conditions": ["has_quote"]},
    )
    assert [s.name for s in stages_of(kind)][-1] == "Contract"
    assert (stage.probability, stage.conditions) == (90, ["has_quote"])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "probability": 10}, "name"),
        ({"name": "proposal"}, "name"),  # the kind has «Proposal» already
        ({"name": "X", "probability": 101}, "probability"),
        ({"name": "X", "probability": -1}, "probability"),
        ({"name": "X", "probability": "50"}, "probability"),
        ({"name": "X", "conditions": ["bogus"]}, "conditions"),
        ({"name": "X", "position": 3}, "position"),
    ],
)
def test_stage_bad_input_saves_nothing(admin, data, field):
    kind = kind_strict()
    with pytest.raises(ValidationFailed) as exc:
        stage_save(actor=admin, kind_id=kind.pk, data=data)
    assert field in exc.value.fields
    assert kind.stages.count() == 4


def test_same_stage_name_in_another_kind_is_fine(admin):
    kind_strict()
    other = kind_manual(stages=())
    assert stage_save(actor=admin, kind_id=other.pk, data={"name": "Proposal"}).kind == other


def test_stage_changes_and_refuses_switching_off_a_busy_one(admin):
    kind = kind_strict()
    proposal = stage_named(kind, "Proposal")
    stage_save(actor=admin, kind_id=kind.pk, stage_id=proposal.pk, data={"probability": 55})
    assert SalesStage.objects.get(pk=proposal.pk).probability == 55
    make_deal(kind=kind, stage=proposal)
    make_deal(kind=kind, stage=proposal, status="lost")
    with pytest.raises(ValidationFailed) as exc:
        stage_save(actor=admin, kind_id=kind.pk, stage_id=proposal.pk, data={"is_active": False})
    assert exc.value.fields["is_active"] == [
        "1 deals in progress are at stage «Proposal»: move them before switching it off."
    ]
    assert SalesStage.objects.get(pk=proposal.pk).is_active
    negotiation = stage_named(kind, "Negotiation")
    stage_save(actor=admin, kind_id=kind.pk, stage_id=negotiation.pk, data={"is_active": False})
    assert not SalesStage.objects.get(pk=negotiation.pk).is_active


def test_non_process_kind_has_no_stages(admin):
    kind = kind_non_process()
    with pytest.raises(ValidationFailed):
        stage_save(actor=admin, kind_id=kind.pk, data={"name": "Step"})
    assert not kind.stages.exists()


def test_stage_of_another_kind_is_not_found(admin):
    kind, other = kind_strict(), kind_strict()
    with pytest.raises(NotFound):
        stage_save(actor=admin, kind_id=kind.pk, stage_id=stages_of(other)[0].pk, data={"probability": 1})


def test_reorder_stages(admin):
    kind = kind_strict()
    q, n, p, neg = stages_of(kind)
    stages_reorder(actor=admin, kind_id=kind.pk, stage_ids=[n.pk, q.pk, neg.pk, p.pk])
    assert [s.name for s in stages_of(kind)] == ["Needs analysis", "Qualification", "Negotiation", "Proposal"]
    entry = AuditEntry.objects.filter(object_id=str(kind.pk), content_type__model="dealkind").get()
    assert entry.changes["stages"][1] == ["Needs analysis", "Qualification", "Negotiation", "Proposal"]


@pytest.mark.parametrize("which", ["missing", "duplicate", "foreign", "junk"])
def test_reorder_must_list_every_stage_once(admin, which):
    kind = kind_strict()
    ids = [s.pk for s in stages_of(kind)]
    bad = {
        "missing": ids[:-1],
        "duplicate": [*ids[:-1], ids[0]],
        "foreign": [*ids[:-1], stages_of(kind_strict())[0].pk],
        "junk": [*ids[:-1], "x"],
    }[which]
    with pytest.raises(ValidationFailed) as exc:
        stages_reorder(actor=admin, kind_id=kind.pk, stage_ids=bad)
    assert "stage_ids" in exc.value.fields
    assert [s.pk for s in stages_of(kind)] == ids


# --- roles and reasons -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [PartnerRole, ContactRole, DemandReason, LossReason])
def test_classifier_create_change_and_validate(admin, model):
    item = classifier_save(actor=admin, model=model, data={"name": "Первый", "position": 2})
    classifier_save(actor=admin, model=model, item_id=item.pk, data={"is_active": False})
    item.refresh_from_db()
    assert (item.name, item.position, item.is_active) == ("Первый", 2, False)
    for data, field in (
        ({"name": "первый"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "B", "position": -1}, "position"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            classifier_save(actor=admin, model=model, data=data)
        assert field in exc.value.fields
    assert model.objects.count() == 1
    with pytest.raises(NotFound):
        classifier_save(actor=admin, model=model, item_id=10**9, data={"name": "Z"})
