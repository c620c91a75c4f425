from types import SimpleNamespace

import factory
from django.contrib.auth.models import Group

from klientura.accounts import roles
from klientura.accounts.models import Department, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Имя{n}")
    last_name = factory.Sequence(lambda n: f"Фамилия{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @classmethod
    def with_role(cls, role: str | None = roles.SALES_MANAGER, **kwargs) -> User:
        user = cls(**kwargs)
        if role:
            group = Group.objects.filter(name=role).first()
            if group is None:  # a flushed database (transactional tests) lost its groups
                roles.roles_sync()
                group = Group.objects.get(name=role)
            user.groups.add(group)
        return user


def department_pair() -> SimpleNamespace:
    """Two sales departments, each with a head and two managers, plus a director and an admin."""
    north = Department.objects.create(name="Север")
    south = Department.objects.create(name="Юг")
    ns = SimpleNamespace(north=north, south=south)
    ns.north_head = UserFactory.with_role(roles.HEAD_OF_SALES, username="north_head", department=north)
    ns.south_head = UserFactory.with_role(roles.HEAD_OF_SALES, username="south_head", department=south)
    north.head, south.head = ns.north_head, ns.south_head
    north.save()
    south.save()
    ns.north_a = UserFactory.with_role(roles.SALES_MANAGER, username="north_a", department=north)
    ns.north_b = UserFactory.with_role(roles.SALES_MANAGER, username="north_b", department=north)
    ns.south_a = UserFactory.with_role(roles.SALES_MANAGER, username="south_a", department=south)
    ns.director = UserFactory.with_role(roles.DIRECTOR, username="director")
    ns.admin = UserFactory.with_role(roles.ADMINISTRATOR, username="admin")
    ns.marketer = UserFactory.with_role(roles.MARKETER, username="marketer")
    ns.nobody = UserFactory.with_role(None, username="nobody")
    return ns
