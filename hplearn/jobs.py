"""Periodic jobs: features register the work the site does by itself on a clock.

    jobs.register(app, "qa.maintenance", services.run_maintenance, every=timedelta(minutes=5))

`hplearn worker` (or a thread of `hplearn run`) runs each on its clock (hplearn/scheduler.py,
hplearn/worker.py); `hplearn jobs list` shows them and when they last ran, `hplearn jobs run NAME`
runs one now. Each job is a plain function of no arguments that runs inside an app context and
returns a one-line summary (or None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

EXTENSION = "hplearn_jobs"


@dataclass(frozen=True)
class Job:
    """One periodic job: its name, what it does and how often."""

    name: str
    run: Callable[[], object]
    every: timedelta
    description: str


def init_app(app: Flask) -> None:
    """Give the app its (empty) table of jobs."""
    app.extensions[EXTENSION] = {}


def register(app: Flask, name: str, run: Callable[[], object], *, every: timedelta,
             description: str = "") -> None:
    """Add a periodic job; names are unique (feature.job)."""
    table = app.extensions[EXTENSION]
    if name in table:
        raise ValueError(f"job {name} is registered twice")
    if every <= timedelta(0):
        raise ValueError(f"job {name}: the interval must be positive")
    table[name] = Job(name, run, every, description or (run.__doc__ or "").strip().split("\n")[0])


def registered(app: Flask | None = None) -> list[Job]:
    """Every job of the app, by name."""
    return sorted((app or current_app).extensions[EXTENSION].values(), key=lambda job: job.name)


def get(name: str, app: Flask | None = None) -> Job | None:
    """The job with this name, or None."""
    return (app or current_app).extensions[EXTENSION].get(name)
