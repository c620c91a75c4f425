from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import PartnerFilters, partner_list


@login_required
def partner_list_view(request):
    page = partner_list(
        actor=request.user,
        filters=PartnerFilters(q=request.GET.get("q", "")),
        cursor=request.GET.get("cursor"),
    )
    return render(request, "parties/partner_list.html", {"page": page, "section": "clients"})
