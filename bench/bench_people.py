"""The benchmarks' users: found by login or created once with a role, unusable passwords."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from klientura.accounts.models import User


def bench_user(username: str, role: str, department=None, *, last_name: str = "Бенч") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username, password=make_password(None), first_name=username, last_name=last_name,
            department=department,
        )  # fmt: skip
        user.groups.add(Group.objects.get(name=role))
    return user
