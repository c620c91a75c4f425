"""The record-access rule, tested on the first real partner model."""

import pytest

from klientura.accounts.access import partner_scope
from klientura.parties.models import Partner, PartnerShare

pytestmark = pytest.mark.django_db


def visible(user):
    return set(partner_scope(Partner.objects.all(), user).values_list("name", flat=True))


@pytest.fixture
def world(departments, make_partner):
    d = departments
    make_partner(name="north_a's", manager=d.north_a)
    make_partner(name="north_b's", manager=d.north_b)
    make_partner(name="south_a's", manager=d.south_a)
    make_partner(name="exchange", manager=None, on_exchange=True)
    make_partner(name="orphan", manager=None)
    shared = make_partner(name="shared with north_a", manager=d.south_a)
    PartnerShare.objects.create(partner=shared, user=d.north_a)
    return d


def test_manager_sees_own_exchange_and_shared(world):
    assert visible(world.north_a) == {"north_a's", "exchange", "shared with north_a"}


def test_manager_does_not_see_a_colleagues_partners(world):
    assert "north_b's" not in visible(world.north_a)


def test_head_sees_the_department(world):
    assert visible(world.north_head) == {"north_a's", "north_b's", "exchange"}


def test_head_sees_sub_departments(world):
    from klientura.accounts.models import Department

    sub = Department.objects.create(name="Север-1", parent=world.north)
    world.south_a.department = sub
    world.south_a.save()
    assert {"south_a's", "shared with north_a"} <= visible(world.north_head)


@pytest.mark.parametrize("who", ["director", "admin", "marketer"])
def test_those_who_see_all(world, who):
    assert len(visible(getattr(world, who))) == 6


def test_user_without_role_sees_nothing(world):
    assert visible(world.nobody) == set()


def test_disabled_user_sees_nothing(world):
    world.director.is_active = False
    assert visible(world.director) == set()


def test_shared_partner_is_not_duplicated_by_several_shares(world):
    partner = Partner.objects.get(name="north_a's")
    PartnerShare.objects.create(partner=partner, user=world.north_b)
    PartnerShare.objects.create(partner=partner, user=world.south_a)
    names = list(partner_scope(Partner.objects.all(), world.north_a).values_list("name", flat=True))
    assert len(names) == len(set(names))
