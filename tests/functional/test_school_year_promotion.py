"""The new school year: students move up a grade, final-grade students graduate, once a year."""

from datetime import date

import pytest
from sqlalchemy import select

from hplearn.accounts import services
from hplearn.accounts.models import User
from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from tests import factories

SEPTEMBER = date(2025, 9, 1)


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _students(school, grades):
    return [factories.UserFactory(username=f"k{grade or 0}x{n}", role="student", school=school,
                                  grade=grade)
            for n, grade in enumerate(grades)]


@pytest.mark.parametrize(("day", "year"), [
    (date(2025, 6, 30), 2024), (date(2025, 7, 1), 2025), (date(2026, 1, 15), 2025),
])
def test_school_year_turns_on_the_first_of_july(day, year):
    assert services.school_year_of(day) == year
    assert services.school_year_label(2025) == "2025–2026学年"


def test_promotion_moves_grades_and_graduates_the_final_grade(school, teacher):
    first, fifth, sixth, no_grade = _students(school, [1, 5, 6, None])
    left = factories.UserFactory(username="left01", role="student", school=school, grade=3,
                                 active=False)
    plan = services.promote_school(None, school, today=SEPTEMBER)
    assert [_user(u.username).grade for u in (first, fifth, sixth)] == [2, 6, 6]
    graduate = _user(sixth.username)
    assert not graduate.active and graduate.graduated_in == 2025
    assert _user(no_grade.username).grade is None and _user(no_grade.username).active
    assert _user("left01").grade == 3 and _user("tea1").grades == [7, 8, 9]
    assert plan.graduates == [sixth.id] and plan.without_grade == [no_grade.id]
    assert "六年级毕业，账号停用（不删除）：1 人" in plan.lines()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "school.promote"))
    assert entry.details["graduated"] == [sixth.id]
    assert entry.details["moved"] == {"1->2": [first.id], "5->6": [fifth.id]}
    assert left.id not in entry.details["graduated"]


def test_second_run_in_the_same_school_year_is_refused(school):
    [student] = _students(school, [3])
    services.promote_school(None, school, today=SEPTEMBER)
    with pytest.raises(services.AlreadyPromoted, match="已经升过年级"):
        services.promote_school(None, school, today=date(2026, 6, 30))
    with pytest.raises(services.AlreadyPromoted):
        services.promote_school(None, school, today=SEPTEMBER, dry_run=True)
    assert _user(student.username).grade == 4
    services.promote_school(None, school, today=date(2026, 7, 1))
    assert _user(student.username).grade == 5
    services.promote_school(None, school, today=date(2026, 7, 2), force=True)
    assert _user(student.username).grade == 6


@pytest.mark.parametrize(("stage", "final"), [("小学", 6), ("初中", 9), ("九年一贯", 9),
                                             ("完全中学", 12)])
def test_final_grade_follows_the_school_stage(app, stage, final):
    school = factories.SchoolFactory(stage=stage)
    last, before_last = _students(school, [final, final - 1])
    services.promote_school(None, school, today=SEPTEMBER)
    assert not _user(last.username).active
    assert _user(before_last.username).active and _user(before_last.username).grade == final


def test_grades_beyond_the_school_are_left_for_the_admin(school):
    [odd] = _students(school, [8])
    plan = services.promote_school(None, school, today=SEPTEMBER)
    assert plan.beyond_final == [odd.id] and _user(odd.username).grade == 8
    assert any("请核对" in line for line in plan.lines())


def test_dry_run_writes_nothing(school):
    [student] = _students(school, [6])
    plan = services.promote_school(None, school, today=SEPTEMBER, dry_run=True)
    assert plan.graduates == [student.id] and "预演" in plan.lines()[0]
    assert _user(student.username).active and school.promoted_school_year is None
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_reactivating_a_graduate_clears_the_mark(school, school_admin):
    [student] = _students(school, [6])
    services.promote_school(None, school, today=SEPTEMBER)
    services.set_active(school_admin, _user(student.username), True)
    assert _user(student.username).active and _user(student.username).graduated_in is None


