"""Reading page and per_page from a query string, safely."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hplearn.errors import DomainError

MAX_PAGE = 100_000
# Ids beyond a 32-bit integer cannot exist, and PostgreSQL refuses to compare with them.
MAX_ID = 2**31 - 1


class InvalidParameter(DomainError, ValueError):
    """A query-string value of the wrong type or range; its message is shown to the user."""

    code = "invalid_parameter"

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a result list to show."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.per_page


def parse_int(args, name: str, *, default=None, minimum=None, maximum=None):
    """Read an integer argument; raise InvalidParameter when it is not one."""
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    if len(text) > 12 or not text.lstrip("-").isdecimal():  # "¹".isdecimal() is True
        raise InvalidParameter(name, f"参数 {name} 必须是整数。")
    value = int(text)
    if minimum is not None and value < minimum:
        raise InvalidParameter(name, f"参数 {name} 不能小于 {minimum}。")
    if maximum is not None and value > maximum:
        raise InvalidParameter(name, f"参数 {name} 不能大于 {maximum}。")
    return value


def parse_page(args, *, default_per_page: int = 20, max_per_page: int = 50) -> PageRequest:
    """Read page (1…) and per_page (capped at max_per_page, not refused) from args."""
    page = parse_int(args, "page", default=1, minimum=1)
    per_page = parse_int(args, "per_page", default=default_per_page, minimum=1)
    # A page far past any result list is simply empty; clamp so SQL offsets stay small.
    return PageRequest(page=min(page, MAX_PAGE), per_page=min(per_page, max_per_page))


@dataclass
class Page:
    """One page of results with what pagination links need."""

    items: list
    total: int
    page: int
    per_page: int
    # True when counting stopped at a cap: there are at least `total` rows (shown "1,020+").
    total_capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages


def count_rows(session, query) -> int:
    """How many rows the query returns."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def paginate(session, query, order_by, page: PageRequest) -> Page:
    """One page of a SELECT of model rows, with the total count of the unpaged query."""
    total = count_rows(session, query)
    rows = session.scalars(query.order_by(order_by).offset(page.offset).limit(page.per_page))
    return Page(items=list(rows), total=total, page=page.page, per_page=page.per_page)


# Rows counted past the end of the page before the count stops ("1000+ 条"): an exact count of
# a large list reads every row (a second or so at a million questions) on every request.
COUNT_BEYOND_PAGE = 1000


def capped_count(session, query, page: PageRequest, *, exact: bool = False) -> tuple[int, bool]:
    """(count, capped): the rows of the unpaged query, counting no further than
    COUNT_BEYOND_PAGE rows past the end of the page (every row when exact)."""
    if exact:
        return count_rows(session, query), False
    cap = page.offset + page.per_page + COUNT_BEYOND_PAGE
    counted = count_rows(session, query.limit(cap + 1))
    return (cap, True) if counted > cap else (counted, False)
