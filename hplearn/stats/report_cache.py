"""District reports over a date range, cached until the rollups (or what they show) change.

A report is computed from the rollups only, so it stays right as long as no rollup row was
written or deleted since, the schools and their enrolled students are the same and the catalog
(resource titles) did not change. The key holds all of these, so a changed figure is never
served: the rollup generation (row count, newest id and build time of stat_school_daily, which
every rebuilt day rewrites), today, the first-response target, the schools and their enrolled
students; the catalog's generation is part of every key of `hplearn.cache` already.

The periodic rollup job warms the common ranges (hplearn.stats.cli.rollup_today). Entries live
where the catalog cache keeps its own: Redis when configured (shared by every worker), this
process otherwise. HPLEARN_STATS_CACHE_REPORTS=false switches the cache off.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from hplearn.cache import catalog_cache
from hplearn.extensions import db
from hplearn.stats import services
from hplearn.stats.figures import enrolled_students, target_minutes
from hplearn.stats.models import SchoolDaily
from hplearn.stats.period import MAX_RANGE_DAYS, Period, today

# Kept past the hourly rollup that replaces them (the key changes then anyway).
REPORT_TTL_SECONDS = 3 * 3600
AUTUMN_TERM_MONTH = 9
SPRING_TERM_MONTH = 2


def enabled() -> bool:
    """Whether reports are cached (STATS_CACHE_REPORTS, default on)."""
    return bool(current_app.config.get("STATS_CACHE_REPORTS", True))


def rollup_generation() -> tuple:
    """A token that changes whenever a day's rollup rows are rebuilt or deleted."""
    query = select(func.count(), func.max(SchoolDaily.id), func.max(SchoolDaily.built_at))
    count, newest, built = db.session.execute(query).one()
    return count, newest, built.isoformat() if built else None


def report_key(kind: str, period: Period) -> str:
    """The cache key of one report over one period, as things stand now."""
    schools = [(s.id, s.code, s.name) for s in services.all_schools()]
    enrolled = sorted(enrolled_students([school_id for school_id, _, _ in schools]).items())
    parts = [rollup_generation(), period.first.isoformat(), period.last.isoformat(),
             today().isoformat(), target_minutes(), schools, enrolled]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]
    return f"stats-report:{kind}:{digest}"


def _cached(kind: str, period: Period, compute: Callable[[Period], dict]) -> dict:
    if not enabled():
        return compute(period)
    cache = catalog_cache()
    key = report_key(kind, period)
    stored = cache.get(key)
    if stored is not None:
        return json.loads(stored)
    report = compute(period)
    cache.set(key, json.dumps(report, ensure_ascii=False).encode(), ttl=REPORT_TTL_SECONDS)
    return report


def district_stats(period: Period) -> dict:
    """services.district_stats, from the cache when the rollups have not changed since."""
    return _cached("district-api", period, services.district_stats)


def district_report(period: Period) -> dict:
    """services.district_report (the district dashboard and CSV), cached the same way."""
    return _cached("district-page", period, services.district_report)


def term_start(day: date) -> date:
    """The first day of the school term `day` is in (autumn from 1 September, spring from
    1 February; the winter holiday counts to the autumn term)."""
    if day.month >= AUTUMN_TERM_MONTH:
        return date(day.year, AUTUMN_TERM_MONTH, 1)
    if day.month >= SPRING_TERM_MONTH:
        return date(day.year, SPRING_TERM_MONTH, 1)
    return date(day.year - 1, AUTUMN_TERM_MONTH, 1)


def common_periods(now: date) -> list[Period]:
    """The ranges district admins read most: the dashboards' default (30 days), this week,
    this month, this term and the last 365 days, all ending today."""
    starts = [
        now - timedelta(days=29),
        now - timedelta(days=now.weekday()),
        now.replace(day=1),
        max(term_start(now), now - timedelta(days=MAX_RANGE_DAYS - 1)),
        now - timedelta(days=364),
    ]
    return [Period(first, now) for first in dict.fromkeys(starts)]


def warm(now: date | None = None) -> int:
    """Compute and cache the district reports of the common ranges; return how many."""
    if not enabled():
        return 0
    periods = common_periods(now or today())
    for period in periods:
        district_stats(period)
        district_report(period)
        db.session.rollback()  # end the read transaction between reports
    return 2 * len(periods)
