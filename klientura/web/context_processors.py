from django.urls import reverse

from .navigation import SECTIONS


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for key, label, icon, url_name in SECTIONS:
        url = reverse(url_name) if url_name else reverse("web:section", args=[key])
        items.append({"key": key, "label": label, "icon": icon, "url": url})
    return {"nav_sections": items}
