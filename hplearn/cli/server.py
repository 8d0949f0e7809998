"""`hplearn run`: serve the site with waitress, a production WSGI server with a thread pool.

The pool's threads live as long as the server, so what a thread caches (its search index
reader, database connection, Markdown converter) is built once, not on every request as under
Flask's development server, which starts a thread per request. `--debug` runs Flask's
development server instead: it reloads on code changes and shows tracebacks in the browser.
"""

from __future__ import annotations

import errno
import os
import socket

import click
from flask.cli import ScriptInfo, get_debug_flag, pass_script_info
from flask.cli import run_command as flask_run_command

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_THREADS = 4


class PortType(click.ParamType):
    """A TCP port number, 1-65535, refused with a clear message otherwise."""

    name = "port"

    def convert(self, value, param, ctx):
        """The port as an int; fail with a Chinese message when it is not one."""
        if isinstance(value, int) and not isinstance(value, bool):
            port = value
        else:
            try:
                port = int(str(value).strip())
            except ValueError:
                self.fail(f"端口必须是 1–65535 之间的整数，“{value}”不是。", param, ctx)
        if not 1 <= port <= 65535:
            self.fail(f"端口必须是 1–65535 之间的整数，{port} 不在范围内。", param, ctx)
        return port


def _listen_failure(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (f"端口 {port} 已被占用（{host}:{port}），请换一个端口，"
                f"例如 hplearn run --port {port + 1}。")
    if error.errno == errno.EACCES:
        return f"没有权限监听 {host}:{port}（1024 以下的端口需要管理员权限），请换一个端口。"
    return f"无法监听 {host}:{port}：{error.strerror or error}。"


def _bound_socket(host: str, port: int) -> socket.socket:
    # Bound here rather than by waitress, so a refusal closes the socket and reads clearly.
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise click.ClickException(f"无法解析监听地址“{host}”：{error.strerror}。") from None
    listener = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows the option would let two servers share the port
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        listener.close()
        raise click.ClickException(_listen_failure(host, port, error)) from None
    return listener


def serve(app, listener: socket.socket, host: str, port: int, threads: int) -> None:
    """Serve app with waitress on an already bound listener until Ctrl+C."""
    import waitress

    # The app's ProxyFix (HPLEARN_PROXY_COUNT) decides which X-Forwarded-* headers to trust.
    server = waitress.create_server(app, sockets=[listener], threads=threads,
                                    ident="hplearn", clear_untrusted_proxy_headers=False)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"hplearn serving http://{shown}:{port}/ (waitress, {threads} threads; "
               "Ctrl+C stops)")
    server.run()


@click.command("run")
@click.option("--host", "-h", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", "-p", type=PortType(), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=DEFAULT_THREADS,
              show_default=True, help="Requests served at the same time.")
@click.option("--debug", is_flag=True,
              help="Flask's development server: reloads on code changes and shows tracebacks "
                   "in the browser. For developers only.")
@pass_script_info
@click.pass_context
def run_command(ctx: click.Context, info: ScriptInfo, host: str, port: int, threads: int,
                debug: bool) -> None:
    """Serve the site (default http://127.0.0.1:5000/) with a production WSGI server."""
    if debug or get_debug_flag():
        os.environ["FLASK_DEBUG"] = "1"
        if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloader's serving child
            _start_jobs(info.load_app())
        ctx.invoke(flask_run_command, host=host, port=port, reload=None, debugger=None,
                   with_threads=True, cert=None, extra_files=None, exclude_patterns=None)
        return
    app = info.load_app()
    # The port is bound before the jobs start: a refused port stops here, with no job thread
    # left running (and writing to the terminal) behind the message.
    listener = _bound_socket(host, port)
    try:
        worker = _start_jobs(app)
    except BaseException:
        listener.close()
        raise
    try:
        serve(app, listener, host, port, threads)
    finally:
        listener.close()  # closing twice is harmless; waitress may have closed it already
        if worker is not None:
            worker.stop()


def _start_jobs(app):
    """The periodic jobs and the mail outbox in a thread of this process (RUN_JOBS_IN_PROCESS)."""
    from hplearn.worker import start_in_thread
    from hplearn.worker_lock import WorkerLockError

    try:
        worker = start_in_thread(app)
    except WorkerLockError as error:
        raise click.ClickException(str(error)) from None
    if worker is not None:
        click.echo("periodic jobs and mail run in this process "
                   "(HPLEARN_RUN_JOBS_IN_PROCESS=false: leave them to `hplearn worker`)")
    return worker
