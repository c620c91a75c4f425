import factory

from klientura.parties.models import Partner
from klientura.parties.normalize import normalize_name


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f'ООО "Клиент {n}"')
    name_normalized = factory.LazyAttribute(lambda p: normalize_name(p.name))
    kind = "client"
