from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.accounts.models import validate_timezone
from klientura.core.models import BaseModel


class BusinessRegion(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )

    class Meta:
        verbose_name = _("business region")
        verbose_name_plural = _("business regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InformationSource(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("information source")
        verbose_name_plural = _("information sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6c757d")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomField(BaseModel):
    """A field the administrator adds to partners; values live in Partner.custom[code]."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomFieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerKind(models.TextChoices):
    CLIENT = "client", _("Client")
    PROSPECT = "prospect", _("Prospect")
    SUPPLIER = "supplier", _("Supplier")
    COMPETITOR = "competitor", _("Competitor")
    OTHER = "other", _("Other")


class Zone(models.TextChoices):
    """Coloured zones of client attention (Цветные зоны), computed by the segments app from the time
    since the last contact; blank for a partner without a lead manager."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    EXCHANGE = "exchange", _("Exchange")


class Partner(BaseModel):
    """The business party we deal with (Партнер), owned by its lead manager."""

    name = models.CharField(_("name"), max_length=300)
    # Lower-cased name without legal forms and quotes: the key for search and fuzzy duplicates.
    name_normalized = models.CharField(max_length=300, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=PartnerKind.choices, default=PartnerKind.CLIENT)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_partners",
    )
    on_exchange = models.BooleanField(_("on the client exchange"), default=False)
    # Written only by the segments app (zones and the client exchange); kept here, like main_phone,
    # so the list shows and filters the colour without a join at a million clients.
    zone = models.CharField(_("zone"), max_length=8, choices=Zone.choices, blank=True, default="")
    zone_since = models.DateField(_("in the zone since"), null=True, blank=True)
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    region = models.ForeignKey(
        BusinessRegion,
        verbose_name=_("business region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partners",
    )
    source = models.ForeignKey(
        InformationSource,
        verbose_name=_("information source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partners",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="partners")
    notes = models.TextField(_("notes"), blank=True, default="")
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Denormalised from the main contact info, so the list shows them without extra queries.
    main_phone = models.CharField(_("main phone"), max_length=40, blank=True, default="")
    main_email = models.CharField(_("main e-mail"), max_length=254, blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_partners",
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        permissions = [
            ("import_partners", _("Can import partners")),
            ("export_partners", _("Can export partners")),
            ("reassign_partner", _("Can change the lead manager")),
            ("merge_partner", _("Can merge duplicate partners")),
            ("register_without_check", _("Can register without the duplicate check")),
            ("manage_classifiers", _("Can edit regions, sources, tags and custom fields")),
            ("tag_partner", _("Can assign tags")),
        ]
        indexes = [
            models.Index(fields=["manager", "name", "id"], name="partner_manager_name_idx"),
            models.Index(fields=["name", "id"], name="partner_name_id_idx"),
            models.Index(fields=["-created_at", "-id"], name="partner_created_idx"),
            models.Index(fields=["manager", "zone"], name="partner_manager_zone_idx"),
            models.Index(fields=["zone", "name", "id"], name="partner_zone_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerShare(BaseModel):
    """A partner explicitly shared with a user who is not its manager."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_partners"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "partner"], name="partner_share_unique")]


class CounterpartyKind(models.TextChoices):
    LEGAL = "legal", _("Legal entity")
    ENTREPRENEUR = "entrepreneur", _("Individual entrepreneur")
    PERSON = "person", _("Private person")


class Counterparty(BaseModel):
    """A legal entity or person for documents (Контрагент)."""

    kind = models.CharField(
        _("kind"), max_length=12, choices=CounterpartyKind.choices, default=CounterpartyKind.LEGAL
    )
    full_name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12, blank=True, default="", db_index=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, default="")
    ogrn = models.CharField(_("OGRN / OGRNIP"), max_length=15, blank=True, default="")
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True, default="")
    actual_address = models.CharField(_("actual address"), max_length=500, blank=True, default="")
    management_name = models.CharField(_("head"), max_length=300, blank=True, default="")
    management_post = models.CharField(_("head's position"), max_length=200, blank=True, default="")
    partners = models.ManyToManyField(Partner, verbose_name=_("partners"), related_name="counterparties")

    class Meta:
        verbose_name = _("counterparty")
        verbose_name_plural = _("counterparties")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class BankAccount(BaseModel):
    counterparty = models.ForeignKey(Counterparty, on_delete=models.CASCADE, related_name="bank_accounts")
    bik = models.CharField(_("BIK"), max_length=9)
    account = models.CharField(_("account number"), max_length=20)
    bank_name = models.CharField(_("bank"), max_length=300, blank=True, default="")
    is_main = models.BooleanField(_("main"), default=False)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return f"{self.account} ({self.bik})"


class ContactPerson(BaseModel):
    last_name = models.CharField(_("last name"), max_length=100, blank=True, default="")
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True, default="")
    full_name = models.CharField(_("full name"), max_length=300, db_index=True)
    position = models.CharField(_("position"), max_length=200, blank=True, default="")
    role = models.CharField(_("role"), max_length=200, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    partners = models.ManyToManyField(Partner, verbose_name=_("partners"), related_name="contacts")

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class ContactKind(models.TextChoices):
    ADDRESS = "address", _("Address")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    EXTENSION = "extension", _("Extension")
    WEBSITE = "website", _("Web site")
    MESSENGER = "messenger", _("Messenger")
    OTHER = "other", _("Other")


class ContactInfo(BaseModel):
    """One piece of contact information of a partner or of a contact person."""

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_infos"
    )
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_infos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=500)
    # E.164 for phones, lower case for e-mails, the value otherwise: what duplicates are found by.
    normalized = models.CharField(max_length=500, blank=True, default="")
    comment = models.CharField(_("comment"), max_length=200, blank=True, default="")
    is_main = models.BooleanField(_("main"), default=False)

    class Meta:
        verbose_name = _("contact information")
        verbose_name_plural = _("contact information")
        indexes = [models.Index(fields=["kind", "normalized"], name="contactinfo_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner__isnull=False) | models.Q(contact__isnull=False),
                name="contactinfo_has_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class PartnerRelationKind(models.TextChoices):
    PARENT = "parent", _("Parent company of")
    DEALER = "dealer", _("Dealer of")
    COMPETITOR = "competitor", _("Competitor of")
    PARTNER = "partner", _("Business partner of")
    OTHER = "other", _("Related to")


class PartnerRelation(BaseModel):
    from_partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="relations_out")
    to_partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=12, choices=PartnerRelationKind.choices)
    comment = models.CharField(_("comment"), max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_partner", "to_partner", "kind"], name="partner_relation_unique"
            )
        ]


class PersonRelationKind(models.TextChoices):
    KNOWS = "knows", _("Knows")
    REPORTS_TO = "reports_to", _("Reports to")
    RELATIVE = "relative", _("Relative of")
    OTHER = "other", _("Related to")


class PersonRelation(BaseModel):
    from_contact = models.ForeignKey(ContactPerson, on_delete=models.CASCADE, related_name="relations_out")
    to_contact = models.ForeignKey(ContactPerson, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=12, choices=PersonRelationKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_contact", "to_contact", "kind"], name="person_relation_unique"
            )
        ]
