"""意见建议: parents write to their children's schools, the school answers, overdue goes to the
district, the 家委会 reads it without names; refused from every side that must be refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hplearn.errors import Conflict, Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.parents import feedback
from hplearn.parents.models import Feedback
from hplearn.timeutil import LOCAL_TZ, utcnow
from tests import factories
from tests.openapi_check import checked
from tests.parents_fixtures import parent_of

BODY = "希望课后服务的足球社团能增加一天。"


@pytest.fixture
def mum(student):
    parent = parent_of(student, username="mum1")
    parent.display_name = "王妈妈"
    db.session.commit()
    return parent


@pytest.fixture
def other_child(other_school):
    return factories.UserFactory(username="stu9", role="student", school=other_school, grade=8)


@pytest.fixture
def dad(other_child):
    parent = parent_of(other_child, username="dad9")
    parent.display_name = "李爸爸"
    db.session.commit()
    return parent


@pytest.fixture
def other_admin(other_school):
    return factories.UserFactory(username="sadmin2", role="school_admin", school=other_school)


def _post(client, to_school, **changes):
    body = {"school": to_school.code, "category": "课后服务", "body": BODY, **changes}
    return client.post("/api/v1/feedback", json=body)


def test_a_parent_writes_the_school_answers_and_the_parent_reads_it(
        client, login, school, school_admin, mum):
    login(mum)
    made = checked(_post(client, school), 201)
    assert made["status"] == "open" and made["reply_html"] is None and made["category"] == "课后服务"
    client.post("/api/v1/auth/logout")
    login(school_admin)
    inbox = checked(client.get("/api/v1/feedback"), 200)
    assert [i["id"] for i in inbox] == [made["id"]] and inbox[0]["parent"] == "王妈妈"
    answered = checked(client.post(f"/api/v1/feedback/{made['id']}/reply",
                                   json={"body": "谢谢建议，下学期增加周五活动。"}), 201)
    assert answered["status"] == "answered" and "周五" in answered["reply_html"]
    checked(client.post(f"/api/v1/feedback/{made['id']}/reply", json={"body": "再答一次"}), 409)
    client.post("/api/v1/auth/logout")
    login(mum)
    mine = checked(client.get("/api/v1/feedback"), 200)
    assert mine[0]["status"] == "answered" and mine[0]["replied_at"]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == mum.id, Notification.kind == "feedback")) == 1
    page = client.get("/parents/feedback").get_data(as_text=True)
    assert "下学期增加周五活动" in page and "已答复" in page


def test_a_parent_cannot_write_to_a_school_without_their_child(client, login, other_school, mum):
    login(mum)
    refused = checked(_post(client, other_school), 422)
    assert "孩子所在的学校" in refused["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_a_parent_of_school_a_cannot_see_or_answer_school_bs_feedback(
        client, login, school, other_school, mum, dad, other_admin):
    theirs = feedback.submit(dad, other_school.code, "安全", "校门口放学时车辆太多了。")
    login(mum)
    assert all(i["id"] != theirs.id for i in checked(client.get("/api/v1/feedback"), 200))
    checked(client.get(f"/api/v1/feedback/{theirs.id}"), 404)
    refused = checked(client.post(f"/api/v1/feedback/{theirs.id}/reply", json={"body": "x"}), 403)
    assert "车辆" not in str(refused)
    assert client.get(f"/parents/school/{other_school.code}/feedback").status_code == 403
    with pytest.raises(NotFound):
        feedback.readable(mum, theirs.id)
    assert db.session.get(Feedback, theirs.id).replied_at is None


def test_another_parent_cannot_read_mine(client, login, school, student, mum):
    mine = feedback.submit(mum, school.code, "作业负担", "作业有点多，孩子写到很晚。")
    neighbour = parent_of(factories.UserFactory(username="stu3", role="student", school=school,
                                                grade=7), username="mum3")
    login(neighbour)
    assert checked(client.get("/api/v1/feedback"), 200) == []
    assert "写到很晚" not in str(checked(client.get(f"/api/v1/feedback/{mine.id}"), 404))
    assert "写到很晚" not in client.get("/parents/feedback").get_data(as_text=True)
    with pytest.raises(NotFound):
        feedback.readable(neighbour, mine.id)


def test_another_schools_admin_cannot_see_or_answer(client, login, school, mum, other_admin):
    mine = feedback.submit(mum, school.code, "其他", BODY)
    login(other_admin)
    assert checked(client.get("/api/v1/feedback"), 200) == []
    checked(client.get(f"/api/v1/feedback?school={school.code}"), 404)
    checked(client.post(f"/api/v1/feedback/{mine.id}/reply", json={"body": "好的"}), 404)
    assert client.get(f"/parents/school/{school.code}/feedback").status_code == 404
    with pytest.raises(NotFound):
        feedback.reply(other_admin, mine.id, "好的")


def test_anonymous_feedback_hides_the_parents_name_from_the_school(
        client, login, school, school_admin, mum):
    login(mum)
    made = checked(_post(client, school, anonymous=True), 201)
    client.post("/api/v1/auth/logout")
    login(school_admin)
    listed = checked(client.get("/api/v1/feedback"), 200)
    assert listed[0]["id"] == made["id"] and "parent" not in listed[0]
    page = client.get(f"/parents/school/{school.code}/feedback").get_data(as_text=True)
    assert "匿名家长" in page and BODY in page
    inbox_part = page.split('id="committee"')[0]
    assert "王妈妈" not in inbox_part and "mum1" not in inbox_part


def test_the_committee_sees_the_schools_feedback_without_names(
        client, login, school, school_admin, student, mum):
    named = feedback.submit(mum, school.code, "课后服务", BODY)
    feedback.reply(school_admin, named.id, "感谢，我们会研究。")
    member = parent_of(factories.UserFactory(username="stu4", role="student", school=school,
                                             grade=7), username="chair1")
    login(member)
    assert client.get(f"/parents/committee/{school.code}").status_code == 403
    feedback.set_committee_member(school_admin, school, member.id, True)
    page = client.get(f"/parents/committee/{school.code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and BODY in text and "感谢，我们会研究" in text
    assert "王妈妈" not in text and "mum1" not in text and student.display_name not in text
    # a committee member still reads only their own feedback through the API
    assert checked(client.get("/api/v1/feedback"), 200) == []


def test_only_the_schools_admin_sets_the_committee(school, other_school, school_admin, mum,
                                                   other_admin, district_admin, dad):
    with pytest.raises(Forbidden):
        feedback.set_committee_member(other_admin, school, mum.id, True)
    with pytest.raises(Forbidden):
        feedback.set_committee_member(district_admin, school, mum.id, True)
    with pytest.raises(NotFound):
        feedback.set_committee_member(school_admin, school, dad.id, True)


def test_students_and_teachers_cannot_reach_parent_pages(client, login, school, student, teacher,
                                                         mum):
    item = feedback.submit(mum, school.code, "其他", BODY)
    for user in (student, teacher):
        login(user)
        for url in ("/parents/", "/parents/feedback", f"/parents/committee/{school.code}",
                    "/parents/district", f"/parents/school/{school.code}/feedback"):
            response = client.get(url)
            assert response.status_code == 403, (user.username, url)
            assert BODY not in response.get_data(as_text=True)
        checked(client.get("/api/v1/feedback"), 403)
        checked(_post(client, school), 403)
        checked(client.post(f"/api/v1/feedback/{item.id}/reply", json={"body": "x"}), 403)
        client.post("/api/v1/auth/logout")


@pytest.mark.parametrize(("change", "words"), [
    ({"category": "表扬"}, "意见类别"),
    ({"category": None}, "意见类别"),
    ({"body": "好"}, "至少 5 个字"),
    ({"body": 12345}, "至少 5 个字"),
    ({"body": "很" * 2001}, "不能超过 2000"),
    ({"body": "有事请打我电话13812345678，谢谢老师"}, "手机号码"),
    ({"body": "三年二班王小明总是被欺负，希望老师关注"}, "班级和姓名"),
    ({"anonymous": "maybe"}, "anonymous"),
    ({"school": 7}, "孩子所在的学校"),
])
def test_bad_feedback_is_a_chinese_422_and_nothing_is_kept(client, login, school, mum, change,
                                                           words):
    login(mum)
    refused = checked(_post(client, school, **change), 422)
    assert words in refused["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_a_bad_reply_is_a_422(client, login, school, school_admin, mum):
    item = feedback.submit(mum, school.code, "其他", BODY)
    login(school_admin)
    for body in ({"body": ""}, {"body": None}, {}):
        checked(client.post(f"/api/v1/feedback/{item.id}/reply", json=body), 422)
    checked(client.post("/api/v1/feedback/999999/reply", json={"body": "x"}), 404)
    assert client.post(f"/api/v1/feedback/{item.id}/reply", data="x",
                       content_type="text/plain").status_code in (400, 415, 422)


def test_the_target_counts_service_days(app):
    friday_noon = datetime(2026, 12, 4, 12, 0, tzinfo=LOCAL_TZ)
    due = feedback.due_after(friday_noon, 5)
    # Mon 7 … Fri 11 are the five service days; the target is the end of Friday 11.
    assert due == datetime(2026, 12, 12, 0, 0, tzinfo=LOCAL_TZ)


def test_overdue_feedback_escalates_to_the_district(client, login, school, mum, district_admin,
                                                    school_admin):
    late = feedback.submit(mum, school.code, "安全", BODY)
    on_time = feedback.submit(mum, school.code, "其他", "谢谢老师们的辛苦付出。")
    answered = feedback.submit(mum, school.code, "线上学习", "希望多一些线上学习的资源。")
    db.session.execute(update(Feedback).where(Feedback.id.in_([late.id, answered.id]))
                       .values(due_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    feedback.reply(school_admin, answered.id, "好的。")
    assert feedback.escalate_overdue() == 1
    assert feedback.escalate_overdue() == 0  # each goes to the district once
    assert db.session.get(Feedback, on_time.id).escalated_at is None
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == district_admin.id, Notification.kind == "feedback")).all()
    assert len(notes) == 1 and school.name in notes[0].message
    login(mum)
    states = {i["id"]: i["status"] for i in checked(client.get("/api/v1/feedback"), 200)}
    assert states == {late.id: "escalated", on_time.id: "open", answered.id: "answered"}
    client.post("/api/v1/auth/logout")
    login(district_admin)
    page = client.get("/parents/district").get_data(as_text=True)
    assert school.name in page and BODY in page and "王妈妈" not in page
    rows = feedback.district_figures(district_admin)
    assert (rows[0].total, rows[0].answered, rows[0].open, rows[0].overdue) == (3, 1, 1, 1)
    assert rows[0].answered_in_time == 0 and rows[0].median_response_days is not None


def test_only_the_district_sees_the_district_view(school_admin, mum):
    for user in (school_admin, mum):
        with pytest.raises(Forbidden):
            feedback.district_figures(user)


def test_reply_service_refuses_other_roles_and_twice(school, school_admin, teacher, mum):
    item = feedback.submit(mum, school.code, "其他", BODY)
    for user in (teacher, mum):
        with pytest.raises(Forbidden):
            feedback.reply(user, item.id, "好")
    feedback.reply(school_admin, item.id, "好")
    with pytest.raises(Conflict):
        feedback.reply(school_admin, item.id, "再答")
    with pytest.raises(Invalid):
        feedback.submit(mum, school.code, "其他", "  ")


def test_the_demo_families_are_bound_on_a_committee_and_made_once(app):
    from hplearn.afterschool import demo as afterschool_demo
    from hplearn.parents import demo

    afterschool_demo.load(echo=lambda line: None)
    assert demo.load() == "2 demo parent(s)"
    assert demo.load() == "0 demo parent(s)"
    mum = db.session.scalar(select(factories.User).where(factories.User.username == "demoxx_p1"))
    chair = db.session.scalar(select(factories.User).where(factories.User.username == "demozx_p1"))
    assert [c.username for c in mum.children] == ["demoxx_s101", "demoxx_s301"]
    assert [s.code for s in feedback.committee_schools(chair)] == ["demo-zx"]
    states = sorted(f.status(utcnow()) for f in db.session.scalars(select(Feedback)))
    assert states == ["answered", "open"]


def test_without_the_afterschool_demo_no_family_is_made(app):
    from hplearn.parents import demo

    assert demo.load().startswith("skipped")


def test_the_school_admin_puts_a_parent_on_and_off_the_committee(client, login, school,
                                                                 school_admin, mum):
    login(school_admin)
    page = client.get(f"/parents/school/{school.code}/feedback").get_data(as_text=True)
    assert "王妈妈" in page and "设为家委会成员" in page
    client.post(f"/parents/school/{school.code}/committee",
                data={"parent_id": str(mum.id), "member": "1"})
    assert [s.code for s in feedback.committee_schools(mum)] == [school.code]
    assert "移出家委会" in client.get(f"/parents/school/{school.code}/feedback").get_data(
        as_text=True)
    client.post(f"/parents/school/{school.code}/committee",
                data={"parent_id": str(mum.id), "member": "0"})
    db.session.expire_all()
    assert feedback.committee_schools(mum) == []
    bad = client.post(f"/parents/school/{school.code}/committee", data={"parent_id": "x"})
    assert bad.status_code == 422 and "家长编号" in bad.get_data(as_text=True)


def test_the_escalation_job_runs_from_the_command_line(runner, school, mum):
    late = feedback.submit(mum, school.code, "安全", BODY)
    db.session.execute(update(Feedback).where(Feedback.id == late.id)
                       .values(due_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["jobs", "run", "parents.feedback_escalation"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Feedback, late.id).escalated_at is not None


def test_one_family_cannot_bury_the_schools_inbox(client, login, school, mum):
    for n in range(feedback.DAILY_LIMIT):
        feedback.submit(mum, school.code, "其他", f"第 {n + 1} 条建议：多开放图书室。")
    login(mum)
    refused = checked(_post(client, school), 422)
    assert "明天再提交" in refused["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == feedback.DAILY_LIMIT
