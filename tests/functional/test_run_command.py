"""`hplearn run`: a pooled-thread WSGI server (waitress) on --host/--port; --debug is Flask's."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hplearn.cli import cli, server
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def start(app, *args: str, command: str = "run", **settings: str) -> subprocess.Popen:
    """`python -m hplearn COMMAND ARGS` on the test app's database and instance folder.

    settings: more HPLEARN_* variables. The periodic jobs do not run in the server unless asked
    (RUN_JOBS_IN_PROCESS="true"): the link check would visit the factories' addresses.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPLEARN_")}
    env.update({
        "HPLEARN_INSTANCE": app.instance_path,
        "HPLEARN_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HPLEARN_SECRET_KEY": "test-secret-key",
        "HPLEARN_RUN_JOBS_IN_PROCESS": "false",
    })
    env.update({f"HPLEARN_{name}": value for name, value in settings.items()})
    return subprocess.Popen([sys.executable, "-m", "hplearn", command, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"hplearn run did not answer {url} within {START_TIMEOUT} s")


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_run_serves_the_site_on_the_host_and_port_given(app):
    resource = factories.ResourceFactory(title="勾股定理微课")
    # Another loopback address than the default proves --host is honoured.
    host = "127.0.0.2"
    port = free_port(host)
    process = start(app, "--host", host, "--port", str(port))
    try:
        wait_for(f"http://{host}:{port}/", process)
        status, page = fetch(f"http://{host}:{port}/resources/{resource.id}")
        assert status == 200 and "勾股定理微课" in page
        status, found = fetch(f"http://{host}:{port}/api/v1/search?q=%E5%8B%BE%E8%82%A1")
        assert status == 200 and '"total":1' in found.replace(" ", "")
        with pytest.raises(urllib.error.URLError):
            fetch(f"http://127.0.0.1:{port}/")  # not listening on the other address
    finally:
        output = stop(process)
    assert f"hplearn serving http://{host}:{port}/ (waitress" in output


def test_defaults_are_loopback_port_5000_with_a_pool_of_threads(runner, monkeypatch):
    calls = []
    # Nothing is bound: the test must not depend on port 5000 being free on this machine.
    monkeypatch.setattr(server, "_bound_socket", lambda host, port: socket.socket())
    monkeypatch.setattr(server, "serve", lambda app, listener, host, port, threads: calls.append(
        (app.name, host, port, threads)))
    result = runner.invoke(cli, args=["run"])
    assert result.exit_code == 0, result.output
    assert calls == [("hplearn.app", "127.0.0.1", 5000, server.DEFAULT_THREADS)]
    runner.invoke(cli, args=["run", "-h", "0.0.0.0", "-p", "8080", "--threads", "8"])
    assert calls[-1][1:] == ("0.0.0.0", 8080, 8)


@pytest.mark.parametrize("port", ["70000", "0", "abc", "-1"])
def test_a_bad_port_is_refused_with_a_clear_message(runner, port):
    result = runner.invoke(cli, args=["run", "--port", port])
    assert result.exit_code == 2
    assert "端口必须是 1–65535 之间的整数" in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_refused_with_a_clear_message(runner, monkeypatch):
    started = []
    monkeypatch.setattr(server, "_start_jobs", lambda app: started.append(app))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, args=["run", "--port", str(port)])
    assert result.exit_code == 1
    assert f"端口 {port} 已被占用" in result.output
    assert "Traceback" not in result.output
    # The job thread would print its own traceback beside the message; it never starts.
    assert started == []


def test_debug_runs_flasks_development_server_with_the_reloader(runner, monkeypatch):
    import flask.cli

    calls = []
    monkeypatch.setattr(flask.cli, "run_simple",
                        lambda host, port, app, **options: calls.append((host, port, options)))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    result = runner.invoke(cli, args=["run", "--debug", "--port", "5123"])
    assert result.exit_code == 0, result.output
    host, port, options = calls[0]
    assert (host, port) == ("127.0.0.1", 5123)
    assert options["use_reloader"] and options["use_debugger"]
