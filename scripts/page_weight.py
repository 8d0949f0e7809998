"""Measure what a visitor downloads for some pages of a running hplearn site.

Usage: python scripts/page_weight.py http://127.0.0.1:5000 [PATH ...]   (default paths: / /browse)

For each page it fetches the HTML and the same-site stylesheets, scripts, icons and images the
page refers to, and prints their bytes as sent without compression and as gzip would send them.
Standard library only, so it runs anywhere the site does.
"""

from __future__ import annotations

import gzip
import sys
from html.parser import HTMLParser
from urllib.error import URLError
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

DEFAULT_PATHS = ("/", "/browse")


class _Subresources(HTMLParser):
    """Collect the URLs a browser would fetch to show the page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attributes.get("href") or "")
        elif tag in ("script", "img") and attributes.get("src"):
            self.urls.append(attributes["src"])


def _fetch(url: str) -> bytes:
    with urlopen(url, timeout=10) as response:
        return response.read()


def measure(base: str, path: str) -> list[tuple[str, int, int]]:
    """(url, raw bytes, gzip bytes) for a page and its same-site subresources."""
    page_url = urljoin(base, path)
    html = _fetch(page_url)
    parser = _Subresources()
    parser.feed(html.decode("utf-8", "replace"))
    rows = [(path, len(html), len(gzip.compress(html)))]
    host = urlsplit(page_url).netloc
    for url in dict.fromkeys(urljoin(page_url, u) for u in parser.urls if u):
        if urlsplit(url).netloc == host:
            body = _fetch(url)
            rows.append((urlsplit(url).path, len(body), len(gzip.compress(body))))
    return rows


def main(argv: list[str]) -> int:
    """Print a table per page; exit 2 on bad arguments."""
    if not argv or not argv[0].startswith(("http://", "https://")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base, paths = argv[0], argv[1:] or list(DEFAULT_PATHS)
    for path in paths:
        try:
            rows = measure(base, path)
        except (URLError, OSError, ValueError) as error:
            print(f"cannot fetch {urljoin(base, path)}: {error}", file=sys.stderr)
            return 1
        print(f"\n{path}")
        for url, raw, packed in rows:
            print(f"  {url:<40} {raw:>8} B  {packed:>7} B gzip")
        print(f"  {'total':<40} {sum(r[1] for r in rows):>8} B  {sum(r[2] for r in rows):>7} B gzip")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
