"""The site's own clock: jobs on their schedule, one active worker, `hplearn worker`, `hplearn run`.

The worker tests run on the suite's database: with the SQLite run the worker lock is the lock
file beside the database, with the PostgreSQL run (HPLEARN_TEST_POSTGRES_SERVER) the advisory
lock; the PostgreSQL and Redis locks are also tested directly on servers of their own.
"""

import logging
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, delete, select

from hplearn import jobs, scheduler, worker_lock
from hplearn.extensions import db
from hplearn.notifications import services as notifications
from hplearn.scheduler import JobRun
from hplearn.worker import Worker, start_in_thread
from tests import services
from tests.functional.test_run_command import fetch, free_port, start, stop
from tests.functional.test_run_command import wait_for as wait_for_page


def wait_for(predicate, seconds: float = 60) -> bool:
    """Whether predicate() became true within the time (a bound, never a measure)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def calls(app):
    """The app's jobs replaced by two that note each run."""
    noted: list[str] = []
    app.extensions[jobs.EXTENSION].clear()
    jobs.register(app, "test.often", lambda: noted.append("often"), every=timedelta(minutes=1))
    jobs.register(app, "test.daily", lambda: noted.append("daily"), every=timedelta(days=1))
    return noted


def _distinct(caplog, words: str) -> list:
    """The log records containing words, each once: a handler that another test left on the
    hplearn logger (`hplearn worker` hands it the app's handlers) can deliver a record twice."""
    seen = {id(record): record for record in caplog.records if words in record.getMessage()}
    return list(seen.values())


def _forget_runs() -> None:
    """Make every job due again."""
    db.session.execute(delete(JobRun))
    db.session.commit()


def test_a_job_runs_when_due_and_once_per_interval(app, calls):
    wait = scheduler.run_due(app)
    assert sorted(calls) == ["daily", "often"]
    assert 0 < wait <= 60
    assert scheduler.run_due(app) > 0 and len(calls) == 2  # nothing due yet
    run = db.session.get(JobRun, "test.often")
    run.started_at -= timedelta(minutes=1)
    db.session.commit()
    scheduler.run_due(app)
    assert sorted(calls) == ["daily", "often", "often"]
    assert all(run.ok for run in scheduler.last_runs().values())


def test_a_failing_job_is_recorded_and_the_others_still_run(app, calls, caplog):
    def broken():
        raise RuntimeError("SMTP on fire")

    jobs.register(app, "test.broken", broken, every=timedelta(minutes=5))
    scheduler.run_due(app)
    assert sorted(calls) == ["daily", "often"]
    run = db.session.get(JobRun, "test.broken")
    assert run.ok is False and run.result == "RuntimeError: SMTP on fire"
    assert "job test.broken failed" in caplog.text


def test_a_result_like_the_last_one_is_not_logged_again(app, calls, caplog):
    caplog.set_level(logging.INFO, logger="hplearn")
    job = jobs.get("test.often", app)
    for _ in range(3):
        assert scheduler.run_job(job)
    # Only this thread's records: a worker thread another test left running in this process
    # may log its own runs.
    mine = [record for record in _distinct(caplog, "job test.often: done")
            if record.thread == threading.get_ident() and record.levelno >= logging.INFO]
    assert len(mine) == 1
    assert len(calls) == 3


def test_jobs_run_says_when_a_job_fails(app, runner):
    jobs.register(app, "test.broken", lambda: 1 / 0, every=timedelta(minutes=5))
    result = runner.invoke(args=["jobs", "run", "test.broken"])
    assert result.exit_code == 1 and "ZeroDivisionError" in result.output
    listed = runner.invoke(args=["jobs", "list"]).output
    assert "test.broken" in listed and "ZeroDivisionError" in listed


def test_a_second_worker_runs_nothing_while_the_first_holds_the_lock(app, calls):
    first, second = Worker(app, heartbeat=0.1), Worker(app, heartbeat=0.1)
    assert first.lock.kind == ("postgres" if services.ON_POSTGRES else "file")
    first.tick()
    assert first.active and len(calls) == 2
    _forget_runs()
    assert second.tick() == 0.1
    assert not second.active and len(calls) == 2  # it waits
    first.tick()
    assert len(calls) == 4  # the first goes on
    first.lock.release()  # the first stops (or dies: the lock goes with it)
    _forget_runs()
    second.tick()
    assert second.active and len(calls) == 6  # the second has taken over
    second.lock.release()


