"""The agreement form. It only parses input into an AgreementInput; the rules live in the service.

The payment schedule comes as parallel lists of inputs (stage_base, stage_percent, stage_days), one
row per stage; a row with neither percent nor days is left out, and no rows at all means the term
is inherited (or takes the default). The clients of a typical agreement come as `partners` ids.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klientura.catalog.models import PriceType
from klientura.core.forms import BootstrapFormMixin
from klientura.core.money import CURRENCY_CHOICES, VatMode

from .inputs import AgreementInput
from .models import Agreement, AgreementKind, AgreementStatus, Organization, PaymentBase

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_SET = [("", _("— not set —"))]
MAX_STAGES = 50

# Service error keys → form fields (the rest are shown above the form or next to their block).
FORM_FIELD_OF = {
    "parent_id": "parent",
    "organization_id": "organization",
    "price_type_id": "price_type",
}


def _percent_field(label):
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        required=False,
        widget=forms.TextInput({"inputmode": "decimal"}),
    )


class AgreementForm(BootstrapFormMixin, forms.Form):
    """The terms of one agreement; its kind and client are chosen before (see the views)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(
        label=_("Derived from"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_("The terms left empty are taken from this typical agreement."),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.all(), required=False
    )
    price_type = forms.ModelChoiceField(
        label=_("Price type"), queryset=PriceType.objects.filter(is_active=True), required=False
    )
    discount_percent = _percent_field(_("Discount (−markup) %"))
    max_manual_discount_percent = _percent_field(_("Largest manual discount %"))
    delivery_days = forms.IntegerField(label=_("Delivery lead time, days"), required=False)
    vat_mode = forms.ChoiceField(label=_("VAT"), choices=NOT_SET + VatMode.CHOICES, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=NOT_SET + CURRENCY_CHOICES, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET, required=False)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE_WIDGET, required=False)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, kind: str, agreement: Agreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.agreement = agreement
        self.schedule_errors: list[str] = []
        self.partner_errors: list[str] = []
        # What is already chosen stays choosable (a parent since closed, a price type since retired);
        # the service decides whether it may stay.
        parent_id = agreement.parent_id if agreement else None
        price_type_id = agreement.price_type_id if agreement else None
        if kind == AgreementKind.TYPICAL:
            del self.fields["parent"]
        else:
            open_typical = Q(kind=AgreementKind.TYPICAL) & ~Q(status=AgreementStatus.CLOSED)
            self.fields["parent"].queryset = Agreement.objects.filter(
                open_typical | Q(pk=parent_id)
            ).order_by("name", "id")
        self.fields["price_type"].queryset = PriceType.objects.filter(Q(is_active=True) | Q(pk=price_type_id))

    # --- the schedule rows ---------------------------------------------------------------------

    def schedule_rows(self) -> list[dict]:
        """The rows to show: what was typed (on a refused post), else the stored stages; two blank
        rows more, so a stage can be added without script."""
        if self.is_bound:
            rows = self._posted_rows()
        elif self.agreement is not None and self.agreement.payment_schedule:
            rows = [dict(stage) for stage in self.agreement.payment_schedule]
        else:
            rows = []
        blank = {"base": PaymentBase.ORDER if not rows else PaymentBase.SHIPMENT, "percent": "", "days": ""}
        return [*rows, blank, {**blank, "base": PaymentBase.SHIPMENT}]

    def _posted_rows(self) -> list[dict]:
        columns = zip(
            self.data.getlist("stage_base"),
            self.data.getlist("stage_percent"),
            self.data.getlist("stage_days"),
            strict=False,
        )
        rows = []
        for base, percent, days in list(columns)[:MAX_STAGES]:
            percent, days = percent.strip().replace(",", "."), days.strip()
            if percent or days:
                rows.append({"base": base, "percent": percent, "days": days})
        return rows

    def payment_schedule(self) -> list[dict] | None:
        # Empty rows: the term is not set. Bad numbers reach the service, which names the stage.
        rows = self._posted_rows()
        return [{**row, "days": row["days"] or 0} for row in rows] or None

    # --- the result ------------------------------------------------------------------------

    def to_input(self, *, kind: str, partner_id: int | None, partner_ids: list[int]) -> AgreementInput:
        d = self.cleaned_data
        return AgreementInput(
            kind=kind,
            name=d["name"],
            partner_id=partner_id,
            partner_ids=partner_ids,
            parent_id=d["parent"].pk if d.get("parent") else None,
            organization_id=d["organization"].pk if d["organization"] else None,
            price_type_id=d["price_type"].pk if d["price_type"] else None,
            discount_percent=d["discount_percent"],
            max_manual_discount_percent=d["max_manual_discount_percent"],
            payment_schedule=self.payment_schedule(),
            delivery_days=d["delivery_days"],
            vat_mode=d["vat_mode"] or None,
            currency=d["currency"] or None,
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
            comment=d["comment"],
        )

    def add_service_errors(self, fields: dict, message: str) -> None:
        """Put a refused save's messages next to what they are about."""
        if not fields:
            self.add_error(None, message)
        for name, messages in fields.items():
            if name == "payment_schedule":
                self.schedule_errors.extend(messages)
                continue
            if name in ("partner_id", "partner_ids"):
                self.partner_errors.extend(messages)
                continue
            field = FORM_FIELD_OF.get(name, name)
            for text in messages:
                self.add_error(field if field in self.fields else None, text)


def initial_of(agreement: Agreement) -> dict:
    return {
        "name": agreement.name,
        "parent": agreement.parent_id,
        "organization": agreement.organization_id,
        "price_type": agreement.price_type_id,
        "discount_percent": agreement.discount_percent,
        "max_manual_discount_percent": agreement.max_manual_discount_percent,
        "delivery_days": agreement.delivery_days,
        "vat_mode": agreement.vat_mode or "",
        "currency": agreement.currency or "",
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "comment": agreement.comment,
    }
