"""The worker: the site's own clock, running the periodic jobs and emptying the mail outbox.

`hplearn worker` runs one in the foreground (production: one or more, on any servers); `hplearn
run` starts one in a daemon thread beside the web server (RUN_JOBS_IN_PROCESS). However many are
started, only the one holding the worker lock (hplearn/worker_lock.py) runs jobs; the others
wait, asking for the lock every heartbeat, and one of them takes over when the holder stops or
dies. gunicorn never starts one: its processes only serve pages.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from hplearn import scheduler, worker_lock
from hplearn.extensions import db

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


class Worker:
    """Takes the lock when it can, and while it holds it runs the jobs that are due."""

    def __init__(self, app: Flask, lock=None, heartbeat: float = HEARTBEAT_SECONDS):
        self.app = app
        if lock is None:
            with app.app_context():
                lock = worker_lock.lock_for(app, db.engine)
        self.lock = lock
        self.heartbeat = heartbeat
        self.active = False
        self.stopping = threading.Event()
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def tick(self) -> float:
        """One turn: keep or take the lock, run what is due; return the seconds to wait."""
        if self.active and not self.lock.held():
            log.warning("worker %s lost its %s lock: no more jobs until it is back", self.name,
                        self.lock.kind)
            self.active = False
        if not self.active:
            if not self.lock.acquire():
                return self.heartbeat
            self.active = True
            log.info("worker %s is the active worker (%s lock)", self.name, self.lock.kind)
        try:
            wait = scheduler.run_due(self.app, keep_going=self.may_go_on)
        except SQLAlchemyError as error:  # the database is down: try again next heartbeat
            log.warning("worker %s: database unusable (%s)", self.name,
                        " ".join(str(error).split())[:200])
            return self.heartbeat
        return min(wait, self.heartbeat)

    def may_go_on(self) -> bool:
        """Whether to start another job: not stopping, and still holding the lock."""
        return not self.stopping.is_set() and self.lock.held()

    def run(self) -> None:
        """Turn until stop() is called, then give the lock up."""
        log.info("worker %s started; waiting for the %s lock", self.name, self.lock.kind)
        try:
            while not self.stopping.is_set():
                try:
                    wait = self.tick()
                except Exception:  # one bad turn must not end the site's clock
                    log.exception("worker %s: turn failed", self.name)
                    wait = self.heartbeat
                self.stopping.wait(wait)
        finally:
            self.lock.release()
            self.active = False
            log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        """Ask run() to end after the job it is running (safe from a signal handler)."""
        self.stopping.set()


def start_in_thread(app: Flask) -> Worker | None:
    """`hplearn run`: a worker in a daemon thread, unless RUN_JOBS_IN_PROCESS is false."""
    if not app.config["RUN_JOBS_IN_PROCESS"]:
        return None
    worker = Worker(app)
    log_to_stderr(app)
    threading.Thread(target=worker.run, name="hplearn-worker", daemon=True).start()
    return worker


def log_to_stderr(app: Flask) -> None:
    """Let the hplearn.* module loggers (worker, jobs, outbox) write where the app's log goes."""
    logger = logging.getLogger("hplearn")
    logger.handlers[:] = list(app.logger.handlers)  # (the app's own logger does not propagate)
    logger.setLevel(app.config["LOG_LEVEL"])
