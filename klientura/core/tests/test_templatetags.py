from django.utils import translation

from klientura.core.templatetags.klientura import field_label
from klientura.parties.models import Partner


def test_field_label_names_columns_reverse_relations_and_fields_that_are_gone():
    partner = Partner(name="ООО «Ромашка»")
    with translation.override("en"):
        assert str(field_label("manager", partner)) == "lead manager"
        # A reverse relation recorded by a service (a deal's "participants") is named by its model's plural.
        assert str(field_label("counterparties", partner)) == "counterparties"
        assert field_label("shared_with", partner) == "shared_with"
