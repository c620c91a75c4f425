"""The client card's Documents and Finance tabs, registered with klientura.parties.card_tabs."""

from django import forms
from django.utils import timezone

from klientura.parties import card_tabs

from .selectors_partner import DOCUMENT_KINDS, partner_documents, partner_finance


class _DocumentFilter(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in DOCUMENT_KINDS])
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)


def documents_tab(*, request, partner):
    form = _DocumentFilter(request.GET)
    cd = form.cleaned_data if form.is_valid() else {}
    documents = []
    if request.user.has_perm("sales.view_order"):
        documents = partner_documents(
            actor=request.user,
            partner=partner,
            kind=cd.get("kind") or "",
            date_from=cd.get("date_from"),
            date_to=cd.get("date_to"),
        )
    return "sales/_tab_documents.html", {"documents": documents, "doc_filters": cd}


def finance_tab(*, request, partner):
    today = timezone.localdate()
    finance = {}
    if request.user.has_perm("sales.view_order"):
        finance = partner_finance(actor=request.user, partner=partner, on=today)
    return "sales/_tab_finance.html", {"finance": finance, "today": today}


def register() -> None:
    card_tabs.register("documents", documents_tab)
    card_tabs.register("finance", finance_tab)
