"""Running the periodic jobs (hplearn/jobs.py) when they are due, and remembering when they ran.

When each job last started and how it ended is kept in the `job_runs` table, so the schedule
survives restarts and passes from one worker to the next: a worker that takes over runs a job
when it is due, not again at once. A job that has never run is due now. A job's start is saved
before it runs, so a job that crashes its worker waits a full interval before it is tried again
rather than crashing every new worker in turn.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from hplearn import jobs
from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class JobRun(db.Model):
    """When a periodic job last started and finished, and how it went."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None]
    result: Mapped[str] = mapped_column(String(500), default="")


def last_runs() -> dict[str, JobRun]:
    """Every job's last run, by name (inside an app context)."""
    return {run.name: run for run in db.session.scalars(select(JobRun))}


def next_due(job: jobs.Job, run: JobRun | None) -> datetime:
    """When the job should run next: an interval after its last start, or now if it never ran."""
    return run.started_at + job.every if run is not None else utcnow()


def run_job(job: jobs.Job) -> bool:
    """Run one job now, saving its start and its outcome; True when it ended without an error."""
    previous = db.session.get(JobRun, job.name)
    previous_result = previous.result if previous is not None else None
    _save(job.name, started_at=utcnow(), finished_at=None, ok=None, result="running")
    begun = time.monotonic()
    try:
        outcome = job.run()
    except Exception as error:  # a broken job is logged and recorded; the others still run
        db.session.rollback()
        log.exception("job %s failed", job.name)
        _save(job.name, finished_at=utcnow(), ok=False,
              result=f"{type(error).__name__}: {error}")
        return False
    text = ("done" if outcome is None else str(outcome))[:500]
    # The outbox every 15 s saying "0 sent, 0 failed" is no news: only a change is logged.
    log.log(logging.DEBUG if text == previous_result else logging.INFO, "job %s: %s (%.1f s)",
            job.name, text, time.monotonic() - begun)
    _save(job.name, finished_at=utcnow(), ok=True, result=text)
    return True


def run_due(app: Flask, keep_going=lambda: True) -> float:
    """Run every due job of app, each in its own app context; return seconds until the next one.

    keep_going() is asked before each job: a worker that lost its lock or is stopping runs no
    further job.
    """
    for job in jobs.registered(app):
        with app.app_context():
            if next_due(job, db.session.get(JobRun, job.name)) > utcnow():
                continue
            if not keep_going():
                break
            run_job(job)
    with app.app_context():
        runs = last_runs()
        soonest = min((next_due(job, runs.get(job.name)) for job in jobs.registered(app)),
                      default=utcnow() + timedelta(hours=1))
    return max((soonest - utcnow()).total_seconds(), 0.0)


def _save(name: str, **values) -> None:
    run = db.session.get(JobRun, name) or JobRun(name=name)
    for field, value in values.items():
        setattr(run, field, value[:500] if isinstance(value, str) else value)
    db.session.add(run)
    db.session.commit()
