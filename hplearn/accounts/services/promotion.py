"""The new school year: every student of a school moves up a grade (graduates leave), once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select, update

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.accounts.services.errors import (
    AlreadyPromoted,
    SchoolNotFound,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.timeutil import local_date, utcnow
from hplearn.vocab import Role, final_grade, grade_label

# The school year turns on 1 July: promotion runs in the summer holiday, for the coming year.
SCHOOL_YEAR_START_MONTH = 7


def school_year_of(day: date) -> int:
    """The school year a day belongs to, named by its first calendar year (2025 for 2025–2026)."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def current_school_year() -> int:
    """The school year of today in Asia/Shanghai."""
    return school_year_of(local_date(utcnow()))


def school_year_label(year: int) -> str:
    """A school year as people write it: 2025–2026学年."""
    return f"{year}–{year + 1}学年"


@dataclass
class Promotion:
    """What the new school year does (or did) to one school's active students."""

    school: School
    school_year: int
    final_grade: int
    moves: dict[int, list[int]] = field(default_factory=dict)  # old grade -> student ids
    graduates: list[int] = field(default_factory=list)
    without_grade: list[int] = field(default_factory=list)
    beyond_final: list[int] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The summary in Chinese, one line per group of students."""
        title = f"{self.school.name}（{self.school.code}）{school_year_label(self.school_year)}升级"
        lines = [title + ("：预演，没有保存任何修改" if self.dry_run else "：已完成")]
        lines += [f"{grade_label(grade)} → {grade_label(grade + 1)}：{len(ids)} 人"
                  for grade, ids in sorted(self.moves.items())]
        if self.graduates:
            lines.append(f"{grade_label(self.final_grade)}毕业，账号停用（不删除）：{len(self.graduates)} 人")
        if self.without_grade:
            lines.append(f"没有填写年级，未处理：{len(self.without_grade)} 人")
        if self.beyond_final:
            lines.append(f"年级超出本校最高年级（{grade_label(self.final_grade)}），未处理，请核对："
                         f"{len(self.beyond_final)} 人")
        if len(lines) == 1:
            lines.append("没有在读的学生需要升级。")
        return lines


def _plan_promotion(school: School, school_year: int) -> Promotion:
    final = final_grade(school.stage) or 12
    plan = Promotion(school=school, school_year=school_year, final_grade=final)
    students = db.session.execute(
        select(User.id, User.grade).where(User.school_id == school.id, User.role == Role.STUDENT,
                                          User.active.is_(True)).order_by(User.id)
    )
    for user_id, grade in students:
        if grade is None:
            plan.without_grade.append(user_id)
        elif grade == final:
            plan.graduates.append(user_id)
        elif grade > final:
            plan.beyond_final.append(user_id)
        else:
            plan.moves.setdefault(grade, []).append(user_id)
    return plan


def _already_promoted(school: School, school_year: int) -> AlreadyPromoted:
    return AlreadyPromoted(
        f"{school.name}{school_year_label(school_year)}已经升过年级，不能重复升级。"
    )


def _claim_school_year(school: School, school_year: int, force: bool) -> bool:
    # One conditional UPDATE: of two runs at the same moment, only one finds the year unclaimed.
    claim = update(School).where(School.id == school.id).values(promoted_school_year=school_year)
    if not force:
        claim = claim.where(or_(School.promoted_school_year.is_(None),
                                School.promoted_school_year < school_year))
    return db.session.execute(claim).rowcount == 1


def _apply_promotion(plan: Promotion) -> None:
    moving = [user_id for ids in plan.moves.values() for user_id in ids]
    options = {"synchronize_session": False}
    if plan.graduates:
        db.session.execute(update(User).where(User.id.in_(plan.graduates))
                           .values(active=False, graduated_in=plan.school_year)
                           .execution_options(**options))
    if moving:
        db.session.execute(update(User).where(User.id.in_(moving))
                           .values(grade=User.grade + 1).execution_options(**options))


def promote_school(actor, school: School, *, today: date | None = None, dry_run: bool = False,
                   force: bool = False) -> Promotion:
    """Start the new school year: every active student moves up a grade; final-grade ones graduate.

    actor: the admin doing it (policy applies), or None for the CLI's operator.
    school: the school; its stage sets the final grade (vocab.FINAL_GRADES).
    today: the local date deciding the school year (default: today in Asia/Shanghai).
    dry_run: work out and return the plan without writing anything.
    force: run again although this school year's promotion already ran.
    Graduates are deactivated, never deleted. Raises SchoolNotFound or AlreadyPromoted.
    """
    if actor is not None and not policy.can_promote_school(actor, school.id):
        raise SchoolNotFound("没有找到这所学校。")
    school_year = school_year_of(today) if today else current_school_year()
    done = school.promoted_school_year is not None and school.promoted_school_year >= school_year
    if done and not force:
        raise _already_promoted(school, school_year)
    plan = _plan_promotion(school, school_year)
    plan.dry_run = dry_run
    if dry_run:
        return plan
    if not _claim_school_year(school, school_year, force):
        db.session.rollback()
        raise _already_promoted(school, school_year)
    _apply_promotion(plan)
    record(actor, "school.promote", school, school_id=school.id, school_year=school_year,
           forced=force, final_grade=plan.final_grade, graduated=plan.graduates,
           moved={f"{grade}->{grade + 1}": ids for grade, ids in sorted(plan.moves.items())})
    db.session.commit()
    return plan
