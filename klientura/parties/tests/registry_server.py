"""A loopback stand-in for the DaData "findById/party" registry, for tests.

    with RegistryServer({"7707083893": legal_party_payload(...)}) as server:
        registry_find_party(inn="7707083893", base_url=server.base_url, token=server.token)
        assert server.requests[0].json == {"query": "7707083893"}

It is a real HTTP server on 127.0.0.1 (a free port, one thread per request). Set ``server.mode``
to one of the ``MODE_*`` values to make it fail the way the real registry can.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIND_PARTY_PATH = "/suggestions/api/4_1/rs/findById/party"

MODE_NORMAL = "normal"
MODE_SERVER_ERROR = "server_error"  # 500
MODE_QUOTA = "quota"  # 429
MODE_SLOW = "slow"  # waits ``delay`` seconds, then answers normally
MODE_MALFORMED = "malformed"  # 200 with a body that is not JSON
MODES = (MODE_NORMAL, MODE_SERVER_ERROR, MODE_QUOTA, MODE_SLOW, MODE_MALFORMED)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: http.client.HTTPMessage  # case-insensitive: headers["authorization"] works
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class RegistryServer:
    """Context manager running the fake registry; ``parties`` maps INN to a suggestion or a list."""

    def __init__(
        self,
        parties: dict[str, dict[str, Any] | list[dict[str, Any]]] | None = None,
        token: str = "test-token",  # noqa: S107 - a fake token for the fake registry
        *,
        delay: float = 2.0,
    ) -> None:
        self.parties = dict(parties or {})
        self.token = token
        self.delay = delay
        self.mode = MODE_NORMAL
        self.requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the registry server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RegistryServer:
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.registry = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="registry-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes a handler sleeping in MODE_SLOW
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, body: Any) -> tuple[int, Any]:
        """The status and JSON the registry gives for a parsed request body (MODE_NORMAL)."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, {"family": "CLIENT_ERROR", "reason": "Bad Request", "message": "query is required"}
        found = self.parties.get(body["query"].strip(), [])
        suggestions = [found] if isinstance(found, dict) else list(found)
        kpp = body.get("kpp")
        if kpp:
            suggestions = [s for s in suggestions if s.get("data", {}).get("kpp") == kpp]
        return 200, {"suggestions": suggestions}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    registry: RegistryServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout tests) leaves a broken pipe behind; that is expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send_json(405, {"family": "CLIENT_ERROR", "reason": "Method Not Allowed"})

    def do_POST(self) -> None:
        registry = self.server.registry
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = RecordedRequest(method="POST", path=self.path, headers=self.headers, body=body)
        registry.requests.append(recorded)

        if self.path != FIND_PARTY_PATH:
            self._send_json(404, {"family": "CLIENT_ERROR", "reason": "Not Found"})
            return
        mode = registry.mode
        if mode == MODE_SLOW and registry._stopping.wait(registry.delay):
            self.close_connection = True
            return
        if self.headers.get("Authorization") != f"Token {registry.token}":
            self._send_json(401, {"family": "CLIENT_ERROR", "reason": "Unauthorized"})
        elif mode == MODE_SERVER_ERROR:
            self._send_json(500, {"family": "SERVER_ERROR", "reason": "Internal Server Error"})
        elif mode == MODE_QUOTA:
            self._send_json(429, {"family": "CLIENT_ERROR", "reason": "Too Many Requests"})
        elif mode == MODE_MALFORMED:
            self._send(200, b'{"suggestions": [{"value": "truncated')
        else:
            self._send_json(*registry.answer(recorded.json))

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True


def legal_party_payload(
    inn: str,
    kpp: str,
    ogrn: str,
    full: str,
    short: str,
    address: str,
    manager_name: str,
    manager_post: str,
    *,
    status: str = "ACTIVE",
    opf_full: str = "Общество с ограниченной ответственностью",
    opf_short: str = "ООО",
    branch_type: str = "MAIN",
    okved: str = "62.01",
) -> dict[str, Any]:
    """One suggestion for a legal entity; ``full`` and ``short`` are names without the OPF."""
    short_with_opf = f'{opf_short} "{short}"'
    return {
        "value": short_with_opf,
        "unrestricted_value": short_with_opf,
        "data": {
            "kpp": kpp,
            "capital": None,
            "management": {"name": manager_name, "post": manager_post, "disqualified": None},
            "founders": None,
            "managers": None,
            "branch_type": branch_type,
            "branch_count": 0,
            "source": None,
            "qc": None,
            "hid": f"hid-{inn}-{kpp}",
            "type": "LEGAL",
            "state": _state(status),
            "opf": {"type": "2014", "code": "12300", "full": opf_full, "short": opf_short},
            "name": {
                "full_with_opf": f'{opf_full} "{full}"',
                "short_with_opf": short_with_opf,
                "latin": None,
                "full": full,
                "short": short,
            },
            "inn": inn,
            "ogrn": ogrn,
            "okpo": None,
            "okved": okved,
            "okveds": None,
            "authorities": None,
            "documents": None,
            "licenses": None,
            "address": {"value": address, "unrestricted_value": address, "data": None},
            "phones": None,
            "emails": None,
            "ogrn_date": 1029456000000,
            "okved_type": "2014",
            "employee_count": None,
        },
    }


def individual_party_payload(
    inn: str,
    ogrn: str,
    surname: str,
    name: str,
    patronymic: str,
    address: str = "",
    *,
    status: str = "ACTIVE",
    okved: str = "47.91",
) -> dict[str, Any]:
    """One suggestion for an individual entrepreneur (no KPP, no management)."""
    person = " ".join(p for p in (surname, name, patronymic) if p)
    return {
        "value": f"ИП {person}",
        "unrestricted_value": f"ИП {person}",
        "data": {
            "kpp": None,
            "capital": None,
            "management": None,
            "founders": None,
            "managers": None,
            "branch_type": None,
            "branch_count": None,
            "source": None,
            "qc": None,
            "hid": f"hid-{inn}",
            "type": "INDIVIDUAL",
            "state": _state(status),
            "opf": {"type": "2014", "code": "50102", "full": "Индивидуальный предприниматель", "short": "ИП"},
            "name": {
                "full_with_opf": f"Индивидуальный предприниматель {person}",
                "short_with_opf": f"ИП {person}",
                "latin": None,
                "full": person,
                "short": None,
            },
            "fio": {"surname": surname, "name": name, "patronymic": patronymic or None, "gender": None},
            "inn": inn,
            "ogrn": ogrn,
            "okpo": None,
            "okved": okved,
            "okveds": None,
            "authorities": None,
            "documents": None,
            "licenses": None,
            "address": {"value": address, "unrestricted_value": address, "data": None} if address else None,
            "phones": None,
            "emails": None,
            "ogrn_date": 1420070400000,
            "okved_type": "2014",
            "employee_count": None,
        },
    }


def _state(status: str) -> dict[str, Any]:
    liquidated = status == "LIQUIDATED"
    return {
        "status": status,
        "code": None,
        "actuality_date": 1704067200000,
        "registration_date": 1029456000000,
        "liquidation_date": 1704067200000 if liquidated else None,
    }
