"""Forms of the deal pages. They parse the browser's input into the services' inputs; the rules live in
the services, so the web and the API can never disagree."""

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.core.money import CURRENCY_CHOICES, DEFAULT_CURRENCY
from klientura.interactions.forms import bootstrap_widgets

from .inputs import DealFilters, DealInput, DemandLineInput
from .models import DealStatus

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _person(user) -> str:
    return user.get_full_name() or user.username


class DealFilterForm(forms.Form):
    """The filters of the board and the list, read from the query string so a view can be bookmarked."""

    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", ""), *DealStatus.choices])
    kind = forms.IntegerField(required=False, min_value=1)
    stage = forms.IntegerField(required=False, min_value=1)
    manager = forms.IntegerField(required=False, min_value=1)
    department = forms.IntegerField(required=False, min_value=1)
    partner = forms.IntegerField(required=False, min_value=1)
    mine = forms.BooleanField(required=False)
    closed = forms.BooleanField(required=False)  # the board: show deals closed in the last 30 days
    closing_from = forms.DateField(required=False)
    closing_to = forms.DateField(required=False)
    created_from = forms.DateField(required=False)
    created_to = forms.DateField(required=False)

    def values(self) -> dict:
        """What was understood; a malformed value is dropped rather than failing the whole page."""
        if self.is_valid():
            return self.cleaned_data
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def to_filters(self, *, actor) -> DealFilters:
        cd = self.values()
        return DealFilters(
            status=cd.get("status") or "",
            kind_id=cd.get("kind"),
            stage_id=cd.get("stage"),
            manager_id=actor.pk if cd.get("mine") else cd.get("manager"),
            department_id=cd.get("department"),
            partner_id=cd.get("partner"),
            query=(cd.get("q") or "").strip(),
            closing_from=cd.get("closing_from"),
            closing_to=cd.get("closing_to"),
            created_from=cd.get("created_from"),
            created_to=cd.get("created_to"),
        )


class DealForm(forms.Form):
    """A new deal or the editable fields of an existing one (the kind is chosen once, at creation)."""

    partner = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.TypedChoiceField(label=_("Deal kind"), coerce=int, required=False, empty_value=None)
    manager = forms.TypedChoiceField(
        label=_("Responsible manager"), coerce=int, required=False, empty_value=None
    )
    contact = forms.TypedChoiceField(label=_("Contact person"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(label=_("Expected amount"), max_digits=15, decimal_places=2, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE_WIDGET)
    probability = forms.IntegerField(
        label=_("Probability, %"),
        required=False,
        help_text=_("Leave empty to take the stage's probability."),
    )
    source = forms.TypedChoiceField(
        label=_("Information source"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, kinds=(), managers=(), contacts=(), sources=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
        else:
            self.fields["kind"].choices = [(k.pk, k.name) for k in kinds]
        self.fields["manager"].choices = [(u.pk, _person(u)) for u in managers]
        self.fields["contact"].choices = [("", "—"), *((c.pk, c.full_name) for c in contacts)]
        self.fields["source"].choices = [("", "—"), *((s.pk, s.name) for s in sources)]
        bootstrap_widgets(self)

    def to_input(self) -> DealInput:
        cd = self.cleaned_data
        return DealInput(
            partner_id=cd["partner"],
            title=cd["title"],
            kind_id=cd.get("kind"),
            manager_id=cd.get("manager"),
            contact_id=cd.get("contact"),
            amount=cd.get("amount") if cd.get("amount") is not None else DealInput.amount,
            currency=cd.get("currency") or DEFAULT_CURRENCY,
            expected_close_date=cd.get("expected_close_date"),
            probability=cd.get("probability"),
            source_id=cd.get("source"),
            description=cd.get("description") or "",
        )

    def to_changes(self) -> dict:
        """The fields for deal_update, named as the Deal's columns (foreign keys by their ids)."""
        cd = self.cleaned_data
        changes = {
            "title": cd["title"],
            "manager_id": cd.get("manager"),
            "contact_id": cd.get("contact"),
            "amount": cd.get("amount") if cd.get("amount") is not None else DealInput.amount,
            "currency": cd.get("currency") or DEFAULT_CURRENCY,
            "expected_close_date": cd.get("expected_close_date"),
            "probability": cd.get("probability"),
            "source_id": cd.get("source"),
            "description": cd.get("description") or "",
        }
        if changes["probability"] is None:  # empty: keep the deal's probability
            del changes["probability"]
        return changes


def initial_from_deal(deal) -> dict:
    return {
        "partner": deal.partner_id,
        "title": deal.title,
        "manager": deal.manager_id,
        "contact": deal.contact_id,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "probability": deal.probability,
        "source": deal.source_id,
        "description": deal.description,
    }


class MoveForm(forms.Form):
    stage = forms.IntegerField(min_value=1, error_messages={"required": _("Choose a stage.")})
    comment = forms.CharField(required=False, max_length=500)


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, max_length=500)


class LoseForm(forms.Form):
    # The reason is required by the service; the form only parses, so a missing one reaches the
    # service and comes back with its message (the same words as the API's).
    reason = forms.IntegerField(required=False, min_value=1)
    comment = forms.CharField(required=False, max_length=2000)


class ParticipantForm(forms.Form):
    partner = forms.IntegerField(required=False, min_value=1)
    partner_role = forms.IntegerField(required=False, min_value=1)
    contact = forms.IntegerField(required=False, min_value=1)
    contact_role = forms.IntegerField(required=False, min_value=1)
    comment = forms.CharField(required=False, max_length=300)


class OrderLinkForm(forms.Form):
    order = forms.IntegerField(min_value=1, error_messages={"required": _("Choose an order.")})


class DemandLineForm(forms.Form):
    product = forms.IntegerField(required=False, min_value=1)
    description = forms.CharField(required=False, max_length=300)
    quantity = forms.DecimalField(required=False, max_digits=15, decimal_places=3)
    amount = forms.DecimalField(required=False, max_digits=15, decimal_places=2)
    unsatisfied = forms.BooleanField(required=False)
    reason = forms.IntegerField(required=False, min_value=1)

    def to_input(self) -> DemandLineInput:
        cd = self.cleaned_data
        return DemandLineInput(
            product_id=cd.get("product"),
            description=(cd.get("description") or "").strip(),
            quantity=cd["quantity"] if cd.get("quantity") is not None else DemandLineInput.quantity,
            amount=cd["amount"] if cd.get("amount") is not None else DemandLineInput.amount,
            is_satisfied=not cd.get("unsatisfied"),
            reason_id=cd.get("reason"),
        )


def form_error_text(form: forms.Form) -> str:
    """A bound form's errors in one line, for a flash message on a page that shows no form."""
    return " ".join(str(m) for messages in form.errors.values() for m in messages)
