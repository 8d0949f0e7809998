"""gunicorn settings for hplearn: `gunicorn -c gunicorn.conf.py wsgi:app`.

Environment:
  HPLEARN_BIND         address to listen on (default 127.0.0.1:8000; behind nginx keep it local)
  HPLEARN_WORKERS      worker processes (default 2 x CPU cores)
  HPLEARN_THREADS      threads per worker (default 1: plain sync workers)
  HPLEARN_TIMEOUT      seconds a request may take before its worker is replaced (default 30)
  HPLEARN_ACCESS_LOG   access log path, "-" for stdout (default stderr)

Every worker must be stateless: run with HPLEARN_DATABASE_URL (PostgreSQL), HPLEARN_REDIS_URL,
HPLEARN_SEARCH_BACKEND=postgres and one HPLEARN_SECRET_KEY shared by every server
(see docs/deploy.md).

gunicorn only serves pages: the periodic jobs and the mail outbox run in `hplearn worker`
(docs/deploy.md, "The site's own clock"); nothing here or in wsgi.py starts them.
"""

import multiprocessing
import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise SystemExit(f"{name} must be at least 1, not {number}")
    return number


bind = os.environ.get("HPLEARN_BIND", "127.0.0.1:8000").split(",")
workers = _int_env("HPLEARN_WORKERS", 2 * multiprocessing.cpu_count())
threads = _int_env("HPLEARN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# Load the app once in the master: workers fork with the code already imported (faster
# start, shared memory pages); each worker then opens its own database connections.
preload_app = True
timeout = _int_env("HPLEARN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Long Chinese search queries are percent-encoded 9 bytes a character: allow the maximum line.
limit_request_line = 8190
# Replace workers now and then so a slow leak never grows for days; jitter avoids all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("HPLEARN_ACCESS_LOG", "/dev/stderr")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# nginx in front sets X-Forwarded-*; trust it only from the local machine.
forwarded_allow_ips = os.environ.get("HPLEARN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips


_shared = False


def pre_fork(server, worker):
    """Before the first fork: load what a worker would load later anyway (pypinyin, for "did
    you mean" on searches that find nothing; its dictionaries are mapped files, hplearn/chinese.py)
    and move every object the master holds out of the garbage collector's reach (gc.freeze), so
    the workers keep sharing those pages instead of copying them (memory, issue 16 item 6)."""
    global _shared
    if _shared:
        return
    import gc

    from hplearn.search.analysis import pinyin_forms

    pinyin_forms("数学")
    gc.collect()
    gc.freeze()
    _shared = True


def post_fork(server, worker):
    """Drop database connections inherited from the master: a socket shared by two processes
    would mix their conversations with PostgreSQL."""
    from hplearn.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
