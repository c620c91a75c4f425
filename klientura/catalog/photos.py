"""Product photos: what may be uploaded, and how a stored photo is sent back.

An upload is trusted only after Pillow has read it as one of a few web image formats: the name and
the browser's content type say nothing. The stored name is random with the extension of the format
Pillow found, so the file is always served with the right content type and never as HTML or SVG.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image

from klientura.core.errors import ValidationFailed

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Far above any camera, far below what would exhaust the server's memory when a browser decodes it.
MAX_PHOTO_PIXELS = 80_000_000
PHOTO_FORMATS = {
    # Pillow's format name → (extension, content type)
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(PHOTO_FORMATS.values())
ACCEPT = ",".join(sorted(f"image/{t.split('/')[1]}" for t in CONTENT_TYPES.values()))

NOT_AN_IMAGE = _("The file is not a picture. Upload a photo in JPEG, PNG, GIF or WebP format.")


@dataclass(frozen=True)
class CheckedPhoto:
    extension: str
    width: int
    height: int

    def storage_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def _refused(message, **params) -> ValidationFailed:
    text = message % params if params else message
    return ValidationFailed(text, fields={"photo": [text]})


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, io.SEEK_END)
    return size


def photo_check(file) -> CheckedPhoto:
    """Refuse anything that is not a JPEG, PNG, GIF or WebP picture of at most 5 MB."""
    size = _size(file)
    if size == 0:
        raise _refused(_("The photo file is empty."))
    if size > MAX_PHOTO_BYTES:
        raise _refused(
            _("The photo is too large (%(size)s MB); at most %(limit)s MB may be uploaded."),
            size=f"{size / (1024 * 1024):.1f}",
            limit=MAX_PHOTO_BYTES // (1024 * 1024),
        )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # A decompression bomb must be refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format, (width, height) = image.format, image.size
                image.verify()
    except Exception as exc:
        # Not an image (UnidentifiedImageError), a bomb, or a damaged file: Pillow raises many kinds.
        raise _refused(NOT_AN_IMAGE) from exc
    finally:
        file.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise _refused(NOT_AN_IMAGE)
    if width * height > MAX_PHOTO_PIXELS:
        raise _refused(_("The picture has too many pixels; make it smaller and upload it again."))
    return CheckedPhoto(PHOTO_FORMATS[image_format][0], width, height)


def photo_content_type(name: str) -> str:
    """The content type of a stored photo by its extension (set from the checked format)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension, "application/octet-stream")
