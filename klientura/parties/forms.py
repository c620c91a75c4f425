from django import forms
from django.utils.translation import gettext_lazy as _

from klientura.accounts.selectors import sales_users
from klientura.core.forms import BootstrapFormMixin

from .inputs import ContactInput, CounterpartyInput, PartnerInput
from .models import BusinessRegion, CounterpartyKind, InformationSource, PartnerKind, Tag


class RegistrationForm(BootstrapFormMixin, forms.Form):
    """The new-client assistant: what the manager knows about the client, in one screen."""

    counterparty_kind = forms.ChoiceField(label=_("Legal form"), choices=CounterpartyKind.choices)
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)
    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        required=False,
        help_text=_("As the client is called in your company; filled from the registry by INN."),
    )
    full_name = forms.CharField(label=_("Full legal name"), max_length=500, required=False)
    kpp = forms.CharField(label=_("KPP"), max_length=20, required=False)
    ogrn = forms.CharField(label=_("OGRN / OGRNIP"), max_length=20, required=False)
    legal_address = forms.CharField(label=_("Legal address"), max_length=500, required=False)
    management_name = forms.CharField(label=_("Head"), max_length=300, required=False)
    management_post = forms.CharField(label=_("Head's position"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices, initial=PartnerKind.CLIENT)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    website = forms.CharField(label=_("Web site"), max_length=300, required=False)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    contact_first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    contact_middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    contact_position = forms.CharField(label=_("Position"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact's phone"), max_length=60, required=False)
    contact_email = forms.CharField(label=_("Contact's e-mail"), max_length=254, required=False)
    region = forms.ModelChoiceField(
        label=_("Business region"), queryset=BusinessRegion.objects.all(), required=False
    )
    source = forms.ModelChoiceField(
        label=_("Information source"), queryset=InformationSource.objects.all(), required=False
    )
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=Tag.objects.all(), required=False)
    manager = forms.ModelChoiceField(label=_("Lead manager"), queryset=sales_users(), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    skip_check = forms.BooleanField(label=_("Register without the duplicate check"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.has_perm("parties.reassign_partner"):
            del self.fields["manager"]
        if user is None or not user.has_perm("parties.register_without_check"):
            del self.fields["skip_check"]

    def to_input(self) -> PartnerInput:
        d = self.cleaned_data
        has_requisites = any(d.get(k) for k in ("inn", "full_name", "kpp", "ogrn", "legal_address"))
        counterparty = None
        # Requisites are optional at first contact (as in 1C): a name and a phone register a client.
        if has_requisites:
            counterparty = CounterpartyInput(
                kind=d["counterparty_kind"],
                full_name=d["full_name"],
                short_name=d["name"],
                inn=d["inn"],
                kpp=d["kpp"],
                ogrn=d["ogrn"],
                legal_address=d["legal_address"],
                management_name=d["management_name"],
                management_post=d["management_post"],
            )
        contact = None
        if d["contact_last_name"] or d["contact_first_name"]:
            contact = ContactInput(
                last_name=d["contact_last_name"],
                first_name=d["contact_first_name"],
                middle_name=d["contact_middle_name"],
                position=d["contact_position"],
                phone=d["contact_phone"],
                email=d["contact_email"],
            )
        manager = d.get("manager")
        return PartnerInput(
            name=d["name"],
            kind=d["kind"],
            manager_id=manager.pk if manager else None,
            region_id=d["region"].pk if d["region"] else None,
            source_id=d["source"].pk if d["source"] else None,
            notes=d["notes"],
            tag_ids=[t.pk for t in d["tags"]],
            phones=[d["phone"]],
            emails=[d["email"]],
            website=d["website"],
            counterparty=counterparty,
            contact=contact,
        )


class PartnerEditForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    region = forms.ModelChoiceField(
        label=_("Business region"), queryset=BusinessRegion.objects.all(), required=False
    )
    source = forms.ModelChoiceField(
        label=_("Information source"), queryset=InformationSource.objects.all(), required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MergeForm(BootstrapFormMixin, forms.Form):
    merged_id = forms.IntegerField(label=_("Number of the duplicate to merge into this client"), min_value=1)
