"""Roles are Django groups with permissions; this module is their single definition."""

from django.utils.translation import gettext_lazy as _

SALES_MANAGER = "sales_manager"
HEAD_OF_SALES = "head_of_sales"
DIRECTOR = "director"
MARKETER = "marketer"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    SALES_MANAGER: _("Sales manager"),
    HEAD_OF_SALES: _("Head of sales"),
    DIRECTOR: _("Director"),
    MARKETER: _("Marketer"),
    ADMINISTRATOR: _("Administrator"),
}

# Roles whose holders see every partner. Marketers segment and mail the whole base, so they read it
# all; they are not given the right to reassign managers (see docs/decisions/0002-access.md).
SEES_ALL_PARTNERS = frozenset({DIRECTOR, ADMINISTRATOR, MARKETER})

_PARTY_VIEW = ["parties.view_partner", "parties.view_counterparty", "parties.view_contactperson"]
_PARTY_EDIT = [
    "parties.add_partner",
    "parties.change_partner",
    "parties.add_counterparty",
    "parties.change_counterparty",
    "parties.add_contactperson",
    "parties.change_contactperson",
]

_CATALOG_VIEW = ["catalog.view_product", "catalog.view_pricetype", "catalog.view_warehouse"]
_CATALOG_EDIT = [
    f"catalog.{verb}_{model}"
    for verb in ("add", "change", "delete")
    for model in ("product", "productgroup", "pricetype", "productprice", "warehouse", "stockbalance")
]
_SALES_VIEW = [
    "sales.view_order", "sales.view_invoice", "sales.view_shipment", "sales.view_payment",
    "sales.view_agreement",
]
_SALES_EDIT = [
    "sales.add_order", "sales.change_order", "sales.add_invoice", "sales.change_invoice",
    "sales.add_shipment", "sales.add_payment", "sales.add_agreement", "sales.change_agreement",
]
_SALES_LEAD = ["sales.confirm_terms_exception", "sales.import_sales", "sales.manage_typical_agreements"]

ROLE_PERMISSIONS = {
    SALES_MANAGER: [*_PARTY_VIEW, *_PARTY_EDIT, "parties.import_partners", "parties.export_partners"],
    HEAD_OF_SALES: [
        *_PARTY_VIEW,
        *_PARTY_EDIT,
        "parties.import_partners",
        "parties.export_partners",
        "parties.reassign_partner",
        "parties.merge_partner",
    ],
    DIRECTOR: [*_PARTY_VIEW, "parties.export_partners", "parties.reassign_partner"],
    MARKETER: [*_PARTY_VIEW, "parties.export_partners", "parties.tag_partner"],
    ADMINISTRATOR: [
        *_PARTY_VIEW,
        *_PARTY_EDIT,
        "parties.import_partners",
        "parties.export_partners",
        "parties.reassign_partner",
        "parties.merge_partner",
        "parties.register_without_check",
        "parties.manage_classifiers",
        "parties.delete_partner",
        "accounts.manage_system",
    ],
}
ROLE_PERMISSIONS[SALES_MANAGER] += [*_CATALOG_VIEW, *_SALES_VIEW, *_SALES_EDIT]
ROLE_PERMISSIONS[HEAD_OF_SALES] += [*_CATALOG_VIEW, *_SALES_VIEW, *_SALES_EDIT, *_SALES_LEAD]
ROLE_PERMISSIONS[DIRECTOR] += [*_CATALOG_VIEW, *_SALES_VIEW, "sales.confirm_terms_exception"]
ROLE_PERMISSIONS[MARKETER] += [*_CATALOG_VIEW, *_SALES_VIEW]
ROLE_PERMISSIONS[ADMINISTRATOR] += [
    *_CATALOG_VIEW, *_CATALOG_EDIT, *_SALES_VIEW, *_SALES_EDIT, *_SALES_LEAD,
    "sales.change_organization", "sales.add_organization", "sales.change_lettertemplate",
    "sales.add_lettertemplate",
]
_EVENTS_VIEW = ["interactions.view_event", "interactions.view_event_reports", "interactions.view_survey"]
_EVENTS_EDIT = ["interactions.add_event", "interactions.change_event"]
_SURVEYS_EDIT = ["interactions.add_surveytemplate", "interactions.change_surveytemplate"]
ROLE_PERMISSIONS[SALES_MANAGER] += [*_EVENTS_VIEW, *_EVENTS_EDIT]
ROLE_PERMISSIONS[HEAD_OF_SALES] += [*_EVENTS_VIEW, *_EVENTS_EDIT, *_SURVEYS_EDIT, "interactions.sort_mail"]
ROLE_PERMISSIONS[DIRECTOR] += [*_EVENTS_VIEW]
ROLE_PERMISSIONS[MARKETER] += [*_EVENTS_VIEW, *_EVENTS_EDIT, *_SURVEYS_EDIT]
ROLE_PERMISSIONS[ADMINISTRATOR] += [*_EVENTS_VIEW, *_EVENTS_EDIT, *_SURVEYS_EDIT, "interactions.sort_mail"]
_DEALS_VIEW = ["deals.view_deal", "deals.view_lead"]
_DEALS_EDIT = ["deals.add_deal", "deals.change_deal"]
_DEALS_LEAD = ["deals.view_deal_reports", "deals.manage_leads", "accounts.view_absence", "accounts.add_absence",
               "accounts.change_absence", "accounts.delete_absence"]
ROLE_PERMISSIONS[SALES_MANAGER] += [*_DEALS_VIEW, *_DEALS_EDIT]
ROLE_PERMISSIONS[HEAD_OF_SALES] += [*_DEALS_VIEW, *_DEALS_EDIT, *_DEALS_LEAD]
ROLE_PERMISSIONS[DIRECTOR] += [*_DEALS_VIEW, "deals.view_deal_reports"]
ROLE_PERMISSIONS[MARKETER] += [*_DEALS_VIEW, "deals.view_deal_reports"]
ROLE_PERMISSIONS[ADMINISTRATOR] += [*_DEALS_VIEW, *_DEALS_EDIT, *_DEALS_LEAD, "deals.manage_deal_classifiers"]
_SEGMENTS_EDIT = ["segments.view_segment", "segments.add_segment", "segments.change_segment",
                  "segments.delete_segment", "segments.refresh_segment"]
ROLE_PERMISSIONS[SALES_MANAGER] += ["segments.view_segment", "segments.take_from_exchange"]
ROLE_PERMISSIONS[HEAD_OF_SALES] += [*_SEGMENTS_EDIT, "segments.view_zone_dashboard", "segments.take_from_exchange"]
ROLE_PERMISSIONS[DIRECTOR] += ["segments.view_segment", "segments.view_zone_dashboard"]
ROLE_PERMISSIONS[MARKETER] += [*_SEGMENTS_EDIT]
ROLE_PERMISSIONS[ADMINISTRATOR] += [*_SEGMENTS_EDIT, "segments.view_zone_dashboard", "segments.take_from_exchange",
                                    "segments.view_zonesettings", "segments.change_zonesettings"]
# Every sales role may tag its partners.
for _role in (SALES_MANAGER, HEAD_OF_SALES, ADMINISTRATOR):
    ROLE_PERMISSIONS[_role].append("parties.tag_partner")


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_klientura_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ADMINISTRATOR)
        user._klientura_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user).intersection(roles))


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions (idempotent).

    All permissions are read in one query: this runs after every migrate and every test flush.
    """
    from django.contrib.auth.models import Group, Permission

    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[dotted] for dotted in perms if dotted in by_name])


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # Runs after each app's migrations: permissions of apps later in the list appear only then.
    roles_sync()
