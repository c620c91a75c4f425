"""Forms of the lead pages: they parse what was posted; the services check and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.catalog.models import ProductGroup
from klientura.core.forms import BootstrapFormMixin
from klientura.parties.models import BusinessRegion, InformationSource

from .inputs_leads import LeadFilters, LeadFormInput, LeadInput, RoutingRuleInput
from .models import DealKind
from .models_leads import LeadChannel, LeadStatus, RoutingStrategy
from .routing_conditions import CUSTOM_PREFIX, FIELDS, OPS, field_spec
from .selectors_leads import lead_managers

MAX_CONDITION_ROWS = 20


class PublicLeadForm(BootstrapFormMixin, forms.Form):
    """What a visitor of the company's site fills in; the contact data is checked by lead_submit."""

    person_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=300, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    message = forms.CharField(
        label=_("Message"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data to answer this request."),
        error_messages={
            "required": _("Please agree to the processing of your personal data: we need it to answer.")
        },
    )
    page_url = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(type="email", autocomplete="email", inputmode="email")
        self.fields["phone"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["person_name"].widget.attrs.update(autocomplete="name")
        self.fields["company"].widget.attrs.update(autocomplete="organization")

    def to_input(self, *, ip: str | None) -> LeadInput:
        cd = self.cleaned_data
        return LeadInput(
            person_name=cd["person_name"],
            company=cd["company"],
            email=cd["email"],
            phone=cd["phone"],
            message=cd["message"],
            page_url=cd["page_url"],
            ip_address=ip,
        )


class LeadFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=[("queue", "queue"), ("all", "all"), ("mine", "mine")], required=False)
    status = forms.ChoiceField(choices=[("", ""), *LeadStatus.choices], required=False)
    channel = forms.ChoiceField(choices=[("", ""), *LeadChannel.choices], required=False)
    form = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    manager = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    q = forms.CharField(required=False, max_length=200)
    created_from = forms.DateField(required=False)
    created_to = forms.DateField(required=False)

    def to_filters(self, default_tab: str) -> LeadFilters:
        cd = self.cleaned_data if self.is_valid() else {}
        return LeadFilters(
            tab=cd.get("tab") or default_tab,
            status=cd.get("status") or "",
            channel=cd.get("channel") or "",
            form_id=cd.get("form"),
            assigned_to_id=cd.get("manager"),
            query=cd.get("q") or "",
            created_from=cd.get("created_from"),
            created_to=cd.get("created_to"),
        )


class LeadAssignForm(BootstrapFormMixin, forms.Form):
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=None, empty_label=_("Choose a manager"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = lead_managers()


class LeadRejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.TextInput(attrs={"placeholder": _("Spam")})
    )


class LeadFormForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ModelChoiceField(
        label=_("Deal kind"), queryset=None, required=False, empty_label=_("The default kind for leads")
    )
    source = forms.ModelChoiceField(label=_("Information source"), queryset=None, required=False)
    allowed_origins = forms.CharField(
        label=_("Sites allowed to embed it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://example.ru"}),
        help_text=_("One per line, like https://example.ru; no site: the form opens only as its own page."),
    )
    thank_you = forms.CharField(label=_("Thank-you message"), max_length=500, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = DealKind.objects.filter(is_active=True).order_by("name")
        self.fields["source"].queryset = InformationSource.objects.order_by("name")

    @staticmethod
    def initial_from(form) -> dict:
        return {
            "name": form.name,
            "kind": form.kind_id,
            "source": form.source_id,
            "allowed_origins": "\n".join(form.allowed_origins),
            "thank_you": form.thank_you,
            "is_active": form.is_active,
        }

    def to_input(self) -> LeadFormInput:
        cd = self.cleaned_data
        return LeadFormInput(
            name=cd["name"],
            kind_id=cd["kind"].pk if cd["kind"] else None,
            source_id=cd["source"].pk if cd["source"] else None,
            allowed_origins=cd["allowed_origins"].split(),
            thank_you=cd["thank_you"],
            is_active=cd["is_active"],
        )


class RoutingRuleForm(BootstrapFormMixin, forms.Form):
    """The rule's own fields; its condition rows are read from the post by `conditions_from_post`."""

    name = forms.CharField(label=_("Name"), max_length=200)
    strategy = forms.ChoiceField(label=_("How to choose"), choices=RoutingStrategy.choices)
    managers = forms.ModelMultipleChoiceField(
        label=_("Managers"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = lead_managers()

    def to_input(self, conditions: list[dict]) -> RoutingRuleInput:
        cd = self.cleaned_data
        return RoutingRuleInput(
            name=cd["name"],
            strategy=cd["strategy"],
            manager_ids=[m.pk for m in cd["managers"]],
            is_active=cd["is_active"],
            conditions=conditions,
        )


# --- Condition rows ----------------------------------------------------------------------------------

_VALUE_INPUT = {"region": "region", "source": "source", "group": "group", "channel": "channel"}


def condition_options() -> dict:
    """What the rows' selects offer: fields with their operators and kinds, and the reference lists."""
    return {
        "fields": [
            {"name": name, "label": spec.label, "kind": spec.kind, "ops": [(op, OPS[op]) for op in spec.ops]}
            for name, spec in FIELDS.items()
        ]
        + [
            {
                "name": "custom",
                "label": _("Custom field…"),
                "kind": "text",
                "ops": [(op, OPS[op]) for op in ("eq", "contains", "in")],
            }
        ],
        "regions": BusinessRegion.objects.order_by("name"),
        "sources": InformationSource.objects.order_by("name"),
        "groups": ProductGroup.objects.order_by("name"),
        "channels": LeadChannel.choices,
        "all_ops": list(OPS.items()),
    }


def conditions_from_post(post) -> list[dict]:
    """Rows cond-N-field / -op / -key (custom field name) / -value, or the value's select for
    references; a row without a field is an unused blank row."""
    conditions = []
    for index in range(MAX_CONDITION_ROWS + 1):
        name = (post.get(f"cond-{index}-field") or "").strip()
        if not name:
            continue
        if name == "custom":
            name = CUSTOM_PREFIX + (post.get(f"cond-{index}-key") or "").strip()
        op = (post.get(f"cond-{index}-op") or "").strip()
        spec = field_spec(name)
        kind = _VALUE_INPUT.get(spec.kind) if spec else None
        if kind:
            values = [v for v in post.getlist(f"cond-{index}-{kind}") if v]
            value = values if op == "in" else (values[0] if values else "")
        else:
            value = post.get(f"cond-{index}-value") or ""
        conditions.append({"field": name, "op": op, "value": value})
    return conditions


def condition_rows(conditions: list[dict]) -> list[dict]:
    """Rows for the template: each condition's parts, then one blank row to add another."""
    rows = []
    for index, condition in enumerate([*conditions, {"field": "", "op": "", "value": ""}]):
        name = condition.get("field", "")
        value = condition.get("value")
        values = (
            [str(v) for v in value]
            if isinstance(value, list)
            else ([str(value)] if value not in (None, "") else [])
        )
        is_custom = name.startswith(CUSTOM_PREFIX)
        rows.append(
            {
                "index": index,
                "field": "custom" if is_custom else name,
                "key": name[len(CUSTOM_PREFIX) :] if is_custom else "",
                "op": condition.get("op", ""),
                "values": values,
                "text": ", ".join(values),
            }
        )
    return rows


class AbsenceForm(BootstrapFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Employee"), queryset=None, empty_label=_("Choose an employee"))
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
