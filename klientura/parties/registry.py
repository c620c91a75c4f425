"""Look up a company or an individual entrepreneur in the state registry by INN.

The client speaks the DaData "findById/party" protocol:
``POST {base_url}/suggestions/api/4_1/rs/findById/party`` with ``{"query": "<inn>"}``
(and optionally ``"kpp"``), authorised by ``Authorization: Token <token>``.

Only the standard library is used. Every failure reaches the caller as a ``RegistryError``
subclass carrying a translatable ``message`` for the user; raw urllib, socket and JSON
exceptions never escape.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_BASE_URL = "https://suggestions.dadata.ru"
DEFAULT_TIMEOUT = 5.0
FIND_PARTY_PATH = "/suggestions/api/4_1/rs/findById/party"
# A findById/party answer is a few kilobytes per branch; anything far larger is not the registry.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024

KIND_LEGAL = "legal"
KIND_INDIVIDUAL = "individual"

STATUS_ACTIVE = "active"
STATUS_LIQUIDATING = "liquidating"
STATUS_LIQUIDATED = "liquidated"
STATUS_BANKRUPT = "bankrupt"
STATUS_REORGANIZING = "reorganizing"

_INN_RE = re.compile(r"\d{10}|\d{12}")
_KPP_RE = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}")
_REGISTRY_KINDS = {"LEGAL": KIND_LEGAL, "INDIVIDUAL": KIND_INDIVIDUAL}


class RegistryError(Exception):
    """The registry lookup failed; ``message`` is safe to show to the user."""

    default_message = _("The registry lookup failed. Fill in the details by hand.")

    def __init__(self, message: Any = None, *, detail: str = "", status_code: int | None = None) -> None:
        self.message = message if message is not None else self.default_message
        # ``detail`` is a technical, untranslated note for logs; never show it to the user.
        self.detail = detail
        self.status_code = status_code
        super().__init__(self.message)


class RegistryNotConfigured(RegistryError):
    default_message = _("The registry lookup is not configured: set REGISTRY_TOKEN.")


class RegistryUnavailable(RegistryError):
    default_message = _(
        "The registry is not available right now. Try again later or fill in the details by hand."
    )


class RegistryRejected(RegistryError):
    default_message = _("The registry refused the request.")


_MSG_BAD_BASE_URL = _("The registry address is not valid: check REGISTRY_BASE_URL.")
_MSG_TIMEOUT = _("The registry did not answer in time. Try again later or fill in the details by hand.")
_MSG_BAD_ANSWER = _(
    "The registry sent an answer that could not be read. Try again later or fill in the details by hand."
)
_MSG_BAD_TOKEN = _("The registry refused the access key: check REGISTRY_TOKEN.")
_MSG_QUOTA = _("The registry request limit is used up. Try again later or fill in the details by hand.")


@dataclass(frozen=True)
class RegistryParty:
    """A party as the registry knows it. Missing values are empty strings."""

    inn: str
    kpp: str
    ogrn: str
    kind: str  # KIND_LEGAL or KIND_INDIVIDUAL
    full_name: str
    short_name: str
    legal_address: str
    management_name: str
    management_post: str
    status: str  # STATUS_* in lower case, or "" when the registry does not say


def registry_is_configured() -> bool:
    return bool(str(getattr(settings, "REGISTRY_TOKEN", "") or "").strip())


def registry_find_party(
    *,
    inn: str,
    kpp: str | None = None,
    base_url: str | None = None,
    token: str | None = None,
    timeout: float | None = None,
) -> RegistryParty | None:
    """Return the registry's record for ``inn`` (and ``kpp``), or None if it knows no such party."""
    _check_identifiers(inn=inn, kpp=kpp)
    if token is None:
        token = getattr(settings, "REGISTRY_TOKEN", "")
    token = str(token or "").strip()
    if not token:
        raise RegistryNotConfigured(detail="REGISTRY_TOKEN is empty")
    if base_url is None:
        base_url = getattr(settings, "REGISTRY_BASE_URL", DEFAULT_BASE_URL)
    if timeout is None:
        timeout = getattr(settings, "REGISTRY_TIMEOUT", DEFAULT_TIMEOUT)

    url = _endpoint_url(str(base_url or ""))
    body: dict[str, str] = {"query": inn}
    if kpp:
        body["kpp"] = kpp
    payload = _post_json(url=url, body=body, token=token, timeout=float(timeout))
    suggestion = _pick_suggestion(payload, kpp=kpp)
    if suggestion is None:
        return None
    return _party_from_suggestion(suggestion, inn=inn)


def _check_identifiers(*, inn: str, kpp: str | None) -> None:
    if not isinstance(inn, str) or not _INN_RE.fullmatch(inn):
        raise ValueError("inn must be a string of 10 or 12 digits")
    if kpp is not None and kpp != "" and (not isinstance(kpp, str) or not _KPP_RE.fullmatch(kpp)):
        raise ValueError("kpp must be 9 characters: 4 digits, 2 digits or capital letters, 3 digits")


