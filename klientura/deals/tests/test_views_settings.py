"""The deal settings: only for those who manage deal classifiers (404 for everyone else); kinds with
their win conditions, stages with entry conditions and their order, the four classifier lists."""

import pytest
from django.urls import reverse

from ..models import ContactRole, DealKind, DemandReason, LossReason, PartnerRole, SalesStage
from .factories import kind_non_process, kind_strict
from .views_helpers import browser, deal_of, sales_team

SETTINGS = reverse("deals:settings")
NEW_KIND = reverse("deals:kind_new")


@pytest.fixture
def team(db):
    return sales_team()


def kind_url(kind) -> str:
    return reverse("deals:kind_edit", args=[kind.pk])


def positions(kind) -> list[str]:
    return list(kind.stages.order_by("position").values_list("name", flat=True))


@pytest.mark.parametrize("who", ["north_a", "north_head", "director", "marketer", "nobody"])
def test_settings_do_not_exist_for_others(team, who):
    client = browser(getattr(team, who))
    stage = team.stages[0]
    for address in (
        SETTINGS,
        NEW_KIND,
        kind_url(team.kind),
        reverse("deals:stage_edit", args=[team.kind.pk, stage.pk]),
        reverse("deals:classifier_list", args=["loss-reasons"]),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(NEW_KIND, {"name": "Взлом", "mode": "manual"}).status_code == 404
    assert (
        client.post(reverse("deals:stages_reorder", args=[team.kind.pk]), {"move": stage.pk}).status_code
        == 404
    )
    assert not DealKind.objects.filter(name="Взлом").exists()


def test_the_menu_shows_settings_only_to_those_who_manage_them(team):
    assert SETTINGS in browser(team.admin).get(reverse("deals:board")).content.decode()
    assert SETTINGS not in browser(team.north_a).get(reverse("deals:board")).content.decode()


def test_the_index_lists_kinds_and_classifier_lists(team):
    page = browser(team.admin).get(SETTINGS).content.decode()

    assert team.kind.name in page
    for slug in ("partner-roles", "contact-roles", "demand-reasons", "loss-reasons"):
        assert f'data-testid="list-{slug}"' in page


def test_a_kind_is_created_with_win_conditions_and_made_default(team):
    client = browser(team.admin)
    assert 'name="win_conditions"' in client.get(NEW_KIND).content.decode()

    response = client.post(
        NEW_KIND,
        {
            "name": "Проектная продажа",
            "mode": "manual",
            "description": "Долгие проекты",
            "win_conditions": ["has_confirmed_order", "has_contact"],
            "is_default": "on",
            "is_active": "on",
        },
    )

    kind = DealKind.objects.get(name="Проектная продажа")
    assert response["Location"] == kind_url(kind)
    assert (kind.mode, kind.win_conditions, kind.is_default) == (
        "manual",
        ["has_confirmed_order", "has_contact"],
        True,
    )
    team.kind.refresh_from_db()
    assert team.kind.is_default is False


def test_a_bad_kind_shows_the_service_message_and_saves_nothing(team):
    client = browser(team.admin)

    response = client.post(NEW_KIND, {"name": team.kind.name.upper(), "mode": "strict", "is_active": "on"})
    assert response.status_code == 200 and 'data-testid="error-name"' in response.content.decode()

    deal_of(team)
    response = client.post(
        kind_url(team.kind), {"name": team.kind.name, "mode": "non_process", "is_active": "on"}
    )
    assert 'data-testid="error-mode"' in response.content.decode()
    team.kind.refresh_from_db()
    assert team.kind.mode == "strict" and DealKind.objects.count() == 1


def test_stages_are_added_edited_with_conditions_and_reordered(team):
    client = browser(team.admin)
    page = client.get(kind_url(team.kind)).content.decode()
    assert page.count('data-testid="stage-row"') == 4

    client.post(
        reverse("deals:stage_new", args=[team.kind.pk]),
        {
            "name": "Договор",
            "probability": "90",
            "conditions": ["has_quote"],
            "is_active": "on",
        },
    )
    stage = SalesStage.objects.get(kind=team.kind, name="Договор")
    assert (stage.probability, stage.conditions) == (90, ["has_quote"])
    assert positions(team.kind)[-1] == "Договор"

    client.post(
        reverse("deals:stage_edit", args=[team.kind.pk, stage.pk]),
        {
            "name": "Договор",
            "probability": "95",
            "conditions": ["has_quote", "has_contact"],
            "is_active": "on",
        },
    )
    stage.refresh_from_db()
    assert (stage.probability, stage.conditions) == (95, ["has_quote", "has_contact"])

    reorder = reverse("deals:stages_reorder", args=[team.kind.pk])
    client.post(reorder, {"move": stage.pk, "direction": "up"})
    assert positions(team.kind)[-2:] == ["Договор", "Negotiation"]
    ids = list(team.kind.stages.order_by("-position").values_list("pk", flat=True))
    response = client.post(reorder, {"stage": ids}, HTTP_ACCEPT="application/json")
    assert response.json() == {"ok": True}
    assert positions(team.kind)[0] == "Negotiation"

    response = client.post(reorder, {"stage": ids[:2]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 422 and response.json()["error"]
    assert positions(team.kind)[0] == "Negotiation"


def test_a_stage_with_deals_in_progress_cannot_be_switched_off(team):
    deal_of(team)
    first = team.stages[0]

    response = browser(team.admin).post(
        reverse("deals:stage_edit", args=[team.kind.pk, first.pk]), {"name": first.name, "probability": "10"}
    )

    assert 'data-testid="error-is_active"' in response.content.decode()
    first.refresh_from_db()
    assert first.is_active


def test_a_non_process_kind_has_no_stage_list(team):
    simple = kind_non_process(name="Разовая")
    page = browser(team.admin).get(kind_url(simple)).content.decode()
    assert 'data-testid="stage-list"' not in page and 'data-testid="new-stage"' not in page


@pytest.mark.parametrize(
    "slug, model",
    [
        ("partner-roles", PartnerRole),
        ("contact-roles", ContactRole),
        ("demand-reasons", DemandReason),
        ("loss-reasons", LossReason),
    ],
)
def test_classifier_lists_add_edit_and_deactivate(team, slug, model):
    client = browser(team.admin)
    address = reverse("deals:classifier_list", args=[slug])
    model.objects.filter(name="Первая запись").delete()

    client.post(address, {"name": "Первая запись", "position": "1", "is_active": "on"})
    item = model.objects.get(name="Первая запись")
    assert "Первая запись" in client.get(address).content.decode()

    client.post(
        reverse("deals:classifier_edit", args=[slug, item.pk]), {"name": "Вторая запись", "is_active": "on"}
    )
    item.refresh_from_db()
    assert item.name == "Вторая запись"

    count = model.objects.count()
    response = client.post(address, {"name": "вторая запись", "is_active": "on"})
    assert 'data-testid="error-name"' in response.content.decode()
    assert model.objects.count() == count

    client.post(reverse("deals:classifier_toggle", args=[slug, item.pk]))
    item.refresh_from_db()
    assert item.is_active is False
    client.post(reverse("deals:classifier_toggle", args=[slug, item.pk]))
    item.refresh_from_db()
    assert item.is_active is True


def test_an_unknown_list_is_404(team):
    assert browser(team.admin).get(reverse("deals:classifier_list", args=["bogus"])).status_code == 404


def test_a_deactivated_loss_reason_is_no_longer_offered(team):
    deal = deal_of(team)
    client = browser(team.admin)
    client.post(reverse("deals:classifier_toggle", args=["loss-reasons", team.reason.pk]))

    page = browser(team.north_a).get(reverse("deals:deal_card", args=[deal.pk])).content.decode()

    assert team.reason.name not in page.split('id="lose-reason"')[1].split("</select>")[0]


def test_other_kinds_are_unaffected_by_a_reorder(team):
    other = kind_strict(name="Другой")
    before = positions(other)
    client = browser(team.admin)
    client.post(
        reverse("deals:stages_reorder", args=[team.kind.pk]), {"move": team.stages[0].pk, "direction": "down"}
    )
    assert positions(other) == before