def test_graduates_can_no_longer_sign_in(client, login, school):
    [student] = _students(school, [6])
    services.promote_school(None, school, today=SEPTEMBER)
    response = login(student)
    assert response.status_code != 302 and "已停用" in response.get_data(as_text=True)


def test_only_admins_of_the_school_promote(school, other_school, teacher):
    admin = factories.UserFactory(username="sadmin2", role="school_admin", school=other_school)
    for actor in (teacher, admin):
        with pytest.raises(services.SchoolNotFound):
            services.promote_school(actor, school, today=SEPTEMBER)
    assert school.promoted_school_year is None


# --- The command line -------------------------------------------------------------------------


def test_cli_promotes_once_and_prints_a_summary(runner, school):
    _students(school, [2, 2, 6])
    dry = runner.invoke(args=["users", "promote", "--school", "hp001", "--dry-run"])
    assert dry.exit_code == 0 and "预演" in dry.output
    assert sorted(u.grade for u in db.session.scalars(select(User))) == [2, 2, 6]
    result = runner.invoke(args=["users", "promote", "--school", "hp001"])
    assert result.exit_code == 0, result.output
    assert "二年级 → 三年级：2 人" in result.output and "毕业" in result.output
    again = runner.invoke(args=["users", "promote", "--school", "hp001"])
    assert again.exit_code == 1
    assert len(again.output.strip().splitlines()) == 1 and "--force" in again.output
    assert sorted(u.grade for u in db.session.scalars(select(User))) == [3, 3, 6]
    forced = runner.invoke(args=["users", "promote", "--school", "hp001", "--force"])
    assert forced.exit_code == 0
    assert sorted(u.grade for u in db.session.scalars(select(User))) == [4, 4, 6]


@pytest.mark.parametrize(("args", "message"), [
    (["users", "promote"], "--school"),
    (["users", "promote", "--school", "nope"], "没有代码为 nope 的学校"),
])
def test_cli_promote_bad_arguments(runner, school, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


# --- The admin page ---------------------------------------------------------------------------


def test_admin_page_previews_then_promotes_after_confirmation(client, login, school_admin,
                                                              school):
    first, sixth = _students(school, [1, 6])
    login(school_admin)
    preview = client.get("/admin/users/promote").get_data(as_text=True)
    assert "一年级 → 二年级：1 人" in preview and "确认升级" in preview
    unconfirmed = client.post("/admin/users/promote", data={"school": "hp001"})
    assert unconfirmed.status_code == 422 and "勾选确认" in unconfirmed.get_data(as_text=True)
    assert _user(first.username).grade == 1
    done = client.post("/admin/users/promote", data={"school": "hp001", "confirm": "y"})
    assert done.status_code == 302
    assert _user(first.username).grade == 2 and not _user(sixth.username).active
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已完成" in listing and "已毕业" in listing
    refused = client.get("/admin/users/promote").get_data(as_text=True)
    assert "已经升过年级" in refused and "确认升级" not in refused
    twice = client.post("/admin/users/promote", data={"school": "hp001", "confirm": "y"})
    assert twice.status_code == 422 and _user(first.username).grade == 2


def test_admin_page_refusals(client, login, school, other_school, teacher, district_admin):
    _students(school, [3])
    other_admin = factories.UserFactory(username="sadmin2", role="school_admin",
                                        school=other_school)
    login(teacher)
    assert client.get("/admin/users/promote").status_code == 403
    assert client.post("/admin/users/promote",
                       data={"school": "hp001", "confirm": "y"}).status_code == 403
    login.logout()
    login(other_admin)
    assert client.get("/admin/users/promote?school=hp001").status_code == 404
    assert client.post("/admin/users/promote",
                       data={"school": "hp001", "confirm": "y"}).status_code == 404
    assert school.promoted_school_year is None
    login.logout()
    login(district_admin)
    chooser = client.get("/admin/users/promote").get_data(as_text=True)
    assert "查看升级名单" in chooser and "hp002" in chooser
