"""The clients API (/api/v1/partners, /counterparties, /contacts, /registry/party).

Each endpoint parses its input with a schema, checks access, calls one selector or service (the
same ones the web pages call) and renders the result. Domain errors become the API's one error
format through the handlers of klientura.core.api; the two answers with extra data (duplicates,
registry failures) are returned here with their own documented schemas.
"""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from klientura.core.api import error_responses as _errors
from klientura.core.api_pagination import CursorPageParams, cursor_page
from klientura.core.errors import Forbidden, ValidationFailed

from . import registry, selectors, services, services_api_support, services_merge
from .errors import DuplicatesFound
from .identifiers import validate_inn, validate_kpp
from .schemas import (
    MAX_ID,
    ContactPageOut,
    CounterpartyPageOut,
    CountOut,
    DuplicatesErrorOut,
    DuplicatesOut,
    ManagerIn,
    MergeIn,
    PartnerCardOut,
    PartnerListQuery,
    PartnerPageOut,
    PartnerPatchIn,
    PartnerRegisterIn,
    RegistryPartyOut,
    RegistryQuery,
    SearchPageQuery,
    ShareIn,
    ShareOut,
    TagsAssignIn,
)
from .selectors import PartnerFilters

router = Router(tags=["clients"])

PartnerId = Path(..., ge=1, le=MAX_ID, description="The partner's id.")


def _error(code: str, message, **extra) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": {}, **extra}}


_CARD_FIELDS = (
    "id",
    "name",
    "kind",
    "manager",
    "on_exchange",
    "region",
    "source",
    "main_phone",
    "main_email",
    "notes",
    "custom",
    "created_at",
    "updated_at",
)


def _card(partner) -> SimpleNamespace:
    """The card of a partner the caller may see: each part read by its selector."""
    return SimpleNamespace(
        **{name: getattr(partner, name) for name in _CARD_FIELDS},
        tags=list(partner.tags.all()),
        custom_fields=services_api_support.custom_field_values(partner=partner),
        counterparties=list(selectors.partner_counterparties(partner=partner)),
        contacts=list(selectors.partner_contacts(partner=partner)),
        contact_infos=list(selectors.partner_contact_infos(partner=partner)),
    )


# --- partners: reads -------------------------------------------------------------------------


