"""Forms of the survey pages. They only parse the browser's input into the services' inputs; the rules
(answers in range, answered questions kept) live in services_surveys.py."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.core.forms import BootstrapFormMixin
from klientura.parties.models import PartnerKind

from .models import EventKind, Importance
from .models_surveys import QuestionKind, SurveyStatus
from .services_survey_templates import MAX_QUESTIONS, QuestionInput, SurveyTemplateInput
from .services_surveys import MAX_TEXT_ANSWER, AnswerInput

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_ROW_KEY = re.compile(r"^[a-z0-9]{1,12}$")


class SurveyTemplateForm(BootstrapFormMixin, forms.Form):
    """The questionnaire and its questions. Each question row posts `q_key` (the rows' order) and
    `q_id_<key>`, `q_text_<key>`, `q_kind_<key>`, `q_options_<key>` (one option a line), `q_required_<key>`."""

    name = forms.CharField(label=_("Name"), max_length=300)
    event_title = forms.CharField(
        label=_("Topic of the planned event"),
        max_length=300,
        required=False,
        help_text=_("For example «Опрос клиента о качестве работы». The name is used when empty."),
    )
    description = forms.CharField(
        label=_("Introduction for the client"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = _rows_from_template(template) if template is not None and not self.is_bound else []

    def clean(self):
        cleaned = super().clean()
        self.rows = self._parse_rows()
        if len(self.rows) > MAX_QUESTIONS:
            self.add_error(None, _("At most %(max)d questions.") % {"max": MAX_QUESTIONS})
        return cleaned

    def _parse_rows(self) -> list[dict]:
        data, rows = self.data, []
        for key in data.getlist("q_key")[: MAX_QUESTIONS + 1]:
            if not _ROW_KEY.match(key):
                continue
            raw_id = data.get(f"q_id_{key}", "")
            rows.append(
                {
                    "key": key,
                    "id": int(raw_id) if raw_id.isdigit() else None,
                    "text": data.get(f"q_text_{key}", ""),
                    "kind": data.get(f"q_kind_{key}", ""),
                    "options": data.get(f"q_options_{key}", ""),
                    "required": bool(data.get(f"q_required_{key}")),
                }
            )
        return rows

    def to_input(self) -> SurveyTemplateInput:
        cd = self.cleaned_data
        return SurveyTemplateInput(
            name=cd["name"],
            description=cd.get("description", ""),
            event_title=cd.get("event_title", ""),
            questions=[
                QuestionInput(
                    id=row["id"],
                    text=row["text"],
                    kind=row["kind"],
                    choices=tuple(row["options"].splitlines()),
                    required=row["required"],
                )
                for row in self.rows
            ],
        )


def _rows_from_template(template) -> list[dict]:
    return [
        {
            "key": str(q.pk),
            "id": q.pk,
            "text": q.text,
            "kind": q.kind,
            "options": "\n".join(q.choices),
            "required": q.required,
        }
        for q in template.questions.all()
    ]


class SurveyPlanForm(BootstrapFormMixin, forms.Form):
    template = forms.TypedChoiceField(label=_("Questionnaire"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Planned as"),
        choices=[(EventKind.PLANNED, EventKind.PLANNED.label), (EventKind.CALL, EventKind.CALL.label)],
        initial=EventKind.PLANNED,
    )
    title = forms.CharField(
        label=_("Topic"),
        max_length=300,
        required=False,
        help_text=_("Taken from the questionnaire when empty."),
    )
    contact = forms.TypedChoiceField(label=_("Contact person"), coerce=int, required=False, empty_value=None)
    responsible = forms.TypedChoiceField(label=_("Responsible"), coerce=int)
    start_at = forms.DateTimeField(label=_("When"), required=False, widget=DATETIME_WIDGET)
    importance = forms.ChoiceField(
        label=_("Importance"), choices=Importance.choices, initial=Importance.NORMAL
    )

    def __init__(self, *args, templates=(), contacts=(), responsibles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, t.name) for t in templates]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.full_name) for c in contacts]
        self.fields["responsible"].choices = [(u.pk, u.get_full_name() or u.username) for u in responsibles]


class SurveyResultForm(BootstrapFormMixin, forms.Form):
    """What the manager adds to the answers when the survey was a call or a meeting."""

    result = forms.CharField(
        label=_("Result of the contact"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When empty, the event's result says how many questions were answered."),
    )
    time_spent_minutes = forms.IntegerField(label=_("Time spent, minutes"), required=False, min_value=0)


def answers_from_post(data, questions) -> list[AnswerInput]:
    """The answers posted as `q_<question id>`; a scale value that is not a number becomes 0, which the
    service refuses with its own message."""
    answers = []
    for question in questions:
        name = f"q_{question.pk}"
        if question.kind in (QuestionKind.SCALE5, QuestionKind.SCALE10):
            raw = (data.get(name) or "").strip()
            if raw:
                answers.append(AnswerInput(question_id=question.pk, number=int(raw) if raw.isdigit() else 0))
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            options = tuple(data.getlist(name))
            if options:
                answers.append(AnswerInput(question_id=question.pk, options=options))
        else:
            text = data.get(name) or ""
            if text.strip():
                # Cut far beyond the limit so a huge post costs nothing; the service still says it is too long.
                answers.append(AnswerInput(question_id=question.pk, text=text[: MAX_TEXT_ANSWER * 2]))
    return answers


def posted_values(data, questions) -> dict:
    """What the form shows again after a refusal: {question id: value or list of values}."""
    values = {}
    for question in questions:
        name = f"q_{question.pk}"
        if question.kind == QuestionKind.MULTIPLE:
            values[question.pk] = data.getlist(name)
        else:
            values[question.pk] = data.get(name, "")
    return values


class SurveyFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", ""), *SurveyStatus.choices])
    template = forms.IntegerField(required=False, min_value=1)
    responsible = forms.IntegerField(required=False, min_value=1)
    partner = forms.IntegerField(required=False, min_value=1)


class SurveyReportFilterForm(forms.Form):
    template = forms.IntegerField(required=False, min_value=1)
    date_from = forms.DateField(required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(required=False, widget=DATE_WIDGET)
    responsible = forms.IntegerField(required=False, min_value=1)
    tag = forms.IntegerField(required=False, min_value=1)
    region = forms.IntegerField(required=False, min_value=1)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *PartnerKind.choices])
    format = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "XLSX")])
