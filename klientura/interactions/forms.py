"""Forms of the event pages. They parse the browser's input into the services' inputs; the rules
live in the services, so the web and the API can never disagree."""

import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.parties.models import Tag

from .inputs import EventInput, ParticipantInput, ReminderInput, SubjectRef
from .models import Direction, EventKind, EventStatus, Importance

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
REMINDER_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the start")),
    ("5", _("5 minutes before")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
    ("exact", _("At a set time")),
]
_NAME_AND_EMAIL = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^>]+)>\s*$")


class EventFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    open = forms.BooleanField(required=False)
    overdue = forms.BooleanField(required=False)
    responsible = forms.IntegerField(required=False, min_value=1)
    partner = forms.IntegerField(required=False, min_value=1)
    kind = forms.MultipleChoiceField(required=False, choices=EventKind.choices)
    importance = forms.ChoiceField(required=False, choices=[("", ""), *Importance.choices])
    status = forms.ChoiceField(required=False, choices=[("", ""), *EventStatus.choices])
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    tag = forms.IntegerField(required=False, min_value=1)
    group = forms.ChoiceField(required=False, choices=[("", ""), ("subject", "")])


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices, initial=EventKind.CALL)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUTGOING)
    title = forms.CharField(label=_("Topic"), max_length=300)
    partner = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(required=False, widget=forms.HiddenInput)
    contact = forms.TypedChoiceField(label=_("Contact person"), required=False, coerce=int, empty_value=None)
    responsible = forms.TypedChoiceField(label=_("Responsible"), coerce=int)
    importance = forms.ChoiceField(
        label=_("Importance"), choices=Importance.choices, initial=Importance.NORMAL
    )
    status = forms.ChoiceField(label=_("Status"), choices=EventStatus.choices, initial=EventStatus.PLANNED)
    start_at = forms.DateTimeField(label=_("Start"), required=False, widget=DATETIME_WIDGET)
    end_at = forms.DateTimeField(label=_("End"), required=False, widget=DATETIME_WIDGET)
    content = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_spent_minutes = forms.IntegerField(label=_("Time spent, minutes"), required=False)
    tags = forms.TypedMultipleChoiceField(label=_("Tags"), required=False, coerce=int)
    participant_users = forms.TypedMultipleChoiceField(label=_("Colleagues"), required=False, coerce=int)
    participant_contacts = forms.TypedMultipleChoiceField(
        label=_("Contact persons of the client"), required=False, coerce=int
    )
    participant_names = forms.CharField(
        label=_("Other participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("One per line: Name <e-mail>")}),
    )
    reminder = forms.ChoiceField(label=_("Reminder"), required=False, choices=REMINDER_CHOICES)
    remind_at = forms.DateTimeField(label=_("Remind at"), required=False, widget=DATETIME_WIDGET)
    remind_by_email = forms.BooleanField(label=pgettext_lazy("reminder", "Also by e-mail"), required=False)

    def __init__(self, *args, responsibles=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [(u.pk, u.get_full_name() or u.username) for u in responsibles]
        contact_choices = [(c.pk, c.full_name) for c in contacts]
        self.fields["contact"].choices = [("", "—"), *contact_choices]
        self.fields["participant_contacts"].choices = contact_choices
        users = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        )
        self.fields["participant_users"].choices = [(u.pk, u.get_full_name() or u.username) for u in users]
        self.fields["tags"].choices = [(t.pk, t.name) for t in Tag.objects.order_by("name")]
        bootstrap_widgets(self)

    def clean_subject(self) -> SubjectRef | None:
        raw = self.cleaned_data.get("subject") or ""
        if not raw:
            return None
        label, _sep, object_id = raw.rpartition(":")
        if not label or not object_id.isdigit():
            raise forms.ValidationError(_("No such subject."))
        return SubjectRef(label=label, object_id=int(object_id))

    def clean_participant_names(self) -> list[ParticipantInput]:
        people = []
        for line in (self.cleaned_data.get("participant_names") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            match = _NAME_AND_EMAIL.match(line)
            if match:
                people.append(
                    ParticipantInput(name=match["name"] or match["email"], email=match["email"].strip())
                )
            else:
                people.append(ParticipantInput(name=line[:300]))
        return people

    def _reminder(self) -> ReminderInput | None:
        choice = self.cleaned_data.get("reminder") or ""
        by_email = bool(self.cleaned_data.get("remind_by_email"))
        if choice == "exact":
            return ReminderInput(remind_at=self.cleaned_data.get("remind_at"), by_email=by_email)
        if choice:
            return ReminderInput(minutes_before=int(choice), by_email=by_email)
        return None

    def to_input(self) -> EventInput:
        cd = self.cleaned_data
        participants = [ParticipantInput(user_id=pk) for pk in cd.get("participant_users") or []]
        participants += [ParticipantInput(contact_id=pk) for pk in cd.get("participant_contacts") or []]
        participants += cd.get("participant_names") or []
        return EventInput(
            kind=cd["kind"],
            direction=cd["direction"],
            title=cd["title"],
            partner_id=cd.get("partner"),
            contact_id=cd.get("contact"),
            responsible_id=cd.get("responsible"),
            importance=cd["importance"],
            status=cd["status"],
            content=cd.get("content") or "",
            result=cd.get("result") or "",
            start_at=cd.get("start_at"),
            end_at=cd.get("end_at"),
            time_spent_minutes=cd.get("time_spent_minutes"),
            subject=cd.get("subject"),
            participants=participants,
            tag_ids=cd.get("tags") or [],
            reminder=self._reminder(),
        )


def initial_from_event(event, reminder) -> dict:
    """The form's values for editing an existing event."""
    initial = {
        "kind": event.kind,
        "direction": event.direction,
        "title": event.title,
        "partner": event.partner_id,
        "contact": event.contact_id,
        "responsible": event.responsible_id,
        "importance": event.importance,
        "status": event.status,
        "start_at": event.start_at,
        "end_at": event.end_at,
        "content": event.content,
        "result": event.result,
        "time_spent_minutes": event.time_spent_minutes,
        "tags": [t.pk for t in event.tags.all()],
        "subject": f"{event.subject_type.app_label}.{event.subject_type.model}:{event.subject_id}"
        if event.subject_type_id
        else "",
    }
    participants = list(event.participants.all())
    initial["participant_users"] = [p.user_id for p in participants if p.user_id]
    initial["participant_contacts"] = [p.contact_id for p in participants if p.contact_id]
    initial["participant_names"] = "\n".join(
        f"{p.name} <{p.email}>" if p.email else p.name
        for p in participants
        if not p.user_id and not p.contact_id
    )
    if reminder is not None:
        if reminder.minutes_before is not None and str(reminder.minutes_before) in dict(REMINDER_CHOICES):
            initial["reminder"] = str(reminder.minutes_before)
        else:
            initial["reminder"], initial["remind_at"] = "exact", reminder.remind_at
        initial["remind_by_email"] = reminder.by_email
    return initial


def bootstrap_widgets(form: forms.Form) -> None:
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if isinstance(widget, forms.SelectMultiple):
            widget.attrs.setdefault("size", 4)
        widget.attrs["class"] = css
        if form.errors.get(name) if form.is_bound else False:
            widget.attrs["class"] += " is-invalid"


class CompleteForm(forms.Form):
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    time_spent_minutes = forms.IntegerField(label=_("Time spent, minutes"), required=False, min_value=0)


def default_start() -> datetime.datetime:
    """The next full hour: where a new event lands unless the user picks a time."""
    from django.utils import timezone

    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
