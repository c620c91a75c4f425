from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (custom field values by code)."""
    if hasattr(mapping, "get"):
        return mapping.get(key)
    return None
