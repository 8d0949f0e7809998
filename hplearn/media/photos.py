"""Photos from phones, re-encoded: EXIF and GPS gone, turned upright, long side limited.

A photo of homework can carry the place it was taken and the phone's name; the re-encoded file
keeps only the pixels. HEIC (iPhone photos) is read when pillow-heif is installed.
"""

from __future__ import annotations

import importlib.util
import io
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hplearn.media.uploads import MediaError, MediaTypeRefused, too_large

if TYPE_CHECKING:
    from PIL import Image

# HEIC is refused like any other unknown format without pillow-heif.
HEIC_READABLE = importlib.util.find_spec("pillow_heif") is not None
_heif_lock = threading.Lock()
_heif_registered: list[bool] = []


def _pillow():
    """Pillow and pillow-heif's opener, imported with the first photo: their modules and
    libraries cost a serving process ~7 MB (issue 16 item 6)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if HEIC_READABLE and not _heif_registered:
        with _heif_lock:
            if not _heif_registered:
                from pillow_heif import register_heif_opener

                register_heif_opener()
                _heif_registered.append(True)
    return Image, ImageOps, UnidentifiedImageError

LONG_SIDE_MAX = 2000
# Refuse before decoding: 40 megapixels is above any phone camera's default; bigger is a bomb.
PIXELS_MAX = 40_000_000
JPEG_QUALITY = 85
READ_FORMATS = ("JPEG", "PNG", "WEBP", *(("HEIF",) if HEIC_READABLE else ()))
ACCEPTED_NAMES = "JPEG、PNG、WebP" + ("、HEIC" if HEIC_READABLE else "")
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp" + (
    ",image/heic,image/heif,.heic,.heif" if HEIC_READABLE else ""
)


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo ready to store: its bytes and the name to show."""

    data: bytes
    name: str


def _read_limited(stream, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large("image")
    if not data:
        raise MediaError("图片文件是空的。")
    return data


def _open(data: bytes) -> Image.Image:
    Image, _, UnidentifiedImageError = _pillow()
    refused = MediaTypeRefused(f"文件内容不是允许的图片格式（{ACCEPTED_NAMES}）。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=READ_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError,
            OSError, ValueError, SyntaxError) as error:
        # Far more pixels than PIXELS_MAX, or not a picture Pillow reads in READ_FORMATS.
        raise refused from error
    if image.width * image.height > PIXELS_MAX:
        raise MediaError("图片像素太多（最多 4000 万像素），请缩小后再上传。")
    return image


def _decoded(image: Image.Image) -> Image.Image:
    Image, ImageOps, _ = _pillow()
    if image.format == "JPEG":
        # Decode a big phone JPEG at a reduced scale still at least LONG_SIDE_MAX: much faster.
        image.draft("RGB", (LONG_SIDE_MAX, LONG_SIDE_MAX))
    try:
        upright = ImageOps.exif_transpose(image)
        upright.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise MediaTypeRefused("图片已损坏，无法读取，请换一张。") from error
    upright.thumbnail((LONG_SIDE_MAX, LONG_SIDE_MAX), Image.Resampling.LANCZOS)
    return upright


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def reencode(stream, client_name: str | None, limit: int) -> Photo:
    """Read a JPEG, PNG, WebP (or HEIC) photo and write it anew without metadata.

    Transparent pictures become PNG, the rest JPEG. Raises MediaTooLarge over limit bytes,
    MediaTypeRefused for anything that is not such a picture, MediaError for too many pixels.
    """
    image = _decoded(_open(_read_limited(stream, limit)))
    output = io.BytesIO()
    if _has_alpha(image):
        clean, fmt, extension = image.convert("RGBA"), "PNG", "png"
    else:
        clean, fmt, extension = image.convert("RGB"), "JPEG", "jpg"
    # A fresh image: no EXIF, GPS, XMP, comments or text chunks travel with the pixels.
    fresh = _pillow()[0].new(clean.mode, clean.size)
    fresh.paste(clean)
    fresh.save(output, format=fmt, **({"quality": JPEG_QUALITY} if fmt == "JPEG" else {}))
    stem = (client_name or "photo").rsplit(".", 1)[0] or "photo"
    return Photo(output.getvalue(), f"{stem}.{extension}")
