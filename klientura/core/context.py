"""Per-request facts (the client's address) that the audit trail records without threading them
through every service call. A context variable, so it is safe under threads and async."""

from contextvars import ContextVar

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
