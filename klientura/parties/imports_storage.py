"""Uploaded files kept on the server between an import's preview and its confirmation.

A file waits under MEDIA_ROOT/imports named by a random token; the browser only ever holds the
token. Files older than a day are abandoned imports and are purged.
"""

import contextlib
import datetime
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE = datetime.timedelta(hours=24)
UPLOAD_EXTENSIONS = ("csv", "xlsx", "vcf")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def upload_path(token: str, extension: str) -> Path:
    """Where an upload waits. Only a well-formed token and a known extension make a path."""
    if not _TOKEN.fullmatch(token or "") or extension not in UPLOAD_EXTENSIONS:
        raise ValueError("bad upload token")
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / f"{token}.{extension}"


def upload_store(file, *, extension: str) -> str:
    """Keep an uploaded file until the user confirms the import; returns its random token."""
    uploads_purge()
    token = secrets.token_urlsafe(24)
    path = upload_path(token, extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    file.seek(0)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
    with path.open("xb") as out:
        for chunk in chunks:
            out.write(chunk)
    return token


def upload_open(token: str, extension: str):
    """The kept file opened for reading (a context manager), or None when it is gone or expired."""
    from django.core.files import File

    try:
        path = upload_path(token, extension)
        if time.time() - path.stat().st_mtime > UPLOAD_MAX_AGE.total_seconds():
            path.unlink(missing_ok=True)
            return None
        return File(path.open("rb"), name=path.name)
    except (ValueError, OSError):
        return None


def upload_delete(token: str, extension: str) -> None:
    with contextlib.suppress(ValueError):
        upload_path(token, extension).unlink(missing_ok=True)


def uploads_purge(max_age: datetime.timedelta = UPLOAD_MAX_AGE) -> int:
    """Delete kept uploads older than `max_age` (abandoned imports). Returns how many."""
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    if not folder.is_dir():
        return 0
    limit, removed = time.time() - max_age.total_seconds(), 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process purged it first
            continue
    return removed
