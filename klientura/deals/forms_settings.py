"""Forms of the deal settings: kinds, their stages and the four classifier lists. They only parse; the
classifier services validate (unique names, probabilities, known condition codes, one default kind)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.interactions.forms import bootstrap_widgets

from . import conditions
from .models import ContactRole, DealKindMode, DemandReason, LossReason, PartnerRole

# The classifier lists of the settings, by the slug in their address.
CLASSIFIERS = {
    "partner-roles": (
        PartnerRole,
        _("Partner roles"),
        _("Who a partner is in a deal: a dealer, a designer, a supplier."),
    ),
    "contact-roles": (
        ContactRole,
        _("Contact roles"),
        _("Who a contact person is in a deal: the decision maker, the buyer, an expert."),
    ),
    "demand-reasons": (
        DemandReason,
        _("Reasons of unsatisfied demand"),
        _("Why what the client asked for could not be sold: out of stock, not in the range, the price."),
    ),
    "loss-reasons": (
        LossReason,
        _("Reasons of loss"),
        _("Why a deal was lost: the price, a competitor, no budget. Losing a deal requires one."),
    ),
}


class _CheckboxesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"


class DealKindForm(_CheckboxesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    mode = forms.ChoiceField(label=_("Stage control"), choices=DealKindMode.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    win_conditions = forms.MultipleChoiceField(
        label=_("Conditions to win"),
        required=False,
        choices=conditions.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Checked for every kind when a deal is marked won."),
    )
    is_default = forms.BooleanField(label=_("Default for leads and new deals"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].widget.attrs["class"] = "form-check-input"


class StageForm(_CheckboxesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    probability = forms.IntegerField(label=_("Probability, %"), initial=0)
    conditions = forms.MultipleChoiceField(
        label=_("Entry conditions"),
        required=False,
        choices=conditions.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Enforced in a strict process; shown as warnings in a manual one."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ClassifierForm(_CheckboxesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def to_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)
        return data


def kind_initial(kind) -> dict:
    return {
        "name": kind.name,
        "mode": kind.mode,
        "description": kind.description,
        "win_conditions": list(kind.win_conditions or []),
        "is_default": kind.is_default,
        "is_active": kind.is_active,
    }


def stage_initial(stage) -> dict:
    return {
        "name": stage.name,
        "probability": stage.probability,
        "conditions": list(stage.conditions or []),
        "is_active": stage.is_active,
    }
