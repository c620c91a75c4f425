"""Forms of the segment pages. They only parse what the browser sends: the rule builder posts the rules
tree as JSON in a hidden field; what the rules mean, the schedule and the name's uniqueness are
checked by services_segments (the same code the API calls)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import RefreshMode, Segment
from .schedule import PRESETS

EMPTY_RULES = {"op": "and", "negate": False, "items": []}


def parse_rules(text: str):
    """The posted rules tree, or None when it is not a JSON object."""
    try:
        rules = json.loads(text or "")
    except ValueError:
        return None
    return rules if isinstance(rules, dict) else None


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rules = forms.CharField(widget=forms.HiddenInput, required=False)
    refresh_mode = forms.ChoiceField(
        label=_("Refresh"), choices=RefreshMode.choices, widget=forms.RadioSelect, initial=RefreshMode.MANUAL
    )
    schedule = forms.CharField(
        label=_("Schedule"),
        max_length=100,
        required=False,
        help_text=_(
            "Five fields: minute, hour, day of month, month, day of week, in the server's time zone. "
            "Pick a preset or write your own."
        ),
    )

    presets = PRESETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["description"].widget.attrs.update({"class": "form-control"})
        self.fields["schedule"].widget.attrs.update(
            {"class": "form-control font-monospace", "list": "schedule-presets", "placeholder": "0 6 * * *"}
        )

    def clean_rules(self):
        rules = parse_rules(self.cleaned_data.get("rules"))
        if rules is None:
            raise forms.ValidationError(_("The rules could not be read. Reload the page and try again."))
        return rules


def segment_initial(segment: Segment | None) -> dict:
    if segment is None:
        return {"rules": json.dumps(EMPTY_RULES), "refresh_mode": RefreshMode.MANUAL}
    return {
        "name": segment.name,
        "description": segment.description,
        "rules": json.dumps(segment.rules or EMPTY_RULES, ensure_ascii=False),
        "refresh_mode": segment.refresh_mode,
        "schedule": segment.schedule,
    }


class ChangeFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Change"),
        required=False,
        choices=[("", _("Joined and left")), ("joined", _("Joined")), ("left", pgettext_lazy("segment change", "Left"))],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned
