"""The demo's people: two sales departments, their heads and managers, a director, a marketer, an admin.

User names are short and stable (admin, head1, manager3…) because the README and the demo's own
output tell people to log in with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from klientura.accounts import roles
from klientura.accounts.models import Department, User
from klientura.core.fake_ru import DEMO_USER_DOMAIN, fake_person

DEFAULT_PASSWORD = "klientura-demo"  # noqa: S105 - the demo's published password
MOSCOW = "Отдел продаж Москва"
REGIONS = "Отдел продаж Регионы"
UNCHANGED = "(unchanged)"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    department: str | None
    position: str


_HEAD = "Руководитель отдела продаж"
_MANAGER = "Менеджер по продажам"
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", roles.ADMINISTRATOR, None, "Администратор системы"),
    DemoUser("director", roles.DIRECTOR, None, "Коммерческий директор"),
    DemoUser("marketer", roles.MARKETER, None, "Маркетолог"),
    DemoUser("head1", roles.HEAD_OF_SALES, MOSCOW, _HEAD),
    DemoUser("manager1", roles.SALES_MANAGER, MOSCOW, _MANAGER),
    DemoUser("manager2", roles.SALES_MANAGER, MOSCOW, _MANAGER),
    DemoUser("manager3", roles.SALES_MANAGER, MOSCOW, _MANAGER),
    DemoUser("head2", roles.HEAD_OF_SALES, REGIONS, _HEAD),
    DemoUser("manager4", roles.SALES_MANAGER, REGIONS, _MANAGER),
    DemoUser("manager5", roles.SALES_MANAGER, REGIONS, _MANAGER),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


@dataclass(frozen=True)
class UserLine:
    """One line of the table the seed command prints."""

    username: str
    role: str
    department: str
    password: str


@dataclass(frozen=True)
class Staff:
    lines: tuple[UserLine, ...]
    managers: dict[str, tuple[int, ...]]  # department name -> ids of its sales managers


def demo_users_exist() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def staff_ensure(*, password: str) -> Staff:
    """Create the departments and the demo users that are missing; existing ones are left alone."""
    departments = {name: Department.objects.get_or_create(name=name)[0] for name in (MOSCOW, REGIONS)}
    existing = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    # One hash for all: they share the password, and hashing it ten times costs seconds.
    encoded = make_password(password)
    names = Random("klientura-demo-staff")
    lines, users = [], {}
    for spec in DEMO_USERS:
        person = fake_person(names, DEMO_USER_DOMAIN, today=date(2000, 1, 1), position=spec.position)
        user = existing.get(spec.username)
        if user is None:
            user = _user_create(spec, person, encoded, departments)
        users[spec.username] = user
        shown = UNCHANGED if spec.username in existing else password
        lines.append(UserLine(spec.username, str(roles.ROLE_LABELS[spec.role]), spec.department or "", shown))
    _heads_assign(departments, users)
    return Staff(lines=tuple(lines), managers=_managers_by_department(users))


def _user_create(spec: DemoUser, person, encoded_password: str, departments: dict) -> User:
    is_admin = spec.role == roles.ADMINISTRATOR
    user = User.objects.create(
        username=spec.username,
        password=encoded_password,
        first_name=person.first_name,
        last_name=person.last_name,
        email=f"{spec.username}@{DEMO_USER_DOMAIN}",
        department=departments.get(spec.department),
        position=spec.position,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    user.groups.add(Group.objects.get(name=spec.role))
    return user


def _heads_assign(departments: dict[str, Department], users: dict[str, User]) -> None:
    heads = {u.department: users[u.username] for u in DEMO_USERS if u.role == roles.HEAD_OF_SALES}
    for name, department in departments.items():
        if department.head_id is None:
            department.head = heads[name]
            department.save(update_fields=["head", "updated_at"])


def _managers_by_department(users: dict[str, User]) -> dict[str, tuple[int, ...]]:
    managers: dict[str, list[int]] = {MOSCOW: [], REGIONS: []}
    for spec in DEMO_USERS:
        if spec.role == roles.SALES_MANAGER:
            managers[spec.department].append(users[spec.username].pk)
    return {name: tuple(ids) for name, ids in managers.items()}