def _endpoint_url(base_url: str) -> str:
    base_url = base_url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(base_url)
    # Only http(s): urllib would also open file:// and ftp:// addresses.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistryNotConfigured(_MSG_BAD_BASE_URL, detail=f"bad REGISTRY_BASE_URL {base_url!r}")
    return base_url + FIND_PARTY_PATH


def _post_json(*, url: str, body: dict[str, str], token: str, timeout: float) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in _endpoint_url
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Token {token}",
            "User-Agent": "Klientura registry client",
        },
        method="POST",
    )
    # A fresh opener per call honours the proxy environment as it is now, not as it was at import.
    opener = urllib.request.build_opener()
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _error_for_status(exc.code, url) from None
    except TimeoutError:
        raise RegistryUnavailable(_MSG_TIMEOUT, detail=f"timeout after {timeout}s: {url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise RegistryUnavailable(_MSG_TIMEOUT, detail=f"timeout after {timeout}s: {url}") from None
        raise RegistryUnavailable(detail=f"cannot reach {url}: {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise RegistryUnavailable(detail=f"connection to {url} failed: {exc!r}") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise RegistryUnavailable(_MSG_BAD_ANSWER, detail=f"answer from {url} is too large")
    try:
        return json.loads(raw)
    except ValueError:
        raise RegistryUnavailable(_MSG_BAD_ANSWER, detail=f"answer from {url} is not JSON") from None


def _error_for_status(status: int, url: str) -> RegistryError:
    detail = f"HTTP {status} from {url}"
    if status in (401, 403):
        return RegistryRejected(_MSG_BAD_TOKEN, detail=detail, status_code=status)
    if status == 429:
        return RegistryRejected(_MSG_QUOTA, detail=detail, status_code=status)
    return RegistryUnavailable(detail=detail, status_code=status)


def _pick_suggestion(payload: Any, *, kpp: str | None) -> dict[str, Any] | None:
    """The branch with the asked KPP, else the head office, else the first one listed."""
    suggestions = payload.get("suggestions") if isinstance(payload, dict) else None
    if not isinstance(suggestions, list):
        raise RegistryUnavailable(_MSG_BAD_ANSWER, detail="answer has no 'suggestions' list")
    candidates = [s for s in suggestions if isinstance(s, dict) and isinstance(s.get("data"), dict)]
    if not candidates:
        return None
    if kpp:
        for suggestion in candidates:
            if suggestion["data"].get("kpp") == kpp:
                return suggestion
    for suggestion in candidates:
        if suggestion["data"].get("branch_type") == "MAIN":
            return suggestion
    return candidates[0]


def _party_from_suggestion(suggestion: dict[str, Any], *, inn: str) -> RegistryParty:
    data = suggestion["data"]
    kind = _REGISTRY_KINDS.get(_text(data, "type")) or (KIND_LEGAL if len(inn) == 10 else KIND_INDIVIDUAL)
    if kind == KIND_INDIVIDUAL:
        full_name, short_name = _individual_names(data)
        management_name = management_post = ""
    else:
        name = _section(data, "name")
        full_name = _text(name, "full_with_opf") or _text(name, "full")
        short_name = _text(name, "short_with_opf") or _text(name, "short")
        management = _section(data, "management")
        management_name, management_post = _text(management, "name"), _text(management, "post")
    full_name = full_name or _text(suggestion, "unrestricted_value") or _text(suggestion, "value")
    address = _section(data, "address")
    return RegistryParty(
        inn=_text(data, "inn") or inn,
        kpp=_text(data, "kpp"),
        ogrn=_text(data, "ogrn"),
        kind=kind,
        full_name=full_name,
        short_name=short_name or full_name,
        legal_address=_text(address, "unrestricted_value") or _text(address, "value"),
        management_name=management_name,
        management_post=management_post,
        status=_text(_section(data, "state"), "status").lower(),
    )


def _individual_names(data: dict[str, Any]) -> tuple[str, str]:
    """An entrepreneur is named by the person: "<OPF> Surname Name Patronymic"."""
    fio = _section(data, "fio")
    person = " ".join(p for p in (_text(fio, "surname"), _text(fio, "name"), _text(fio, "patronymic")) if p)
    name = _section(data, "name")
    if not person:
        return _text(name, "full_with_opf") or _text(name, "full"), _text(name, "short_with_opf")
    opf = _section(data, "opf")
    full_opf, short_opf = _text(opf, "full"), _text(opf, "short")
    full_name = f"{full_opf} {person}" if full_opf else _text(name, "full_with_opf") or person
    short_name = f"{short_opf} {person}" if short_opf else _text(name, "short_with_opf") or person
    return full_name, short_name


def _section(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _text(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()
