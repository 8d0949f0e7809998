"""Link health: visit the external URLs of resources and platforms and record the outcome."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select

from hplearn.catalog.importer import is_web_url
from hplearn.catalog.models import LinkCheck, Platform, Resource
from hplearn.extensions import db
from hplearn.timeutil import utcnow
from hplearn.vocab import ResourceStatus

USER_AGENT = "hplearn-linkcheck/1.0 (+https://basic.smartedu.cn compatible)"
RESOURCE_URL_FIELDS = ("url", "cover_url", "media_url")
MAX_ERROR_LENGTH = 300
WRITE_BATCH = 200


@dataclass(frozen=True)
class LinkResult:
    """What one visit found."""

    url: str
    status_code: int | None
    ok: bool
    error: str
    elapsed_ms: int


@dataclass
class CheckSummary:
    """What a run of the link checker found."""

    checked: int = 0
    ok: int = 0
    broken: list[LinkResult] = field(default_factory=list)


@dataclass
class BrokenLink:
    """A broken URL with the resources and platforms that use it."""

    check: LinkCheck
    resources: list[Resource]
    platforms: list[Platform]


def external_urls() -> list[str]:
    """Every distinct external URL of platforms and (not retired) resources, sorted."""
    urls = set(db.session.scalars(select(Platform.url)))
    columns = [getattr(Resource, name) for name in RESOURCE_URL_FIELDS]
    for row in db.session.execute(select(*columns).where(Resource.status != ResourceStatus.RETIRED)):
        urls.update(row)
    return sorted(url for url in urls if is_web_url(url))


class _KeepMethodRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects with the same method, so a HEAD stays a HEAD."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


_opener = urllib.request.build_opener(_KeepMethodRedirects)


def _request(url: str, method: str, timeout: float) -> int:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timeout"
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]


def check_url(url: str, timeout: float) -> LinkResult:
    """Visit one URL (HEAD, then GET if HEAD fails or is refused) and say whether it works."""
    started = time.monotonic()
    status, error = None, ""
    for method in ("HEAD", "GET"):
        try:
            status, error = _request(url, method, timeout), ""
        except Exception as failure:  # noqa: BLE001 - any failure is a finding, not a crash
            status, error = None, _describe(failure)
        if status is not None and status < 400:
            break
    elapsed_ms = round((time.monotonic() - started) * 1000)
    ok = status is not None and status < 400
    return LinkResult(url, status, ok, error, elapsed_ms)


def _record(results: list[LinkResult]) -> None:
    existing = {
        check.url: check
        for check in db.session.scalars(
            select(LinkCheck).where(LinkCheck.url.in_([r.url for r in results]))
        )
    }
    now = utcnow()
    for result in results:
        check = existing.get(result.url) or LinkCheck(url=result.url)
        check.status_code = result.status_code
        check.ok = result.ok
        check.error = result.error
        check.elapsed_ms = result.elapsed_ms
        check.checked_at = now
        db.session.add(check)
    db.session.commit()


def check_links(
    urls: list[str], *, timeout: float, concurrency: int,
    progress: Callable[[int], None] | None = None,
) -> CheckSummary:
    """Visit every URL with at most `concurrency` at once; store each result in LinkCheck.

    urls: the addresses (external_urls()).
    timeout: seconds per request.
    concurrency: parallel requests.
    progress: called with 1 after each URL.
    """
    summary = CheckSummary()
    started_at = utcnow()
    pending: list[LinkResult] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for result in pool.map(lambda url: check_url(url, timeout), urls):
            summary.checked += 1
            if result.ok:
                summary.ok += 1
            else:
                summary.broken.append(result)
            pending.append(result)
            if len(pending) >= WRITE_BATCH:
                _record(pending)
                pending = []
            if progress:
                progress(1)
    if pending:
        _record(pending)
    # URLs no longer used by anything were not visited in this run: forget them.
    db.session.execute(delete(LinkCheck).where(LinkCheck.checked_at < started_at))
    db.session.commit()
    return summary


def broken_links(limit: int = 500) -> list[BrokenLink]:
    """The broken URLs found by the last checks, with who uses each, newest first."""
    checks = list(db.session.scalars(
        select(LinkCheck).where(LinkCheck.ok.is_(False))
        .order_by(LinkCheck.checked_at.desc(), LinkCheck.url).limit(limit)
    ))
    urls = [check.url for check in checks]
    if not urls:
        return []
    columns = [getattr(Resource, name) for name in RESOURCE_URL_FIELDS]
    resources = list(db.session.scalars(
        select(Resource).where(or_(*(column.in_(urls) for column in columns)))
        .order_by(Resource.id)
    ))
    platforms = list(db.session.scalars(select(Platform).where(Platform.url.in_(urls))))
    return [
        BrokenLink(
            check=check,
            resources=[r for r in resources
                       if check.url in (getattr(r, name) for name in RESOURCE_URL_FIELDS)],
            platforms=[p for p in platforms if p.url == check.url],
        )
        for check in checks
    ]


def link_counts() -> dict:
    """How many URLs were checked, and how many of them are broken."""
    checked = db.session.scalar(select(db.func.count()).select_from(LinkCheck)) or 0
    broken = db.session.scalar(
        select(db.func.count()).select_from(LinkCheck).where(LinkCheck.ok.is_(False))
    ) or 0
    last = db.session.scalar(select(db.func.max(LinkCheck.checked_at)))
    return {"checked": checked, "broken": broken, "last_checked_at": last}
