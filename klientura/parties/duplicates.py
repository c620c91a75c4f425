"""Finding possible duplicates of a client before it is registered (or imported).

Exact matches by normalised INN, phone (E.164) and e-mail come from indexed lookups; similar names
from pg_trgm on PostgreSQL and from rapidfuzz over a token-prefiltered candidate set on SQLite.
Candidates the user may not open are still reported (a duplicate hidden from its finder would be
registered twice), but only with the name and lead manager: see docs/decisions/0002-access.md.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from klientura.accounts.access import partner_access_q

from .models import ContactInfo, ContactKind, Counterparty, Partner
from .normalize import normalize_name

NAME_SIMILARITY_THRESHOLD = 0.6
MAX_CANDIDATES = 20


@dataclass
class DuplicateCandidate:
    partner_id: int
    name: str
    manager: str
    visible: bool
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "partner_id": self.partner_id,
            "name": self.name,
            "manager": self.manager,
            "visible": self.visible,
            "reasons": [str(r) for r in self.reasons],
            "score": round(self.score, 3),
        }


def _partners_by_contact(kind: str, values: list[str]) -> dict[int, str]:
    """partner id → the matched value, for contact info held by the partner or by its contacts."""
    if not values:
        return {}
    rows = ContactInfo.objects.filter(kind=kind, normalized__in=values).values_list(
        "partner_id", "contact__partners__id", "normalized"
    )[:200]
    found = {}
    for partner_id, via_contact, value in rows:
        for pid in (partner_id, via_contact):
            if pid:
                found.setdefault(pid, value)
    return found


def _partners_by_inn(inn: str) -> dict[int, str]:
    if not inn:
        return {}
    rows = Counterparty.objects.filter(inn=inn).values_list("partners__id", flat=True)[:50]
    return {pid: inn for pid in rows if pid}


def _partners_by_name(name: str) -> dict[int, float]:
    key = normalize_name(name)
    if len(key) < 3:
        return {}
    if connection.vendor == "postgresql":
        return _similar_names_postgres(key)
    return _similar_names_rapidfuzz(key)


def _similar_names_postgres(key: str) -> dict[int, float]:
    with connection.cursor() as cursor:
        # `%` uses the GIN trigram index; the threshold is set per transaction-local statement.
        cursor.execute("SELECT set_limit(%s)", [NAME_SIMILARITY_THRESHOLD])
        cursor.execute(
            "SELECT id, similarity(name_normalized, %s) AS s FROM parties_partner "
            "WHERE name_normalized %% %s AND merged_into_id IS NULL ORDER BY s DESC LIMIT %s",
            [key, key, MAX_CANDIDATES],
        )
        return {pid: float(score) for pid, score in cursor.fetchall()}


def _similar_names_rapidfuzz(key: str) -> dict[int, float]:
    tokens = sorted((t for t in key.split() if len(t) >= 3), key=len, reverse=True)[:3]
    if not tokens:
        tokens = [key]
    condition = Q()
    for token in tokens:
        condition |= Q(name_normalized__contains=token)
    rows = Partner.objects.filter(condition, merged_into=None).values_list("id", "name_normalized")[:5000]
    ids, names = zip(*rows, strict=True) if rows else ((), ())
    # The stored names are normalised already: score them directly, in C, without re-normalising.
    matches = process.extract(
        key,
        names,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=NAME_SIMILARITY_THRESHOLD * 100,
        limit=MAX_CANDIDATES,
    )
    return {ids[index]: score / 100 for _name, score, index in matches}


def duplicates_find(
    *,
    actor,
    name: str = "",
    inn: str = "",
    phones: list[str] = (),
    emails: list[str] = (),
    exclude_ids: set[int] = frozenset(),
) -> list[DuplicateCandidate]:
    """Possible duplicates, strongest first. Phones must be E.164 and e-mails lower-cased already."""
    reasons: dict[int, list] = {}
    scores: dict[int, float] = {}

    def add(pid: int, reason, score: float) -> None:
        reasons.setdefault(pid, []).append(reason)
        scores[pid] = max(scores.get(pid, 0.0), score)

    for pid, value in _partners_by_inn(inn).items():
        add(pid, _("same INN %(value)s") % {"value": value}, 1.0)
    for pid, value in _partners_by_contact(ContactKind.PHONE, list(phones)).items():
        add(pid, _("same phone %(value)s") % {"value": value}, 0.95)
    for pid, value in _partners_by_contact(ContactKind.EMAIL, list(emails)).items():
        add(pid, _("same e-mail %(value)s") % {"value": value}, 0.9)
    for pid, score in _partners_by_name(name).items():
        add(pid, _("similar name (%(percent)s%%)") % {"percent": round(score * 100)}, score * 0.85)
    ids = [pid for pid in reasons if pid not in exclude_ids]
    if not ids:
        return []
    partners = Partner.objects.filter(pk__in=ids, merged_into=None).select_related("manager")
    visible = set(Partner.objects.filter(partner_access_q(actor), pk__in=ids).values_list("pk", flat=True))
    candidates = [
        DuplicateCandidate(
            partner_id=p.pk,
            name=p.name,
            manager=str(p.manager) if p.manager else "",
            visible=p.pk in visible,
            reasons=reasons[p.pk],
            score=scores[p.pk],
        )
        for p in partners
    ]
    return sorted(candidates, key=lambda c: (-c.score, c.partner_id))[:MAX_CANDIDATES]