@router.get("/partners", response=PartnerPageOut, summary="List clients")
def partner_list(request, query: Query[PartnerListQuery]):
    """The clients you may see, filtered like the web list, one keyset page at a time.

    Pass `next_cursor` back as `cursor` for the next page; it is null on the last one.
    """
    filters = PartnerFilters(
        q=query.q,
        kind=query.kind or "",
        manager_id=query.manager_id,
        region_id=query.region_id,
        tag_ids=query.tag_ids,
        tags_mode=query.tags_mode,
        sort=query.sort,
    )
    page = selectors.partner_list(actor=request.auth, filters=filters, cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/partners/{int:id}", response={200: PartnerCardOut, **_errors(404)}, summary="A client's card")
def partner_card(request, id: int = PartnerId):
    """Missing clients and clients you may not see both answer 404, the same way."""
    return _card(selectors.partner_get(actor=request.auth, partner_id=id))


# --- partners: registration ------------------------------------------------------------------


@router.post(
    "/partners",
    response={201: PartnerCardOut, 409: DuplicatesErrorOut, **_errors(400, 403)},
    summary="Register a client",
)
def partner_register(request, payload: PartnerRegisterIn):
    """Register a client with its counterparty and contact person.

    When possible duplicates are found, nothing is saved and the answer is 409 with
    `error.candidates`. Check them; resend with their ids in `confirmed_duplicate_ids` to register
    anyway. Invalid identifiers, phones or e-mails answer 422 with dotted field names
    ("counterparty.inn", "contact.phone").
    """
    try:
        partner = services.partner_register(
            actor=request.auth,
            data=payload.to_input(),
            confirmed_duplicate_ids=set(payload.confirmed_duplicate_ids),
            skip_check=payload.skip_duplicate_check,
        )
    except DuplicatesFound as exc:
        candidates = [c.as_dict() for c in exc.candidates]
        return Status(409, _error(exc.code, exc.message, candidates=candidates))
    return Status(201, _card(partner))


@router.post(
    "/partners/check-duplicates",
    response={200: DuplicatesOut, **_errors(400, 403)},
    summary="Find possible duplicates of a new client",
)
def partner_check_duplicates(request, payload: PartnerRegisterIn):
    """The same body as registration; nothing is saved. Candidates you may not open are listed
    with their name and lead manager only (`visible: false`)."""
    if not request.auth.has_perm("parties.add_partner"):
        raise Forbidden()
    candidates = services.partner_check_duplicates(actor=request.auth, data=payload.to_input())
    return {"candidates": [c.as_dict() for c in candidates]}


# --- partners: changes -----------------------------------------------------------------------


@router.patch(
    "/partners/{int:id}", response={200: PartnerCardOut, **_errors(400, 403, 404)}, summary="Change a client"
)
def partner_update(request, payload: PartnerPatchIn, id: int = PartnerId):
    """Change the card's own fields; only the fields sent change. The lead manager has its own
    endpoint. In `custom`, a code set to null removes its value."""
    partner = selectors.partner_get(actor=request.auth, partner_id=id)
    data = services_api_support.partner_changes_clean(
        partner=partner, data=payload.model_dump(exclude_unset=True)
    )
    return _card(services.partner_update(actor=request.auth, partner_id=partner.pk, data=data))


@router.post(
    "/partners/{int:id}/manager",
    response={200: CountOut, **_errors(400, 403, 404)},
    summary="Give a client to another manager",
)
def partner_set_manager(request, payload: ManagerIn, id: int = PartnerId):
    """Needs the right to reassign clients (heads of sales, directors, administrators): 403 otherwise."""
    count = services.partner_set_manager(actor=request.auth, partner_ids=[id], manager_id=payload.manager_id)
    return {"count": count}


@router.post("/partners/tags", response={200: CountOut, **_errors(400, 403, 404)}, summary="Tag many clients")
def partner_tags_assign(request, payload: TagsAssignIn):
    """Add the tags to every client listed (or remove them with `"remove": true`). All or nothing:
    a client you may not see answers 404 and no client is changed."""
    count = services.partner_tags_assign(
        actor=request.auth, partner_ids=payload.partner_ids, tag_ids=payload.tag_ids, remove=payload.remove
    )
    return {"count": count}


@router.post(
    "/partners/{int:id}/share",
    response={200: ShareOut, **_errors(400, 403, 404)},
    summary="Let a colleague see a client",
)
def partner_share(request, payload: ShareIn, id: int = PartnerId):
    share = services.partner_share(actor=request.auth, partner_id=id, user_id=payload.user_id)
    return {"partner_id": share.partner_id, "user_id": share.user_id}


@router.post(
    "/partners/merge",
    response={200: PartnerCardOut, **_errors(400, 403, 404)},
    summary="Merge a duplicate into a client",
)
def partner_merge(request, payload: MergeIn):
    """Every record of `merged_id` (contacts, counterparties, contact info, tags, shares, and the
    records of other apps) moves to `survivor_id`; the merged client leaves the lists."""
    survivor = services_merge.partner_merge(
        actor=request.auth, survivor_id=payload.survivor_id, merged_id=payload.merged_id
    )
    return _card(survivor)


# --- counterparties and contacts -------------------------------------------------------------


@router.get("/counterparties", response=CounterpartyPageOut, summary="List counterparties")
def counterparty_list(request, query: Query[SearchPageQuery]):
    """Counterparties of the clients you may see; `q` is the start of an INN or part of a name."""
    qs = services_api_support.counterparties_search(actor=request.auth, q=query.q)
    params = CursorPageParams(cursor=query.cursor, limit=query.limit)
    return cursor_page(qs, ordering=["short_name", "id"], params=params, serialize=lambda c: c)


@router.get("/contacts", response=ContactPageOut, summary="List contact persons")
def contact_list(request, query: Query[SearchPageQuery]):
    """Contact persons of the clients you may see; `q` is part of the full name."""
    qs = services_api_support.contacts_search(actor=request.auth, q=query.q)
    params = CursorPageParams(cursor=query.cursor, limit=query.limit)
    return cursor_page(qs, ordering=["full_name", "id"], params=params, serialize=lambda c: c)


# --- the state registry ----------------------------------------------------------------------

_REGISTRY_FAILURES = (
    # (exception, status, code): the most specific class first.
    (registry.RegistryNotConfigured, 409, "registry_not_configured"),
    (registry.RegistryRejected, 502, "registry_rejected"),
    (registry.RegistryUnavailable, 503, "registry_unavailable"),
    (registry.RegistryError, 503, "registry_unavailable"),
)


def _registry_identifiers(query: RegistryQuery) -> tuple[str, str | None]:
    fields: dict[str, list] = {}
    inn = kpp = None
    try:
        inn = validate_inn(query.inn)
    except ValidationError as exc:
        fields["inn"] = exc.messages
    if query.kpp and query.kpp.strip():
        try:
            kpp = validate_kpp(query.kpp)
        except ValidationError as exc:
            fields["kpp"] = exc.messages
    if fields:
        raise ValidationFailed(fields=fields)
    return inn, kpp


@router.get(
    "/registry/party",
    response={200: RegistryPartyOut, **_errors(403, 404, 409, 502, 503)},
    summary="Look up a company by INN in the state registry",
)
def registry_party(request, query: Query[RegistryQuery]):
    """The requisites the registry knows for an INN (and KPP, for a branch), to fill a new
    counterparty. 409 `registry_not_configured` when no registry access key is set, 404 when the
    registry knows no such party, 502 when it refuses us, 503 when it cannot be reached."""
    if not request.auth.has_perm("parties.add_partner"):
        raise Forbidden()
    inn, kpp = _registry_identifiers(query)
    try:
        party = registry.registry_find_party(inn=inn, kpp=kpp)
    except registry.RegistryError as exc:
        status, code = next((s, c) for cls, s, c in _REGISTRY_FAILURES if isinstance(exc, cls))
        return Status(status, _error(code, exc.message))
    if party is None:
        return Status(
            404, _error("not_found", _("The registry has no organisation or entrepreneur with this INN."))
        )
    counterparty_kind = "legal" if party.kind == registry.KIND_LEGAL else "entrepreneur"
    return {**party.__dict__, "counterparty_kind": counterparty_kind}