def test_run_stops_after_stop_and_gives_the_lock_up(app, calls):
    worker = Worker(app, heartbeat=0.05)
    thread = threading.Thread(target=worker.run)
    thread.start()
    assert wait_for(lambda: len(calls) == 2)
    worker.stop()
    thread.join(timeout=60)
    assert not thread.is_alive() and not worker.active
    other = Worker(app)
    assert other.lock.acquire()
    other.lock.release()


def test_a_worker_that_lost_its_lock_starts_no_more_jobs(app, calls):
    worker = Worker(app, heartbeat=0.1)
    worker.tick()
    worker.lock.release()  # e.g. its PostgreSQL connection or Redis key is gone
    assert not worker.may_go_on()
    _forget_runs()
    rival = Worker(app)
    assert rival.lock.acquire()
    worker.tick()
    assert not worker.active and len(calls) == 2
    rival.lock.release()


def test_the_lock_follows_the_settings(app, tmp_path):
    app.config["WORKER_LOCK"] = "file"
    with app.app_context():
        lock = worker_lock.lock_for(app, db.engine)
    assert isinstance(lock, worker_lock.FileLock)
    app.config.update(WORKER_LOCK="redis", REDIS_URL=None)
    with pytest.raises(worker_lock.WorkerLockError, match="HPLEARN_REDIS_URL"):
        worker_lock.lock_for(app, db.engine)
    app.config.update(WORKER_LOCK="auto", REDIS_URL="redis://127.0.0.1:1/0")
    expected = worker_lock.PostgresLock if services.ON_POSTGRES else worker_lock.RedisLock
    assert isinstance(worker_lock.lock_for(app, db.engine), expected)
    sqlite = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    app.config["WORKER_LOCK"] = "postgres"
    with pytest.raises(worker_lock.WorkerLockError, match="PostgreSQL"):
        worker_lock.lock_for(app, sqlite)
    app.config["WORKER_LOCK"] = "auto"
    app.config["REDIS_URL"] = None
    assert worker_lock.lock_for(app, sqlite).path == tmp_path / "other.sqlite3.worker-lock"
    sqlite.dispose()


def test_postgres_advisory_lock_one_holder_and_takeover_when_it_dies():
    url = services.fresh_postgres_database("workerlock")
    engine = create_engine(url)
    first, second = worker_lock.PostgresLock(engine), worker_lock.PostgresLock(engine)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.held()
        pid = first._connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as admin:  # the holder's session dies
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        assert not first.held()
        assert second.acquire()
        assert not first.acquire()
        second.release()
        assert first.acquire()
    finally:
        first.release()
        second.release()
        engine.dispose()
        services.drop_postgres_database(url)


def test_redis_lock_one_holder_renewed_and_taken_over_when_it_expires(redis_url):
    first = worker_lock.RedisLock(redis_url, ttl=30)
    second = worker_lock.RedisLock(redis_url, ttl=30)
    try:
        assert first.acquire()
        assert not second.acquire()
        first.client.pexpire(first.key, 50)
        assert first.held()  # asking renews it
        assert first.client.pttl(first.key) > 1000
        first._stop.set()  # the holder dies: nobody renews …
        first._token = None
        first.client.pexpire(second.key, 50)  # … and the key runs out
        assert wait_for(second.acquire, seconds=30)
        assert not first.held()
    finally:
        second.release()
        first.release()


def test_an_unreachable_lock_server_refuses_the_lock_and_is_logged_once(caplog):
    lock = worker_lock.RedisLock(f"redis://127.0.0.1:{services.free_port()}/0")
    assert not lock.acquire()
    assert not lock.acquire()
    assert len(_distinct(caplog, "Redis unreachable")) == 1
    assert not lock.held()


