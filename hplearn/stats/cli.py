"""`hplearn stats rollup`: build the daily rollups, sync view counts, delete old raw events."""

from __future__ import annotations

import time
from datetime import date, timedelta

import click
from flask.cli import with_appcontext

from hplearn.stats import events, report_cache, rollup, view_counts
from hplearn.stats.period import MAX_RANGE_DAYS, today


@click.group("stats")
def stats_group():
    """Usage statistics."""


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def days_to_build(day, first, last, now: date) -> tuple[date, date]:
    """The inclusive range of days the options ask for (default: yesterday and today)."""
    if day and (first or last):
        raise click.UsageError("use either --day or --from/--to, not both")
    if day:
        return day, day
    if first or last:
        first, last = first or last, last or now
        if first > last:
            raise click.UsageError("--from must not be after --to")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise click.UsageError(f"at most {MAX_RANGE_DAYS} days per run")
        return first, last
    return now - timedelta(days=1), now


@stats_group.command("rollup")
@click.option("--day", help="Build one local day (YYYY-MM-DD).")
@click.option("--from", "first", help="First day of a range (YYYY-MM-DD).")
@click.option("--to", "last", help="Last day of a range (YYYY-MM-DD, default today).")
@with_appcontext
def rollup_command(day, first, last):
    """Rebuild daily rollups (default: yesterday and today), sync view counts, delete old events."""
    now = today()
    written = events.flush()
    if written:
        click.echo(f"wrote {written} queued events")
    first, last = days_to_build(
        _day(day, "--day"), _day(first, "--from"), _day(last, "--to"), now
    )
    skipped = 0
    for one_day in rollup.days_between(first, last):
        started = time.perf_counter()
        try:
            counts = rollup.build_day(one_day)
        except rollup.RollupError as error:
            click.echo(f"{one_day}: skipped, {error}", err=True)
            skipped += 1
            continue
        rows = sum(counts.values())
        click.echo(f"{one_day}: {rows} rollup rows in {time.perf_counter() - started:.2f}s")
    merged = rollup.merge_missing_months()
    if merged:
        click.echo(f"merged the monthly rows of {', '.join(m.strftime('%Y-%m') for m in merged)}")
    index_failed = _sync_view_counts()
    deleted = rollup.delete_old_events(now)
    click.echo(f"deleted {deleted} raw events older than {rollup.retention_days()} days")
    click.echo(f"cached {report_cache.warm(now)} district reports")
    if skipped or index_failed:
        raise SystemExit(1)


def rollup_today() -> str:
    """Write queued events, rebuild yesterday's and today's rollups and sync view counts."""
    events.flush()
    now = today()
    built = []
    for one_day in rollup.days_between(now - timedelta(days=1), now):
        try:
            rollup.build_day(one_day)
        except rollup.RollupError as error:
            built.append(f"{one_day} skipped ({error})")
        else:
            built.append(str(one_day))
    merged = rollup.merge_missing_months()
    synced = view_counts.sync_view_counts()
    deleted = rollup.delete_old_events(now)
    warmed = report_cache.warm(now)
    return (f"rollups {', '.join(built)}; {len(merged)} months merged; "
            f"{synced.changed} view counts changed; "
            f"{deleted} old events deleted; {warmed} district reports cached")


def _sync_view_counts() -> bool:
    """Sync view counts and report; return whether the search index could not follow."""
    started = time.perf_counter()
    synced = view_counts.sync_view_counts()
    click.echo(
        f"view counts: {synced.changed} resources changed, reindexed in "
        f"{time.perf_counter() - started:.2f}s"
    )
    if synced.index_problem:
        click.echo(f"search index not updated: {synced.index_problem}", err=True)
    return synced.index_problem is not None


COMMANDS = (stats_group,)
