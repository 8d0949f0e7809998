"""Demo content: two schools (a primary and a middle school) with accounts and this term's
after-school guides, one open for sign-up, one allocated with attendance taken. Idempotent."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from hplearn.accounts import services as accounts
from hplearn.accounts.models import User
from hplearn.afterschool import records, services
from hplearn.afterschool.models import Programme
from hplearn.extensions import db
from hplearn.vocab import Role

PASSWORD = "demo2025pass"
SCHOOLS = (("demo-xx", "和平区示范小学", "小学"), ("demo-zx", "和平区示范中学", "初中"))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = "子涵浩然欣怡梓轩雨桐宇航思彤俊熙佳怡博文诗涵一诺"


def _account(username: str, role: str, school, seen: dict, **fields) -> User:
    # seen maps every demo account (made now or on an earlier run) to whether it was made now,
    # so that init --demo always shows how to sign in and counts what it made.
    user = accounts.user_by_username(username)
    made = user is None
    if made:
        user = accounts.create_user(username, role, PASSWORD, school=school, **fields)
    seen[user] = seen.get(user, False) or made
    return user


def _people(school, prefix: str, grades: list[int], created: dict) -> tuple[list[User], list[User]]:
    generator = random.Random(prefix)
    _account(f"{prefix}_admin", Role.SCHOOL_ADMIN, school, created, display_name=f"{school.name}管理员")
    teachers = [
        _account(f"{prefix}_t{n}", Role.TEACHER, school, created,
                 display_name=f"{SURNAMES[n]}老师", subjects=[subject])
        for n, subject in enumerate(("数学", "语文", "体育与健康", "美术"), start=1)
    ]
    students = []
    for grade in grades:
        for n in range(1, 7):
            name = generator.choice(SURNAMES) + "".join(generator.sample(GIVEN, 2))
            students.append(_account(f"{prefix}_s{grade}{n:02d}", Role.STUDENT, school, created,
                                     grade=grade, display_name=name))
    return teachers, students


def _slots(days, start, end):
    return [{"weekday": d, "start": start, "end": end} for d in days]


def _primary_programmes(teachers):
    math, chinese, sport, art = teachers
    every_day = range(1, 6)
    return [
        {"name": "作业辅导与答疑", "category": "作业辅导与答疑", "grades": [1, 2, 3, 4, 5, 6],
         "capacity": 60, "fee_per_month": 0, "slots": _slots(every_day, "15:30", "16:30"),
         "place": "各班教室", "staff": [{"kind": "teacher", "user_id": math.id},
                                    {"kind": "teacher", "user_id": chinese.id}],
         "description": "完成书面作业，老师当面答疑，**不讲新课**。"},
        {"name": "足球社团", "category": "体育", "grades": [3, 4, 5, 6], "capacity": 12,
         "fee_per_month": 80, "slots": _slots((1, 3), "16:40", "18:30"), "place": "操场",
         "staff": [{"kind": "teacher", "user_id": sport.id},
                   {"kind": "external", "name": "赵教练", "qualification": "中国足协 D 级教练员"}]},
        {"name": "国画与书法", "category": "艺术", "grades": [2, 3, 4, 5, 6], "capacity": 10,
         "fee_per_month": 60, "slots": _slots((2, 4), "16:40", "18:30"), "place": "美术教室",
         "staff": [{"kind": "teacher", "user_id": art.id},
                   {"kind": "retired", "name": "钱老师", "qualification": "退休美术教师，从教 30 年"}]},
        {"name": "科学小实验", "category": "科普", "grades": [1, 2, 3], "capacity": 10,
         "fee_per_month": 50, "slots": _slots((1, 5), "16:40", "18:30"), "place": "科学教室",
         "staff": [{"kind": "volunteer", "name": "孙同学", "qualification": "天津大学志愿者，化学专业"}]},
        {"name": "绘本阅读", "category": "阅读", "grades": [1, 2], "capacity": 12,
         "fee_per_month": 0, "slots": _slots((2, 4), "16:40", "18:30"), "place": "图书室",
         "staff": [{"kind": "teacher", "user_id": chinese.id}]},
        {"name": "延时托管", "category": "延时托管", "grades": [1, 2, 3, 4, 5, 6], "capacity": 30,
         "fee_per_month": 100, "slots": _slots(every_day, "16:40", "18:30"), "place": "阶梯教室",
         "staff": [{"kind": "teacher", "user_id": math.id}],
         "description": "家长下班较晚的学生在校看护、自主阅读，到 18:30。"},
    ]


def _middle_programmes(teachers):
    math, chinese, sport, art = teachers
    return [
        {"name": "作业辅导与答疑", "category": "作业辅导与答疑", "grades": [7, 8, 9],
         "capacity": 40, "fee_per_month": 0, "slots": _slots(range(1, 6), "16:30", "17:30"),
         "place": "各班教室", "staff": [{"kind": "teacher", "user_id": math.id}]},
        {"name": "篮球", "category": "体育", "grades": [7, 8], "capacity": 8,
         "fee_per_month": 200, "slots": _slots((1, 3, 5), "17:40", "18:30"), "place": "体育馆",
         "staff": [{"kind": "teacher", "user_id": sport.id}]},
        {"name": "红色经典诵读", "category": "爱国主义", "grades": [7, 8, 9], "capacity": 10,
         "fee_per_month": 0, "slots": _slots((2, 4), "17:40", "18:00"), "place": "报告厅",
         "staff": [{"kind": "teacher", "user_id": chinese.id}]},
        {"name": "初三晚自习", "category": "初中晚自习", "grades": [9], "capacity": 20,
         "fee_per_month": 100, "slots": _slots(range(1, 6), "18:40", "20:30"), "place": "九年级教室",
         "staff": [{"kind": "teacher", "user_id": math.id}]},
        {"name": "延时托管", "category": "延时托管", "grades": [7, 8, 9], "capacity": 10,
         "fee_per_month": 60, "slots": _slots((2, 4), "17:40", "18:30"), "place": "图书馆",
         "staff": [{"kind": "teacher", "user_id": art.id}]},
    ]


def _guide(admin, school, term, programmes, plan):
    for data in programmes:
        services.create_programme(admin, school, term, data)
    services.update_plan(admin, school, term, plan)


def _run_middle_school(admin, school, term, students, teachers, day):
    generator = random.Random(7)
    guide = services.find_guide(school, term)
    ids = [p.id for p in guide.programmes]
    for student in students:
        eligible = [p for p in guide.programmes if student.grade in p.grades]
        choices = [p.id for p in generator.sample(eligible, min(3, len(eligible)))]
        services.sign_up(student, student, term, choices, day=guide.signup_opens)
    services.set_priority(admin, school, term, [students[0].id, students[7].id], True)
    services.close_signup(admin, school, term)
    services.allocate(admin, school, term, seed=20250901, day=day)
    for programme_id in ids:
        _take_roll(db.session.get(Programme, programme_id), teachers, day, generator)


def _take_roll(programme, teachers, day, generator):
    staff = next((t for t in teachers if t.id in programme.staff_user_ids), None)
    roll = records.roll(programme)
    for back in range(1, 15):
        when = day - timedelta(days=back)
        if staff is None or not roll or records.session_minutes(programme, when) == 0:
            continue
        marks = {"present": [], "absent": [], "leave": []}
        for student in roll:
            marks[generator.choices(("present", "absent", "leave"), (8, 1, 1))[0]].append(student.id)
        records.record_attendance(staff, programme, when, **marks)


def load(echo) -> str:
    """Create what is missing; print every demo account with its password."""
    day = services.today()
    term = services.current_term()
    created: dict[User, bool] = {}
    _account("demo_district", Role.DISTRICT_ADMIN, None, created, display_name="区教育局（演示）")
    made = 0
    for index, (code, name, stage) in enumerate(SCHOOLS):
        school = accounts.school_by_code(code) or accounts.create_school(code, name, stage)
        grades = [1, 2, 3, 4, 5, 6] if stage == "小学" else [7, 8, 9]
        teachers, students = _people(school, code.replace("-", ""), grades, created)
        if services.find_guide(school, term) is not None:
            continue
        admin = db.session.scalar(select(User).where(
            User.school_id == school.id, User.role == Role.SCHOOL_ADMIN))
        if index == 0:
            _guide(admin, school, term, _primary_programmes(teachers),
                   "## 服务原则\n\n学生自愿参加，家长可随时退出。\n\n## 时间\n\n周一至周五 15:30—18:30。")
            services.publish(admin, school, term, signup_opens=day - timedelta(days=2),
                             signup_closes=day + timedelta(days=12))
        else:
            _guide(admin, school, term, _middle_programmes(teachers),
                   "## 服务原则\n\n自愿参加；初三晚自习由本校教师看护，不讲新课。")
            services.publish(admin, school, term, signup_opens=day - timedelta(days=20),
                             signup_closes=day + timedelta(days=2), reasons={
                                 "fee_cap": "篮球含校外专业教练费用，经家长委员会同意，困难家庭全免。"})
            _run_middle_school(admin, school, term, students, teachers, day)
        made += 1
    for user in created:
        if user.role != Role.STUDENT:
            echo(f"  演示账号：{user.username} / {PASSWORD}（{user.role_label}"
                 f"{'，' + user.school.name if user.school else ''}）")
    pupils = [user.username for user in created if user.role == Role.STUDENT]
    if pupils:
        echo(f"  演示学生：{pupils[0]} … {pupils[-1]}（<学校>_s<年级><01-06>），密码 {PASSWORD}")
    return f"{made} after-school guide(s) for {term}, {sum(created.values())} new demo account(s)"
