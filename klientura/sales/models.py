"""Sales documents: agreements, quotes and orders, invoices, shipments, payments, the payment schedule.

Money facts other apps read (segments, zones, calendars, scorecards) live here. Totals of an order
(amount, shipped, paid) are kept on the order by the services in the same transaction as the
document that changes them, so lists and segments read them without summing lines.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.catalog.models import PriceType, Product, VatRate
from klientura.core.models import BaseModel
from klientura.core.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, MONEY_DIGITS, QUANTITY_DIGITS, VatMode
from klientura.parties.models import ContactPerson, Counterparty, Partner

ZERO = Decimal("0")
PERCENT = {"max_digits": 6, "decimal_places": 2}


def _money(label, **kwargs):
    return models.DecimalField(label, max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, **kwargs)


class Organization(BaseModel):
    """Our own company, the seller named on invoices (Организация)."""

    name = models.CharField(_("name"), max_length=300)
    full_name = models.CharField(_("full name"), max_length=500, blank=True, default="")
    inn = models.CharField(_("INN"), max_length=12, blank=True, default="")
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, default="")
    ogrn = models.CharField(_("OGRN / OGRNIP"), max_length=15, blank=True, default="")
    address = models.CharField(_("address"), max_length=500, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=50, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=300, blank=True, default="")
    bik = models.CharField(_("BIK"), max_length=9, blank=True, default="")
    account = models.CharField(_("account number"), max_length=20, blank=True, default="")
    corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True, default="")
    director_name = models.CharField(_("director"), max_length=200, blank=True, default="")
    accountant_name = models.CharField(_("chief accountant"), max_length=200, blank=True, default="")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class AgreementKind(models.TextChoices):
    TYPICAL = "typical", _("Typical")
    INDIVIDUAL = "individual", _("Individual")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", pgettext_lazy("agreement", "Closed")


class Agreement(BaseModel):
    """Terms of sale (Соглашение с клиентом).

    A typical agreement serves many partners (the listed ones, or everyone when none are listed); an
    individual one serves one partner and may derive from a typical one: every term left empty
    (NULL) is inherited from the parent. `payment_schedule` is a list of stages
    `{"base": "order"|"shipment", "percent": "30", "days": 0}` whose percents add up to 100.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=AgreementKind.choices)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partners"), blank=True, related_name="typical_agreements"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("derived from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT
    )
    price_type = models.ForeignKey(
        PriceType, verbose_name=_("price type"), null=True, blank=True, on_delete=models.PROTECT
    )
    discount_percent = models.DecimalField(
        _("discount (−markup) %"),
        null=True,
        blank=True,
        **PERCENT,
        validators=[MinValueValidator(Decimal("-1000")), MaxValueValidator(Decimal("100"))],
    )
    max_manual_discount_percent = models.DecimalField(
        _("largest manual discount %"),
        null=True,
        blank=True,
        **PERCENT,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    payment_schedule = models.JSONField(_("payment schedule"), null=True, blank=True)
    delivery_days = models.PositiveIntegerField(_("delivery lead time, days"), null=True, blank=True)
    vat_mode = models.CharField(_("VAT"), max_length=10, choices=VatMode.CHOICES, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="")

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["name", "id"]
        permissions = [("manage_typical_agreements", _("Can edit typical agreements"))]

    def __str__(self) -> str:
        return self.name


class DocumentCounter(models.Model):
    """The last number given to a kind of document in a year; taken under a row lock."""

    key = models.CharField(max_length=40, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_number}"


class OrderStatus(models.TextChoices):
    QUOTE = "quote", _("Quote")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT)


