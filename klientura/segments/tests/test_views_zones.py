"""The zone pages: the dashboard for heads (404 for the others, as the deal reports), its cells and
links, the moves, the exchange pool and its one-click Take (the loser of a race reads why, the winner's
row disappears), the administrator's thresholds (refused out of order, nothing saved), the zone badge
in the client list and on the card, and a partner's zone history."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klientura.core.models import AuditEntry
from klientura.parties.models import Partner, Zone
from klientura.segments.models import ExchangeRelease, ZoneChange, ZoneSettings
from klientura.segments.selectors_zones import week_start
from klientura.segments.zone_rules import zone_settings_get

from .zone_helpers import change, released, snapshot, zoned

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("zones:dashboard")
POOL = reverse("zones:exchange")
SETTINGS = reverse("zones:settings")
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def take_url(partner) -> str:
    return reverse("zones:exchange_take", args=[partner.pk])


@pytest.fixture
def team(departments):
    d = departments
    d.a_green = zoned(d.north_a, Zone.GREEN, 2)
    d.a_yellow = zoned(d.north_a, Zone.YELLOW, name="ООО «Жёлтый»")[0]
    d.south_red = zoned(d.south_a, Zone.RED, name="ООО «Южный красный»")[0]
    d.pool = released(d.north_a, name="ООО «Ничей»")
    return d


# --- The dashboard -------------------------------------------------------------------------------


def test_the_head_sees_the_board_of_their_department_with_links(team):
    html = browser(team.north_head).get(DASHBOARD).content.decode()
    assert 'data-testid="zone-board"' in html
    a = team.north_a.pk
    assert f'data-testid="zone-cell-{a}-green"' in html
    assert f'href="/clients/?manager={a}&amp;zone=green">2</a>' in html
    assert f'href="/clients/?manager={a}&amp;zone=yellow">1</a>' in html
    assert f'href="{POOL}?manager={a}">1</a>' in html  # the exchange cell: released from north_a
    assert f"zone-cell-{team.south_a.pk}-" not in html
    assert 'data-testid="pool-size">1<' in html
    assert 'data-testid="trend-empty"' in html  # no snapshots yet: a friendly word, no chart


def test_another_head_sees_nothing_of_ours(team):
    client = browser(team.south_head)
    html = client.get(DASHBOARD).content.decode()
    assert f"zone-cell-{team.north_a.pk}-" not in html
    assert f'data-testid="zone-cell-{team.south_a.pk}-red"' in html
    # Our manager asked for by id: as if there were none.
    assert client.get(DASHBOARD, {"manager": team.north_a.pk}).status_code == 404


@pytest.mark.parametrize("who", ["north_a", "marketer", "nobody"])
def test_the_dashboard_and_moves_do_not_exist_without_the_permission(team, who):
    client = browser(getattr(team, who))
    assert client.get(DASHBOARD).status_code == 404
    assert client.get(reverse("zones:moves")).status_code == 404


def test_the_dashboard_draws_the_trend_and_the_moves_of_the_week(team):
    today = timezone.localdate()
    snapshot(week_start(today) - datetime.timedelta(days=1), team.north_a, green=1, yellow=3)
    snapshot(today, team.north_a, green=2, yellow=1)
    moved = change(team.a_yellow, team.north_a, Zone.GREEN, Zone.YELLOW, on=today)
    html = browser(team.north_head).get(DASHBOARD).content.decode()
    assert 'id="zone-trend-data"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert f'data-testid="move-{moved.pk}"' in html
    assert "ООО «Жёлтый»" in html
    # Week over week for north_a: green 1 → 2 (up, good), yellow 3 → 1 (down, good).
    assert 'class="zone-delta good"' in html and "+1" in html and "-2" in html


def test_the_moves_page_lists_and_pages(team):
    changes = [
        change(p, team.north_a, Zone.YELLOW, Zone.GREEN, on=timezone.localdate()) for p in team.a_green
    ]
    client = browser(team.north_head)
    html = client.get(reverse("zones:moves")).content.decode()
    assert all(f'data-testid="move-{c.pk}"' in html for c in changes)
    old = client.get(reverse("zones:moves"), {"since": "2001-01-01", "direction": "worse"}).content.decode()
    assert 'data-testid="empty-state"' in old


# --- The exchange pool and the take --------------------------------------------------------------


@pytest.mark.parametrize("who", ["north_a", "south_a", "south_head", "director"])
def test_the_pool_is_shown_to_every_sales_user(team, who):
    html = browser(getattr(team, who)).get(POOL).content.decode()
    assert f'data-testid="exchange-row-{team.pool.pk}"' in html
    assert "ООО «Ничей»" in html and str(team.north_a) in html  # who had it
    can_take = who != "director"
    assert (f'data-testid="take-{team.pool.pk}"' in html) is can_take


@pytest.mark.parametrize("who", ["marketer", "nobody"])
def test_the_pool_does_not_exist_for_others(team, who):
    assert browser(getattr(team, who)).get(POOL).status_code == 404


def test_the_pool_shows_a_partner_put_there_without_a_release_record(team, make_partner):
    """Imported or seeded partners can be on the exchange with no release behind them (nobody to
    name, no date): the pool shows them with dashes, and once rendered this page failed on them."""
    orphan = make_partner(name="ООО «Из импорта»", manager=None, on_exchange=True, zone=Zone.EXCHANGE)
    response = browser(team.south_a).get(POOL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="exchange-row-{orphan.pk}"' in html and f'data-testid="take-{orphan.pk}"' in html


def test_the_pool_is_empty_with_a_kind_word(departments):
    html = browser(departments.north_a).get(POOL).content.decode()
    assert 'data-testid="empty-state"' in html


def test_take_by_htmx_removes_the_row_and_the_loser_reads_why(team):
    won = browser(team.south_a).post(take_url(team.pool), **HTMX)
    assert won.status_code == 200
    body = won.content.decode()
    assert 'hx-swap-oob="true"' in body and "exchange-row" not in body  # the row is replaced by nothing
    partner = Partner.objects.get(pk=team.pool.pk)
    assert partner.manager == team.south_a and not partner.on_exchange and partner.zone == Zone.GREEN
    assert ExchangeRelease.objects.get(partner=partner).taken_by == team.south_a

    lost = browser(team.north_b).post(take_url(team.pool), **HTMX)
    assert lost.status_code == 200
    assert lost["HX-Retarget"] == f"#take-cell-{team.pool.pk}"
    assert f'data-testid="take-refused-{team.pool.pk}"' in lost.content.decode()
    assert "already been taken" in lost.content.decode()
    partner.refresh_from_db()
    assert partner.manager == team.south_a  # nothing changed for the loser
    assert ZoneChange.objects.filter(partner=partner).count() == 1


def test_take_without_htmx_goes_to_the_card(team):
    response = browser(team.north_b).post(take_url(team.pool))
    assert response.status_code == 302 and response["Location"] == reverse(
        "parties:partner_card", args=[team.pool.pk]
    )
    again = browser(team.south_a).post(take_url(team.pool), follow=True)
    assert again.redirect_chain[-1][0] == POOL
    assert "already been taken" in again.content.decode()
    assert Partner.objects.get(pk=team.pool.pk).manager == team.north_b


def test_take_is_refused_to_those_without_the_right_and_by_get(team):
    assert browser(team.director).post(take_url(team.pool)).status_code == 404
    assert browser(team.north_a).get(take_url(team.pool)).status_code == 405
    # Not on the exchange: someone's own client cannot be taken.
    assert browser(team.north_b).post(take_url(team.a_yellow)).status_code == 404
    assert Partner.objects.get(pk=team.pool.pk).on_exchange
    assert Partner.objects.get(pk=team.a_yellow.pk).manager == team.north_a


def test_pool_page_takes_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    client = browser(team.south_a)
    client.get(POOL)
    for _ in range(10):
        released(team.north_b)
    with django_assert_max_num_queries(16):
        assert client.get(POOL).status_code == 200


# --- The thresholds ------------------------------------------------------------------------------


def test_settings_refuse_thresholds_out_of_order_and_save_nothing(team):
    before = zone_settings_get()
    audit = AuditEntry.objects.count()
    data = {"yellow_after_months": 3, "red_after_months": 2, "exchange_after_months": 1, "warn_days": 7}
    response = browser(team.admin).post(SETTINGS, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-red_after_months"' in html
    assert 'data-testid="error-exchange_after_months"' in html
    assert 'data-testid="error-yellow_after_months"' not in html
    after = ZoneSettings.objects.get(pk=before.pk)
    assert (after.yellow_after_months, after.red_after_months, after.exchange_after_months) == (1, 5, 6)
    assert AuditEntry.objects.count() == audit


def test_settings_refuse_a_non_number_field_by_field(team):
    data = {"yellow_after_months": "x", "red_after_months": 5, "exchange_after_months": 6, "warn_days": 7}
    html = browser(team.admin).post(SETTINGS, data).content.decode()
    assert 'data-testid="error-yellow_after_months"' in html
    assert zone_settings_get().yellow_after_months == 1


def test_settings_save_in_order(team):
    data = {"yellow_after_months": 2, "red_after_months": 4, "exchange_after_months": 8, "warn_days": 5}
    response = browser(team.admin).post(SETTINGS, data)
    assert response.status_code == 302
    settings = zone_settings_get()
    assert (settings.yellow_after_months, settings.red_after_months, settings.exchange_after_months) == (
        2,
        4,
        8,
    )
    assert settings.warn_days == 5


@pytest.mark.parametrize("who", ["north_head", "director", "north_a"])
def test_settings_are_the_administrators(team, who):
    assert browser(getattr(team, who)).get(SETTINGS).status_code == 404


# --- The colour in the client list and on the card -----------------------------------------------


def test_the_client_list_rows_show_the_zone_badge(team):
    html = browser(team.north_a).get(reverse("parties:partner_list")).content.decode()
    assert 'data-testid="zone-badge" data-zone="yellow"' in html
    assert 'data-testid="zone-badge" data-zone="exchange"' in html  # the partner on the exchange
    filtered = browser(team.north_a).get(reverse("parties:partner_list"), {"zone": "yellow"}).content.decode()
    assert "ООО «Жёлтый»" in filtered and "ООО «Ничей»" not in filtered


def test_the_card_shows_the_zone_and_the_take_button(team):
    card = browser(team.north_b).get(reverse("parties:partner_card", args=[team.pool.pk])).content.decode()
    assert 'data-testid="zone-badge" data-zone="exchange"' in card
    assert f'data-testid="take-{team.pool.pk}"' in card
    assert reverse("zones:partner_history", args=[team.pool.pk]) in card
    own = browser(team.north_a).get(reverse("parties:partner_card", args=[team.a_yellow.pk])).content.decode()
    assert 'data-zone="yellow"' in own and "last contact" in own and "take-" not in own
    director = (
        browser(team.director).get(reverse("parties:partner_card", args=[team.pool.pk])).content.decode()
    )
    assert f'data-testid="take-{team.pool.pk}"' not in director  # sees it, may not take it


def test_the_partner_zone_history_page(team):
    change(team.pool, team.north_a, Zone.RED, Zone.EXCHANGE)
    url = reverse("zones:partner_history", args=[team.pool.pk])
    html = browser(team.south_a).get(url).content.decode()
    assert 'data-testid="zone-changes"' in html and 'data-testid="zone-releases"' in html
    assert "No contact" in html or "no contact" in html
    hidden = reverse("zones:partner_history", args=[team.a_yellow.pk])
    assert browser(team.south_a).get(hidden).status_code == 404
