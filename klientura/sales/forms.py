"""Web forms for orders and their documents. They only parse input into the services' inputs."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.core.forms import BootstrapFormMixin

from .inputs import LineInput, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput
from .models import OrderStatus, PaymentMethod

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrderForm(BootstrapFormMixin, forms.Form):
    """The header of a quote or order; its lines come as parallel lists (line_product, line_quantity…)."""

    agreement = forms.TypedChoiceField(
        label=gettext_lazy("Agreement"), coerce=int, required=False, empty_value=None
    )
    counterparty = forms.TypedChoiceField(
        label=gettext_lazy("Counterparty"), coerce=int, required=False, empty_value=None
    )
    contact = forms.TypedChoiceField(
        label=gettext_lazy("Contact person"), coerce=int, required=False, empty_value=None
    )
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET, required=False)
    expected_shipment_date = forms.DateField(
        label=gettext_lazy("Expected shipment"), widget=DATE_WIDGET, required=False
    )
    quote_valid_until = forms.DateField(
        label=gettext_lazy("Quote valid until"), widget=DATE_WIDGET, required=False
    )
    delivery_address = forms.CharField(label=gettext_lazy("Delivery address"), max_length=500, required=False)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    confirm_exceptions = forms.BooleanField(label=gettext_lazy("Confirm the exceptions"), required=False)

    def __init__(self, *args, agreements=(), counterparties=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", "—")]
        self.fields["agreement"].choices = none + [(a.pk, a.name) for a in agreements]
        self.fields["counterparty"].choices = none + [(c.pk, c.short_name) for c in counterparties]
        self.fields["contact"].choices = none + [(c.pk, c.full_name) for c in contacts]
        self.line_errors: list[str] = []
        self.lines: list[LineInput] = []

    def clean(self):
        cleaned = super().clean()
        self.lines = self._parse_lines()
        return cleaned

    def _parse_lines(self) -> list[LineInput]:
        data = self.data
        columns = zip(
            data.getlist("line_product"),
            data.getlist("line_quantity"),
            data.getlist("line_price"),
            data.getlist("line_discount"),
            strict=False,
        )
        lines = []
        for number, (product, quantity, price, discount) in enumerate(columns, start=1):
            try:
                lines.append(
                    LineInput(
                        product_id=int(product),
                        quantity=_decimal(quantity),
                        price=_decimal(price) if price.strip() else None,
                        discount_percent=_decimal(discount) if discount.strip() else Decimal("0"),
                    )
                )
            except (ValueError, InvalidOperation):
                self.add_error(
                    None, _("Line %(n)s: enter numbers for the quantity, price and discount.") % {"n": number}
                )
        return lines

    def to_input(self, partner_id: int) -> OrderInput:
        cd = self.cleaned_data
        return OrderInput(
            partner_id=partner_id,
            lines=self.lines,
            date=cd.get("date"),
            counterparty_id=cd.get("counterparty"),
            contact_id=cd.get("contact"),
            agreement_id=cd.get("agreement"),
            expected_shipment_date=cd.get("expected_shipment_date"),
            quote_valid_until=cd.get("quote_valid_until"),
            delivery_address=cd.get("delivery_address") or "",
            comment=cd.get("comment") or "",
        )


def _decimal(text: str) -> Decimal:
    value = Decimal(text.strip().replace(" ", "").replace("\u00a0", "").replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation
    return value


class PaymentForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=15, decimal_places=2, min_value=Decimal("0.01")
    )
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET, required=False)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=gettext_lazy("Payment order No."), max_length=100, required=False)

    def to_input(self) -> PaymentInput:
        cd = self.cleaned_data
        return PaymentInput(
            amount=cd["amount"], date=cd.get("date"), method=cd["method"], reference=cd.get("reference", "")
        )


class ShipmentForm(BootstrapFormMixin, forms.Form):
    """The shipment date; quantities come as `ship_<order line id>` fields (empty = nothing)."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET, required=False)
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        self.lines = []
        for key, value in self.data.items():
            if not key.startswith("ship_") or not value.strip():
                continue
            try:
                self.lines.append(ShipmentLineInput(order_line_id=int(key[5:]), quantity=_decimal(value)))
            except (ValueError, InvalidOperation):
                self.add_error(None, _("Enter the quantities as numbers."))
        return cleaned

    def to_input(self) -> ShipmentInput:
        return ShipmentInput(
            date=self.cleaned_data.get("date"), lines=self.lines, comment=self.cleaned_data.get("comment", "")
        )


class InvoiceForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount to pay"),
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )


class LetterForm(BootstrapFormMixin, forms.Form):
    to = forms.CharField(label=gettext_lazy("To"), max_length=500)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 8}))


class OrderFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), ("open", "open"), *OrderStatus.choices])
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    manager = forms.IntegerField(required=False, min_value=1)
    overdue = forms.BooleanField(required=False)