class Order(BaseModel):
    """A quote (коммерческое предложение) that becomes the client's order (заказ клиента)."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=14, choices=OrderStatus.choices, default=OrderStatus.QUOTE
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="orders"
    )
    counterparty = models.ForeignKey(
        Counterparty,
        verbose_name=_("counterparty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    contact = models.ForeignKey(
        ContactPerson,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    price_type = models.ForeignKey(
        PriceType, verbose_name=_("price type"), null=True, blank=True, on_delete=models.PROTECT
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY
    )
    vat_mode = models.CharField(_("VAT"), max_length=10, choices=VatMode.CHOICES, default=VatMode.INCLUDED)
    payment_schedule = models.JSONField(_("payment schedule"), default=list, blank=True)
    quote_valid_until = models.DateField(_("quote valid until"), null=True, blank=True)
    expected_shipment_date = models.DateField(_("expected shipment"), null=True, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=500, blank=True, default="")
    comment = models.TextField(_("comment"), blank=True, default="")
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True, default="")
    # Broken agreement terms that a permitted user confirmed: [{"rule", "message", "by", "at"}].
    term_exceptions = models.JSONField(_("confirmed exceptions"), default=list, blank=True)
    amount_total = _money(_("amount"))
    vat_total = _money(_("VAT"))
    cost_total = _money(_("cost"))
    shipped_total = _money(_("shipped"))
    paid_total = _money(_("paid"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-date", "-id"]
        permissions = [
            ("confirm_terms_exception", _("Can confirm documents that break agreement terms")),
            ("import_sales", _("Can import orders, shipments and payments")),
        ]
        indexes = [
            models.Index(fields=["partner", "-date", "-id"], name="order_partner_date_idx"),
            models.Index(fields=["manager", "-date", "-id"], name="order_manager_date_idx"),
            models.Index(fields=["status", "-date", "-id"], name="order_status_date_idx"),
            models.Index(fields=["-date", "-id"], name="order_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_quote(self) -> bool:
        return self.status == OrderStatus.QUOTE

    @property
    def unpaid_total(self) -> Decimal:
        return self.amount_total - self.paid_total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("No."))
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=MONEY_DIGITS, decimal_places=2)
    discount_percent = models.DecimalField(_("discount %"), default=ZERO, **PERCENT)
    vat_rate = models.CharField(_("VAT rate"), max_length=4, choices=VatRate.choices)
    amount = _money(_("amount"))
    vat_amount = _money(_("VAT"))
    total = _money(_("total"))
    cost_price = _money(_("cost price"))
    shipped_quantity = models.DecimalField(
        _("shipped"), max_digits=QUANTITY_DIGITS, decimal_places=3, default=ZERO
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["position"]
        indexes = [models.Index(fields=["product", "order"], name="order_line_product_idx")]

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"


class PaymentBase(models.TextChoices):
    ORDER = "order", _("after the order is confirmed")
    SHIPMENT = "shipment", _("after shipment")


class PaymentDue(models.Model):
    """One amount the client must pay by a date (the payment schedule register).

    Rebuilt by the services from the order's schedule whenever the order, its shipments or its status
    change. `expected` rows hang on the expected shipment date and become real when goods ship.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="dues")
    due_date = models.DateField(_("due date"))
    amount = _money(_("amount"))
    base = models.CharField(_("basis"), max_length=10, choices=PaymentBase.choices)
    expected = models.BooleanField(_("expected"), default=False)

    class Meta:
        verbose_name = _("payment due")
        verbose_name_plural = _("payments due")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["order", "due_date"], name="payment_due_order_idx"),
            models.Index(fields=["due_date"], name="payment_due_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date}: {self.amount}"


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(BaseModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"))
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    amount = _money(_("amount to pay"))
    vat_amount = _money(_("VAT"))
    pay_by = models.DateField(_("pay by"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.number


class Shipment(BaseModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"))
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    amount_total = _money(_("amount"))
    vat_total = _money(_("VAT"))
    cost_total = _money(_("cost"))
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "order"], name="shipment_date_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def gross_profit(self) -> Decimal:
        return self.amount_total - self.vat_total - self.cost_total


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=3)
    amount = _money(_("amount"))
    vat_amount = _money(_("VAT"))
    cost_amount = _money(_("cost"))

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", pgettext_lazy("payment method", "Card")


class Payment(BaseModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"))
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = _money(_("amount"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY
    )
    method = models.CharField(
        _("method"), max_length=6, choices=PaymentMethod.choices, default=PaymentMethod.BANK
    )
    reference = models.CharField(_("payment order No."), max_length=100, blank=True, default="")
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "order"], name="payment_date_idx")]

    def __str__(self) -> str:
        return self.number


class LetterTemplate(BaseModel):
    """The letter an invoice goes out with; `{number}`, `{date}`, `{amount}`, `{partner}`, `{manager}`
    and `{organization}` are filled in."""

    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=300)
    greeting = models.CharField(_("greeting"), max_length=300, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    signature = models.TextField(_("signature"), blank=True, default="")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class DocumentLetter(BaseModel):
    """A letter sent with a document, kept on the client's card."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="document_letters")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.CharField(_("to"), max_length=500)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    attachment_name = models.CharField(_("attachment"), max_length=200, blank=True, default="")
    message_id = models.CharField(max_length=300, blank=True, default="")
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("sent letter")
        verbose_name_plural = _("sent letters")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