@pytest.fixture
def hplearn_logger():
    """`hplearn worker` sends hplearn.* logs to the app's handler: put the logger back after."""
    logger = logging.getLogger("hplearn")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_worker_once_runs_what_is_due(app, runner, hplearn_logger):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert set(scheduler.last_runs()) == {job.name for job in jobs.registered(app)}


def test_worker_once_runs_nothing_while_another_worker_is_active(app, runner, calls,
                                                                   hplearn_logger):
    holder = Worker(app)
    assert holder.lock.acquire()
    result = runner.invoke(args=["worker", "--once"])
    holder.lock.release()
    assert result.exit_code == 0 and "另一个 worker 正在运行" in result.output
    assert calls == []


@pytest.mark.parametrize(("arguments", "words"), [
    (["--bogus"], "没有 --bogus 这个选项"),
    (["--heartbeat", "abc"], "“abc”不是"),
    (["--heartbeat", "0"], "不在范围内"),
    (["extra"], "多余的参数"),
])
def test_a_bad_option_is_one_chinese_line(runner, arguments, words):
    result = runner.invoke(args=["worker", *arguments])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith("错误：") and words in result.output


def test_a_lock_that_cannot_be_had_is_one_chinese_line(app, runner):
    app.config.update(WORKER_LOCK="redis", REDIS_URL=None)
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 2 and "需要设置 HPLEARN_REDIS_URL" in result.output


def test_building_the_app_starts_no_worker(app):
    """gunicorn (wsgi.py) builds the app and serves it: no jobs run in its processes."""
    assert not any(thread.name == "hplearn-worker" for thread in threading.enumerate())
    app.config["RUN_JOBS_IN_PROCESS"] = False
    assert start_in_thread(app) is None


def _job_runs() -> set[str]:
    db.session.remove()
    return set(db.session.scalars(select(JobRun.name)))


@pytest.mark.slow
def test_two_worker_processes_one_runs_and_the_other_takes_over_when_it_is_killed(app):
    first = start(app, "--heartbeat", "0.2", command="worker")
    second = None
    try:
        assert wait_for(lambda: "notifications.outbox" in _job_runs()), stop(first)
        second = start(app, "--heartbeat", "0.2", command="worker")
        in_process = Worker(app)
        assert not in_process.lock.acquire()  # the first holds it
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
        assert wait_for(lambda: _lock_held_elsewhere(app)), stop(second)
        output = stop(second)
        assert "is the active worker" in output and "stopped" in output
    finally:
        for process in (first, second):
            if process is not None:
                _end(process)


def _end(process) -> None:
    """Kill the process if it still runs, and close its pipe."""
    if process.poll() is None:
        process.kill()
    process.communicate()


def _lock_held_elsewhere(app) -> bool:
    """Whether another worker now holds the lock: the in-process one cannot have it."""
    probe = Worker(app)
    if probe.lock.acquire():
        probe.lock.release()
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_worker_stops_cleanly_on_sigterm_or_ctrl_c(app, signum):
    process = start(app, "--heartbeat", "0.2", command="worker")
    try:
        assert wait_for(lambda: "qa.maintenance" in _job_runs()), stop(process)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
        assert "stopped" in output and "Traceback" not in output
    finally:
        _end(process)
    probe = Worker(app)
    assert probe.lock.acquire()  # given up
    probe.lock.release()


@pytest.mark.slow
def test_run_sends_queued_mail_from_its_own_thread(app, smtp_stub, teacher):
    notifications.set_mail_settings(teacher, "tea1@example.org", True)
    notifications.notify([teacher], "moderation", "服务器自己发的邮件", "/qa/9")
    db.session.commit()
    port = free_port()
    process = start(app, "--port", str(port), RUN_JOBS_IN_PROCESS="true",
                    MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_stub.port))
    try:
        wait_for_page(f"http://127.0.0.1:{port}/", process)
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
        assert wait_for(lambda: smtp_stub.messages), stop(process)
    finally:
        output = stop(process)
    assert "periodic jobs and mail run in this process" in output
    assert b"tea1@example.org" in smtp_stub.messages[0]
