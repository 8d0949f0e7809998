"""Textbook covers, fetched once by the server, shrunk and kept in the instance folder.

Students' phones load /covers/<id> from this site, never the third-party image host: the first
request fetches the resource's cover_url (http(s) only, a size cap, a short timeout), checks it is
an image and stores a small JPEG named by the URL's digest. When the fetch fails the placeholder
is served, and the failure is remembered for COVER_RETRY_HOURS so a dead host is not asked on
every page view.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import logging
import os
import socket
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from hplearn.catalog.importer import is_web_url

log = logging.getLogger(__name__)

MAX_COVER_BYTES = 5 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000  # decoding more than this is refused (decompression bombs)
COVER_SIZE = (240, 336)  # the largest box a card or resource page shows, at 2× density
COVER_QUALITY = 80
EXTENSION = "cover_fetcher"

Fetcher = Callable[[str, float], bytes]


class CoverUnavailable(Exception):
    """The cover could not be fetched or is not an image."""


@dataclass(frozen=True)
class Cover:
    """What /covers/<id> sends: a file, its type and whether it is the placeholder."""

    path: Path
    mimetype: str
    placeholder: bool


def check_public_address(url: str) -> None:
    """Refuse a URL whose host is not on the public internet (loopback, private, link-local …).

    Whoever sets a cover_url must not make the server read the district's internal hosts or
    the cloud's metadata address. Redirects are checked again (_PublicRedirects).
    """
    host = urlsplit(url).hostname
    if not host:
        raise CoverUnavailable(f"no host in {url}")
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError) as error:
        raise CoverUnavailable(f"cannot resolve {host}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise CoverUnavailable(f"{host} is not a public address ({address})")


class _PublicRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_public_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_PublicRedirects)


def fetch_over_http(url: str, timeout: float) -> bytes:
    """Fetch url (http or https, a public host) and return at most MAX_COVER_BYTES + 1 bytes."""
    check_public_address(url)
    request = urllib.request.Request(url, headers={"User-Agent": "hplearn-covers/1"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.read(MAX_COVER_BYTES + 1)
    except (OSError, ValueError, http.client.HTTPException) as error:  # URLError, timeouts, …
        raise CoverUnavailable(f"cannot fetch {url}: {error}") from error


def fetcher() -> Fetcher:
    """The function that fetches covers (tests put a fake one in app.extensions)."""
    return current_app.extensions.get(EXTENSION, fetch_over_http)


def cover_dir() -> Path:
    """Where shrunk covers are kept."""
    return Path(current_app.config.get("COVER_DIR") or Path(current_app.instance_path) / "covers")


def _digest(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def shrink(data: bytes) -> bytes:
    """The image in data as a JPEG that fits COVER_SIZE; raise CoverUnavailable if it is none."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_COVER_BYTES:
        raise CoverUnavailable("cover too large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_COVER_PIXELS:
                raise CoverUnavailable(f"cover has too many pixels ({width}×{height})")
            image.draft("RGB", COVER_SIZE)  # JPEG: decode at a smaller scale
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise CoverUnavailable(f"not an image: {error}") from error
    picture.thumbnail(COVER_SIZE)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=COVER_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cover-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)  # readers see the old file or the whole new one
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _failed_recently(marker: Path) -> bool:
    try:
        age = time.time() - marker.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < current_app.config["COVER_RETRY_HOURS"] * 3600


def _placeholder() -> Cover:
    path = Path(current_app.static_folder) / "img" / "cover-placeholder.svg"
    return Cover(path, "image/svg+xml", placeholder=True)


def cover_for(cover_url: str | None) -> Cover:
    """The shrunk cover of cover_url, fetching it on first use; the placeholder if there is none.

    cover_url: the resource's cover address (anything: only http(s) addresses are fetched).
    """
    if not cover_url or not is_web_url(cover_url):
        return _placeholder()
    name = _digest(cover_url)
    path = cover_dir() / f"{name}.jpg"
    if path.is_file():
        return Cover(path, "image/jpeg", placeholder=False)
    marker = cover_dir() / f"{name}.failed"
    if _failed_recently(marker):
        return _placeholder()
    try:
        data = shrink(fetcher()(cover_url, current_app.config["COVER_FETCH_TIMEOUT"]))
    except CoverUnavailable as error:
        log.warning("cover unavailable: %s", error)
        _write_atomically(marker, str(error).encode("utf-8"))
        return _placeholder()
    _write_atomically(path, data)
    marker.unlink(missing_ok=True)
    return Cover(path, "image/jpeg", placeholder=False)
