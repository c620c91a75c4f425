"""Web forms of the catalog. They only parse what was typed; the services check and save it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.core.forms import BootstrapFormMixin
from klientura.core.money import CURRENCY_CHOICES, DEFAULT_CURRENCY

from .inputs import NOT_A_NUMBER, PRICE_PLACES, QUANTITY_PLACES, decimal_parse
from .models import ProductKind, VatRate
from .photos import ACCEPT
from .selectors import GroupNode, groups_flat


class NumberField(forms.DecimalField):
    """A number typed the Russian way ("1 234,50") or the English way ("1234.50")."""

    def __init__(self, *, decimal_places: int, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(max_digits=15, decimal_places=decimal_places, localize=True, **kwargs)
        self.error_messages["invalid"] = NOT_A_NUMBER
        # The range and the digits after the point are checked by the services, with their own words.
        self.validators = []

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return decimal_parse(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def money_field(label, **kwargs) -> NumberField:
    return NumberField(label=label, decimal_places=PRICE_PLACES, **kwargs)


def quantity_field(label, **kwargs) -> NumberField:
    return NumberField(label=label, decimal_places=QUANTITY_PLACES, **kwargs)


def group_choices(tree: list[GroupNode] | None = None, *, exclude: set[int] = frozenset()) -> list:
    """The groups for a select, indented by depth; `exclude` leaves out a group and its sub-groups."""
    return [
        (node.id, "\u2003" * node.depth + node.name) for node in groups_flat(tree) if node.id not in exclude
    ]


class ProductForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices, initial=ProductKind.GOODS)
    name = forms.CharField(label=_("Name"), max_length=300)
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, empty_value=None, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="шт")
    vat_rate = forms.ChoiceField(label=_("VAT rate"), choices=VatRate.choices, initial=VatRate.TWENTY_TWO)
    cost_price = money_field(_("Cost price"), required=True, initial=0)
    recommended_price = money_field(_("Recommended price"))
    min_price = money_field(_("Minimum price"), help_text=_("Managers may not sell below it."))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
    )
    is_active = forms.BooleanField(label=_("Active (offered in new documents)"), required=False, initial=True)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=_("JPEG, PNG, GIF or WebP, up to 5 MB."),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, has_photo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "—"), *group_choices()]
        if not has_photo:
            del self.fields["remove_photo"]

    def to_data(self) -> dict:
        """The service's data: field names as the model has them."""
        d = self.cleaned_data
        data = {name: d[name] for name in self.fields if name not in ("group", "photo", "remove_photo")}
        data["group_id"] = d["group"]
        return data


class GroupForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.TypedChoiceField(label=_("Parent group"), coerce=int, empty_value=None, required=False)
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=2**31 - 1,
        initial=0,
        help_text=_("Smaller numbers go first."),
    )

    def __init__(self, *args, exclude: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— top level —")), *group_choices(exclude=exclude)]


class PriceTypeForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY)
    includes_vat = forms.BooleanField(label=_("Prices include VAT"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class WarehouseForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)


class PricesForm(BootstrapFormMixin, forms.Form):
    """One price per price type; an empty box removes the price."""

    def __init__(self, *args, price_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        for price_type in price_types:
            self.fields[f"price_{price_type.pk}"] = money_field(price_type.name, initial=price_type.price)

    def prices(self) -> dict[int, object]:
        return {int(name.removeprefix("price_")): value for name, value in self.cleaned_data.items()}


class StockForm(BootstrapFormMixin, forms.Form):
    """One quantity per warehouse; an empty box leaves that warehouse as it is."""

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        for warehouse in warehouses:
            self.fields[f"quantity_{warehouse.pk}"] = quantity_field(
                warehouse.name, initial=warehouse.quantity
            )

    def quantities(self) -> dict[int, object]:
        return {
            int(name.removeprefix("quantity_")): value
            for name, value in self.cleaned_data.items()
            if value is not None
        }


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}))
    dry_run = forms.BooleanField(label=_("Only check the file, save nothing"), required=False)
