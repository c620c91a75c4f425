"""Forms of the zone pages: the administrator's thresholds and the filters of the dashboard, the moves
and the exchange pool. Forms only parse input; the order of the thresholds is the service's rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.parties.models import PartnerKind


class ZoneSettingsForm(forms.Form):
    yellow_after_months = forms.IntegerField(
        label=_("Yellow after, months"),
        help_text=_("A client with no contact for this many months turns yellow."),
    )
    red_after_months = forms.IntegerField(
        label=_("Red after, months"), help_text=_("From this many months without contact the client is red.")
    )
    exchange_after_months = forms.IntegerField(
        label=_("To the exchange after, months"),
        help_text=_("After more than this many months the client leaves its manager for the exchange."),
    )
    warn_days = forms.IntegerField(
        label=_("Warn managers, days ahead"),
        help_text=_("How many days before a client turns red or goes to the exchange its manager is warned."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-control", "inputmode": "numeric"})


class DashboardFilterForm(forms.Form):
    manager = forms.IntegerField(required=False, min_value=1)
    department = forms.IntegerField(required=False, min_value=1)
    weeks = forms.IntegerField(required=False, min_value=1, max_value=52)


class MovesFilterForm(DashboardFilterForm):
    since = forms.DateField(label=_("Since"), required=False)
    direction = forms.ChoiceField(
        required=False,
        choices=[("", _("All moves")), ("worse", _("For the worse")), ("better", _("For the better"))],
    )


class PoolFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *PartnerKind.choices])
    region = forms.IntegerField(required=False, min_value=1)
    manager = forms.IntegerField(required=False, min_value=1)


def cleaned(form: forms.Form) -> dict:
    """The valid part of a filter form: a malformed value is ignored, like the client list does."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v not in (None, "")}
