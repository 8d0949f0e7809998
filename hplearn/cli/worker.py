"""`hplearn worker`: run the periodic jobs and send the mail outbox, in the foreground.

One of any number of workers (on any servers) is active at a time; the others wait and take
over when it stops or dies. SIGTERM or Ctrl+C stops a worker cleanly: the job it is running
finishes, the lock is given up, the exit status is 0.
"""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

USAGE = "用法：hplearn worker [--once] [--heartbeat 秒数]"


class WorkerCommand(click.Command):
    """A command whose every wrong option is one Chinese line (exit status 2), no usage block."""

    def parse_args(self, ctx, args):
        """Parse as usual; turn click's usage errors into one line."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise BadOption(_chinese(error)) from None


class BadOption(click.ClickException):
    """A wrong option of `hplearn worker`."""

    exit_code = 2

    def show(self, file=None):
        """One line on standard error."""
        click.echo(f"错误：{self.message}", err=True)


def _chinese(error: click.UsageError) -> str:
    if isinstance(error, click.NoSuchOption):
        return f"没有 {error.option_name} 这个选项。{USAGE}"
    if isinstance(error, click.BadParameter):
        return f"{error.message}。{USAGE}" if not error.message.endswith("。") else \
            f"{error.message}{USAGE}"
    if isinstance(error, click.BadOptionUsage | click.MissingParameter):
        return f"选项用法不对（{error.format_message()}）。{USAGE}"
    return f"多余的参数（{error.format_message()}）。{USAGE}"


class Seconds(click.ParamType):
    """A number of seconds between 0.1 and 60."""

    name = "seconds"

    def convert(self, value, param, ctx):
        """The seconds as a float; fail with a Chinese message otherwise."""
        try:
            seconds = float(str(value).strip())
        except ValueError:
            self.fail(f"--heartbeat 必须是 0.1–60 之间的秒数，“{value}”不是", param, ctx)
        if not 0.1 <= seconds <= 60:
            self.fail(f"--heartbeat 必须是 0.1–60 之间的秒数，{value} 不在范围内", param, ctx)
        return seconds


@click.command("worker", cls=WorkerCommand)
@click.option("--once", is_flag=True,
              help="Run what is due once and exit (for cron); nothing if another worker is active.")
@click.option("--heartbeat", type=Seconds(), default=None,
              help="Seconds between two looks at the lock and the schedule (default 5).")
@with_appcontext
def worker_command(once: bool, heartbeat: float | None) -> None:
    """Run the periodic jobs and send queued mail; one worker is active across servers."""
    from hplearn import scheduler
    from hplearn import worker as worker_module
    from hplearn.worker_lock import WorkerLockError

    app = current_app._get_current_object()
    scheduler.last_runs()  # a database not there or not upgraded: one line from main(), exit 2
    try:
        worker = worker_module.Worker(app, heartbeat=heartbeat or worker_module.HEARTBEAT_SECONDS)
    except WorkerLockError as error:
        raise BadOption(str(error)) from None
    worker_module.log_to_stderr(app)
    if once:
        _run_once(worker)
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    click.echo(f"hplearn worker {worker.name} started ({worker.lock.kind} lock; "
               "SIGTERM or Ctrl+C stops)", err=True)
    worker.run()
    click.echo(f"hplearn worker {worker.name} stopped", err=True)


def _run_once(worker) -> None:
    try:
        worker.tick()
        ran = worker.active
    finally:
        worker.lock.release()
    if not ran:
        click.echo("另一个 worker 正在运行，本次未执行任务。 Another worker is active: nothing run.",
                   err=True)


COMMANDS = (worker_command,)
