"""Slowing down password guessing without locking owners out (issue 11, item 5).

Failures are counted per (account, address) pair in the database, so every worker and server
agrees and Redis is not needed. After LOGIN_FREE_FAILURES failures of a pair, each further
attempt of that pair waits 1 s, 2 s, 4 s … up to LOGIN_BACKOFF_MAX_SECONDS after the last
failure; a wait is refused before the password is checked, so a guesser learns nothing from
it. The owner signing in from another address, or from the same one after the wait, gets in.

An account that many addresses fail on (LOGIN_ACCOUNT_SLOW_AFTER failures in an hour) is only
slowed, never locked: every attempt on it waits LOGIN_ACCOUNT_DELAY_SECONDS in the server and
each pair gets a single free failure. The per-address ceiling (LOGIN_LIMIT_PER_ADDRESS, high
enough for a school behind one NAT address) lives in hplearn/accounts/ratelimit.py.

An attempt is written before its password is checked and removed when it turns out right:
parallel attempts of one pair then see each other, so a burst cannot slip past the wait.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from hplearn.accounts.models import SignInAttempt
from hplearn.accounts.services.errors import SignInThrottled
from hplearn.extensions import db
from hplearn.timeutil import utcnow

MEMORY = timedelta(days=1)  # a pair's failures are forgotten after a quiet day
ACCOUNT_WINDOW = timedelta(hours=1)
KEY_LENGTH = 64


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt the throttle let through; finish it with succeeded() or leave it."""

    row_id: int
    username: str
    address: str


def account_key(username: str) -> str:
    """The account as counted: the typed username, trimmed and lower case."""
    return str(username or "").strip().lower()[:KEY_LENGTH]


def network_of(address: str | None) -> str:
    """The client as counted: an IPv4 address, or the /64 network of an IPv6 one."""
    text = str(address or "").strip()
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text[:KEY_LENGTH] or "unknown"
    if parsed.version == 6 and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def backoff_seconds(failures: int, free: int, cap: int) -> int:
    """How long a pair with this many failures waits after its last one (0: not at all)."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def begin(username: str, address: str | None) -> Attempt:
    """Record an attempt of the pair, or raise SignInThrottled with the seconds left to wait."""
    attempt = _record(account_key(username), network_of(address))
    now = utcnow()
    hot = _account_failures(attempt, now - ACCOUNT_WINDOW) >= _config("LOGIN_ACCOUNT_SLOW_AFTER")
    wait = _seconds_left(attempt, now, free=1 if hot else _config("LOGIN_FREE_FAILURES"))
    if wait > 0:
        _forget(attempt)  # a refused attempt tried no password: it is not a failure
        raise SignInThrottled(wait)
    if hot:
        _sleep(_config("LOGIN_ACCOUNT_DELAY_SECONDS"))
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The password was right: the pair starts afresh (committed with the caller's session)."""
    db.session.execute(delete(SignInAttempt).where(
        SignInAttempt.username == attempt.username, SignInAttempt.address == attempt.address,
    ))


def forget_old_attempts() -> int:
    """Delete attempts older than a day (the periodic job); returns how many went."""
    result = db.session.execute(delete(SignInAttempt).where(SignInAttempt.at < utcnow() - MEMORY))
    db.session.commit()
    return result.rowcount or 0


def _record(username: str, address: str) -> Attempt:
    row = SignInAttempt(username=username, address=address, at=utcnow())
    db.session.add(row)
    db.session.commit()
    return Attempt(row.id, username, address)


def _forget(attempt: Attempt) -> None:
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt.row_id))
    db.session.commit()


def _others(attempt: Attempt):
    return (SignInAttempt.username == attempt.username, SignInAttempt.id != attempt.row_id)


def _account_failures(attempt: Attempt, since: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(*_others(attempt), SignInAttempt.at >= since)
    ) or 0


def _seconds_left(attempt: Attempt, now: datetime, free: int) -> int:
    # Every other attempt of the pair counts, newer ones too: of two parallel attempts at
    # least one sees the other, so a burst gets no more through than one request would.
    failures, last = db.session.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(
            *_others(attempt), SignInAttempt.address == attempt.address,
            SignInAttempt.at >= now - MEMORY,
        )
    ).one()
    wait = backoff_seconds(failures, free, _config("LOGIN_BACKOFF_MAX_SECONDS"))
    if not wait or last is None:
        return 0
    left = (last + timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(left))


def _config(name: str) -> int:
    return current_app.config[name]


def _sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
