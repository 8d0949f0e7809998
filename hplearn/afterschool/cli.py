"""`hplearn afterschool allocate|replay` and the demo guides of `hplearn init --demo`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from hplearn.afterschool import services
from hplearn.afterschool.models import AllocationRun
from hplearn.errors import DomainError
from hplearn.extensions import db


@click.group("afterschool")
def afterschool_group():
    """After-school service: run or re-run allocations."""


def _school_and_guide(code: str, term: str):
    school = services.school_by_code(code)
    if school is None:
        raise click.ClickException(f"没有找到学校 {code}。")
    checked = services.term_or_current(term) if term else services.current_term()
    guide = services.find_guide(school, checked)
    if guide is None:
        raise click.ClickException(f"{school.name}没有 {checked} 学期的课后服务指南。")
    return school, checked, guide


def _term_argument(value):
    try:
        return services.term_or_current(value)
    except DomainError as error:
        raise click.BadParameter(str(error)) from None


@afterschool_group.command("allocate")
@click.argument("code")
@click.argument("term", callback=lambda ctx, param, value: _term_argument(value))
@click.option("--seed", type=click.IntRange(0, services.MAX_ID), help="the lottery seed")
@with_appcontext
def allocate_command(code, term, seed):
    """Allocate the sign-ups of school CODE for TERM (YYYY-1 or YYYY-2)."""
    school, term, _ = _school_and_guide(code, term)
    try:
        summary = services.allocate(None, school, term, seed=seed)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"enrolled {summary.enrolled}, waitlisted {summary.waitlisted}, "
               f"unplaced {summary.unplaced}, first choice {summary.first_choice_share:.1%}, "
               f"seed {summary.seed}")


@afterschool_group.command("replay")
@click.argument("code")
@click.argument("term", callback=lambda ctx, param, value: _term_argument(value))
@with_appcontext
def replay_command(code, term):
    """Re-run the recorded allocation of CODE for TERM and compare it with the record."""
    _, term, guide = _school_and_guide(code, term)
    run = db.session.scalar(select(AllocationRun).where(AllocationRun.guide_id == guide.id)
                            .order_by(AllocationRun.id.desc()))
    if run is None:
        raise click.ClickException("这个学期还没有分配记录。")
    if services.digest(run.inputs) != run.inputs_digest:
        raise click.ClickException("记录的输入与其摘要不符：记录被改动过。")
    again = services.replay(run)
    same = services.result_digest(again) == run.result_digest
    click.echo(f"seed {run.seed}, inputs {run.inputs_digest[:16]}: enrolled {again.enrolment_count}, "
               f"waitlisted {again.waitlist_count}, unplaced {len(again.unplaced)} — "
               f"{'same as recorded' if same else 'DIFFERENT from the record'}")
    if not same:
        raise SystemExit(1)


def load_demo() -> str:
    """`hplearn init --demo`: two demo schools with accounts and this term's guides."""
    from hplearn.afterschool import demo

    return demo.load(echo=click.echo)
