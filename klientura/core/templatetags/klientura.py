from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (custom field values by code)."""
    if hasattr(mapping, "get"):
        return mapping.get(key)
    return None


@register.filter
def field_label(field_name, instance):
    """A model field's translated label for the History tab; the raw name for fields that are gone."""
    try:
        field = instance._meta.get_field(field_name)
    except FieldDoesNotExist:  # e.g. "shared_with", recorded by a service but not a column
        return field_name
    # A reverse relation ("participants" of a deal) has no label of its own: its model's plural is one.
    return getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name_plural
