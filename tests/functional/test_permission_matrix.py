"""Role × endpoint: every refusal (401/403/404, never data) and every allowed case.

To cover a new endpoint, add one Endpoint row to ENDPOINTS: its method, a function building
its URL (and body) from the `world` of fixtures, the roles that may use it, and the roles
that must get 404 because the object belongs to another school. Every other signed-in role
must get 403; anonymous visitors are sent to the sign-in page (pages) or get 401 (API).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from hplearn.accounts.models import School, User
from hplearn.afterschool import services as as_services
from hplearn.afterschool.services import today as services_today
from hplearn.cache import catalog_cache
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.parents import feedback as feedback_services
from hplearn.qa import services as qa_services
from tests import factories
from tests.afterschool_fixtures import TERM, compliant_guide, programme_data
from tests.conftest import DEFAULT_PASSWORD, make_test_config, running_app
from tests.contribution_fixtures import EXERCISES, draft_package, published_package, submitted_package
from tests.media_samples import PDF, PNG
from tests.parents_fixtures import parent_of
from tests.qa_fixtures import ask
from tests.snapshots import SavedDatabase

ROLES = ("anonymous", "student", "teacher", "staff_teacher", "school_admin",
         "other_school_admin", "district_admin", "parent")
ADMINS = {"school_admin", "district_admin"}
SCHOOL_STAFF = {"teacher", "staff_teacher", "school_admin", "other_school_admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)


@dataclass(frozen=True)
class Endpoint:
    """One row of the matrix."""

    method: str
    url: Callable[[dict], str]
    allowed: set[str]
    hidden: set[str] = field(default_factory=set)  # roles that get 404 (object of another school)
    unnamed: set[str] = field(default_factory=set)  # roles that get 422: they must name the child
    json: Callable[[dict], dict] | None = None
    form: Callable[[dict], dict] | None = None
    secret: Callable[[dict], str] | None = None  # text a refusal must never contain


def _is_api(url: str) -> bool:
    return url.startswith("/api/")


def _target_username(world):
    return world["target"].username


def _new_user_form(world):
    return {"username": "newkid01", "role": "student", "grade": "3",
            "school": world["school"].code}


def _import_form(world):
    csv_bytes = b"username,role,grade\nimported01,student,4\n"
    return {"school": world["school"].code, "file": (io.BytesIO(csv_bytes), "users.csv")}


def _future_day() -> str:
    """A date a month from today, which a closed date may start on."""
    from hplearn.timeutil import local_date, utcnow

    return (local_date(utcnow()) + timedelta(days=30)).isoformat()


def _claimed_question_id(world) -> int:
    """A question of `student`, claimed by `teacher` (made on first use, once per case)."""
    if "question_id" not in world:
        asked = ask(world["users"]["student"])
        qa_services.claim_question(asked.id, world["users"]["teacher"])
        world["question_id"] = asked.id
    return world["question_id"]


def _crisis_question_id(world) -> int:
    """A mental-health question of `student`; `staff_teacher` is the school's counsellor."""
    if "crisis_id" not in world:
        counsellor = world["users"]["staff_teacher"]
        counsellor.is_counsellor = True
        world["crisis_id"] = ask(world["users"]["student"], title="我不想活了").id
    return world["crisis_id"]


def _unrouted_question_id(world) -> int:
    """An English question of `student`: nobody of the school teaches English (made once)."""
    if "unrouted_id" not in world:
        world["unrouted_id"] = ask(world["users"]["student"], title="现在完成时怎么用？",
                                   subject="英语").id
    return world["unrouted_id"]


def _afterschool(world) -> dict:
    """`school`'s published after-school guide (made on first use): a programme for grade 7
    run by `staff_teacher`, with `student` placed in it; and an older term whose window closed."""
    if "afterschool" not in world:
        school, admin = world["school"], world["users"]["school_admin"]
        school.stage = "九年一贯"
        factories.SchoolFactory._meta.sqlalchemy_session.commit()
        pilot = {"all_grades": "七年级试点"}
        programmes = compliant_guide(admin, school, world["users"]["staff_teacher"], grades=[7],
                                     reasons=pilot)
        as_services.place_by_hand(admin, school, programmes[0].id, world["users"]["student"].id)
        past = services_today() - timedelta(days=30)
        earlier = as_services.create_programme(admin, school, "2024-2", programme_data(
            world["users"]["staff_teacher"], grades=[7], term="2024-2"))
        as_services.publish(admin, school, "2024-2", signup_opens=past,
                            signup_closes=past + timedelta(days=5), reasons=pilot)
        world["afterschool"] = {"programme": programmes[0].id, "free": earlier.id}
    return world["afterschool"]


def _programme(world) -> int:
    return _afterschool(world)["programme"]


def _awaiting_child(world) -> int:
    """`student` signed up themselves for TERM: the choice waits for `parent` (made once)."""
    student = world["users"]["student"]
    as_services.sign_up(student, student, TERM, [_programme(world)])
    return student.id


def _feedback(world) -> int:
    """A feedback of `parent` to `school` (made on first use)."""
    if "feedback" not in world:
        item = feedback_services.submit(world["users"]["parent"], world["school"].code, "课后服务",
                                        FEEDBACK_BODY)
        world["feedback"] = item.id
    return world["feedback"]


def _committee(world) -> str:
    """`parent` on the 家委会 of `school`."""
    feedback_services.set_committee_member(world["users"]["school_admin"], world["school"],
                                           world["users"]["parent"].id, True)
    return world["school"].code


FEEDBACK_BODY = "希望篮球活动能延长到六点半。"


def _last_weekday() -> str:
    day = services_today()
    while day.isoweekday() > 5:
        day -= timedelta(days=1)
    return day.isoformat()


def _school_url(world, tail=""):
    _afterschool(world)
    return f"/api/v1/schools/{world['school'].code}/afterschool{tail}"


def _desk(world, tail=""):
    _afterschool(world)
    return f"/afterschool/manage/{world['school'].code}{tail}"


def _photo_png() -> bytes:
    # A picture Pillow can decode: the asker's photos are re-encoded (hplearn.media.photos).
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _image_form(world):
    return {"file": (io.BytesIO(_photo_png()), "板书.png")}


def _answer_with_image_form(world):
    return {"body": "看图。", "action": "publish", "image": (io.BytesIO(PNG), "板书.png")}


def _contribution(world, state: str) -> int:
    """A contribution of `teacher` in this state (draft, submitted, approved), made on first use."""
    key = f"contribution_{state}"
    if key not in world:
        teacher, admin = world["users"]["teacher"], world["users"]["school_admin"]
        made = {"draft": lambda: draft_package(teacher),
                "submitted": lambda: submitted_package(teacher),
                "approved": lambda: published_package(teacher, admin)}[state]()
        world[key] = made.id
        if state == "approved":
            from hplearn.contributions.services import exercise_set_of

            exercise_set = exercise_set_of(made)
            world["exercise_set"], world["exercise_item"] = exercise_set.id, exercise_set.items[0].id
    return world[key]


def _draft(world, tail="", api=False):
    return f"{'/api/v1' if api else ''}/contributions/{_contribution(world, 'draft')}{tail}"


def _submitted(world, tail="", api=False):
    return f"{'/api/v1' if api else ''}/contributions/{_contribution(world, 'submitted')}{tail}"


def _approved(world, tail="", api=False):
    return f"{'/api/v1' if api else ''}/contributions/{_contribution(world, 'approved')}{tail}"


def _exercise_set(world) -> int:
    _contribution(world, "approved")
    return world["exercise_set"]


def _exercise_item(world) -> int:
    _contribution(world, "approved")
    return world["exercise_item"]


def _document(world) -> int:
    """A published PDF document resource (made on first use)."""
    if "document" not in world:
        from tests.media_samples import store

        pdf = store(world["users"]["school_admin"], "document", PDF, "讲义.pdf")
        world["document"] = factories.ResourceFactory(kind="document", media_id=pdf.id).id
    return world["document"]


def _pdf_form(world):
    return {"file": (io.BytesIO(PDF), "课件.pdf")}


CONTRIBUTORS = {"teacher", "staff_teacher", "school_admin", "other_school_admin"}
STAFF = SCHOOL_STAFF | {"district_admin"}
ADMINS_ANYWHERE = ADMINS | {"other_school_admin"}
NOT_THEIRS = {"staff_teacher", "other_school_admin"}


ENDPOINTS = [
    # Public catalog
    Endpoint("GET", lambda w: "/", EVERYONE),
    Endpoint("GET", lambda w: "/browse", EVERYONE),
    Endpoint("GET", lambda w: f"/resources/{w['resource'].id}", EVERYONE),
    Endpoint("GET", lambda w: "/api/v1/resources", EVERYONE),
    Endpoint("GET", lambda w: f"/api/v1/resources/{w['resource'].id}", EVERYONE),
    Endpoint("GET", lambda w: "/api/v1/topics", EVERYONE),
    Endpoint("GET", lambda w: "/api/v1/platforms", EVERYONE),
    Endpoint("GET", lambda w: "/api/v1/openapi.yaml", EVERYONE),
    # Printing binding codes for a school's families
    Endpoint("GET", lambda w: f"/parents/school/{w['school'].code}/binding-codes", ADMINS,
             hidden={"other_school_admin"}),
    # 宣传 and 典型案例
    Endpoint("GET", lambda w: "/news/", EVERYONE),
    Endpoint("GET", lambda w: "/api/v1/news", EVERYONE),
    Endpoint("GET", lambda w: "/news/desk", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/news/new", ADMINS | {"other_school_admin"}, form=lambda w: {
        "kind": "announcement", "title": "矩阵公告"}),
    # 作业时长
    Endpoint("POST", lambda w: "/api/v1/homework-time", {"student"}, unnamed={"parent"},
             json=lambda w: {"date": services_today().isoformat(), "minutes": 30}),
    Endpoint("GET", lambda w: "/homework/", {"student", "parent"}),
    Endpoint("GET", lambda w: f"/api/v1/stats/homework/schools/{w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: f"/homework/schools/{w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: "/api/v1/stats/homework/district", {"district_admin"}),
    # The district's directory of platforms and schools
    Endpoint("GET", lambda w: "/admin/platforms/", {"district_admin"}),
    Endpoint("POST", lambda w: "/admin/platforms/new", {"district_admin"}, form=lambda w: {
        "name": "矩阵平台", "slug": "matrix", "level": "district", "sort_order": "1"}),
    Endpoint("GET", lambda w: "/admin/users/schools", {"district_admin"}),
    Endpoint("POST", lambda w: "/admin/users/schools", {"district_admin"}, form=lambda w: {
        "code": "matrix01", "name": "矩阵学校", "stage": "小学"}),
    # Moderation word lists: admins read them, the district edits them
    Endpoint("GET", lambda w: "/qa/word-lists", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/qa/word-lists", {"district_admin"},
             form=lambda w: {"list_name": "sensitive", "word": "矩阵测试词"}),
    # Q&A closed dates: every admin their own scope; a school's only for its admins and the district
    Endpoint("GET", lambda w: "/qa/closed-dates", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/qa/closed-dates", ADMINS | {"other_school_admin"},
             form=lambda w: {"first_day": _future_day()}),
    Endpoint("GET", lambda w: f"/qa/closed-dates?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: "/qa/closed-dates", ADMINS, hidden={"other_school_admin"},
             form=lambda w: {"first_day": _future_day(), "school": w["school"].code}),
    Endpoint("GET", lambda w: "/api/v1/qa/closed-dates", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/api/v1/qa/closed-dates", ADMINS | {"other_school_admin"},
             json=lambda w: {"first_day": _future_day()}),
    Endpoint("GET", lambda w: f"/api/v1/qa/closed-dates?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: "/api/v1/qa/closed-dates", ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"first_day": _future_day(), "school": w["school"].code}),
    # Questions nobody of the school teaches: admins list them and name the teacher who answers
    Endpoint("GET", lambda w: "/qa/unrouted", ADMINS | {"other_school_admin"}),
    Endpoint("GET", lambda w: f"/qa/unrouted?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/qa/{_unrouted_question_id(w)}/assign", ADMINS,
             hidden={"other_school_admin"}, form=lambda w: {"teacher_id": str(w["users"]["teacher"].id)}),
    Endpoint("GET", lambda w: "/api/v1/qa/unrouted", ADMINS | {"other_school_admin"}),
    Endpoint("GET", lambda w: f"/api/v1/qa/unrouted?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: f"/api/v1/questions/{_unrouted_question_id(w)}/assignable-teachers",
             ADMINS, hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/api/v1/questions/{_unrouted_question_id(w)}/assign", ADMINS,
             hidden={"other_school_admin"}, json=lambda w: {"teacher_id": w["users"]["teacher"].id}),
    # Own account
    Endpoint("GET", lambda w: "/auth/password", SIGNED_IN),
    Endpoint("POST", lambda w: "/api/v1/auth/logout", SIGNED_IN),
    Endpoint("POST", lambda w: "/auth/logout", SIGNED_IN),
    Endpoint("POST", lambda w: "/auth/password", SIGNED_IN, form=lambda w: {
        "current_password": DEFAULT_PASSWORD, "new_password": "fresh-pass-99",
        "confirm_password": "fresh-pass-99"}),
    Endpoint("POST", lambda w: "/api/v1/auth/password", SIGNED_IN, json=lambda w: {
        "current_password": DEFAULT_PASSWORD, "new_password": "fresh-pass-99"}),
    # Admin area
    Endpoint("GET", lambda w: "/admin/", ADMINS | {"other_school_admin"}),
    Endpoint("GET", lambda w: "/admin/users/", ADMINS | {"other_school_admin"}),
    Endpoint("GET", lambda w: f"/admin/users/?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}, secret=_target_username),
    Endpoint("GET", lambda w: "/admin/users/new", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/admin/users/new", ADMINS, hidden={"other_school_admin"},
             form=_new_user_form),
    Endpoint("GET", lambda w: "/admin/users/import", ADMINS | {"other_school_admin"}),
    Endpoint("POST", lambda w: "/admin/users/import", ADMINS, hidden={"other_school_admin"},
             form=_import_form),
    Endpoint("POST", lambda w: f"/admin/users/{w['target'].id}/deactivate", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/admin/users/{w['target'].id}/activate", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/admin/users/{w['target'].id}/reset-password", ADMINS,
             hidden={"other_school_admin"}, secret=_target_username),
    Endpoint("POST", lambda w: f"/admin/users/{w['district'].id}/reset-password",
             {"district_admin"}, hidden={"school_admin", "other_school_admin"}),
    Endpoint("GET", lambda w: f"/admin/users/{w['target'].id}/edit", ADMINS,
             hidden={"other_school_admin"}, secret=_target_username),
    Endpoint("POST", lambda w: f"/admin/users/{w['target'].id}/edit", ADMINS,
             hidden={"other_school_admin"}, form=lambda w: {"display_name": "", "grade": "4"},
             secret=_target_username),
    Endpoint("GET", lambda w: f"/admin/users/{w['district'].id}/edit", {"district_admin"},
             hidden={"school_admin", "other_school_admin"}),
    Endpoint("GET", lambda w: f"/admin/users/promote?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: "/admin/users/promote", ADMINS, hidden={"other_school_admin"},
             form=lambda w: {"school": w["school"].code, "confirm": "y"}),
    Endpoint("GET", lambda w: "/admin/users/counsellors", {"district_admin"}),
    # Accounts API
    Endpoint("GET", lambda w: f"/api/v1/schools/{w['school'].code}/users", ADMINS,
             hidden={"other_school_admin"}, secret=_target_username),
    Endpoint("GET", lambda w: f"/api/v1/schools/{w['school'].code}/users?role=student", ADMINS,
             hidden={"other_school_admin"}, secret=_target_username),
    Endpoint("GET", lambda w: "/api/v1/schools/no-such-school/users", set(),
             hidden={"school_admin", "other_school_admin", "district_admin"}),
    Endpoint("POST", lambda w: f"/api/v1/schools/{w['school'].code}/users", ADMINS,
             hidden={"other_school_admin"},
             json=lambda w: {"username": "apikid01", "role": "student", "grade": 5}),
    Endpoint("PATCH", lambda w: f"/api/v1/schools/{w['school'].code}/users/{w['target'].id}",
             ADMINS, hidden={"other_school_admin"}, json=lambda w: {"grade": 4},
             secret=_target_username),
    Endpoint("PATCH", lambda w: f"/api/v1/schools/{w['school'].code}/users/{w['district'].id}",
             set(), hidden={"school_admin", "other_school_admin", "district_admin"},
             json=lambda w: {"display_name": "x"}),
    # Statistics of one school: another school's admin finds no such school
    Endpoint("GET", lambda w: f"/api/v1/stats/schools/{w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: f"/stats/schools/{w['school'].code}.csv", ADMINS,
             hidden={"other_school_admin"}),
    # Q&A images: the claiming teacher (for an answer) and the asker (a photo of the problem);
    # another school's admin cannot see the question at all
    Endpoint("POST", lambda w: f"/api/v1/questions/{_claimed_question_id(w)}/images",
             {"teacher", "student"}, hidden={"other_school_admin", "staff_teacher"},
             form=_image_form),
    Endpoint("POST", lambda w: f"/qa/{_claimed_question_id(w)}/answer", {"teacher"},
             hidden={"other_school_admin", "staff_teacher"}, form=_answer_with_image_form),
    # Seeing who asked a crisis question: the school's counsellor only, with a reason
    Endpoint("POST", lambda w: f"/qa/{_crisis_question_id(w)}/identity", {"staff_teacher"},
             hidden={"teacher", "other_school_admin"},
             form=lambda w: {"reason": "需要联系学生本人"}),
    # Teachers are told: the badges' counts and the mail settings are for staff
    Endpoint("GET", lambda w: "/api/v1/qa/counts", SCHOOL_STAFF | ADMINS),
    Endpoint("GET", lambda w: "/notifications/settings", SCHOOL_STAFF | ADMINS),
    Endpoint("GET", lambda w: "/api/v1/notifications/settings", SCHOOL_STAFF | ADMINS),
    Endpoint("PUT", lambda w: "/api/v1/notifications/settings", SCHOOL_STAFF | ADMINS,
             json=lambda w: {"email": "matrix@example.org", "enabled": True}),
    # After-school service: public guides
    Endpoint("GET", lambda w: f"/schools/{w['school'].code}/afterschool?term={TERM}"
             if _afterschool(w) else "", EVERYONE),
    Endpoint("GET", lambda w: f"/afterschool/?term={TERM}", EVERYONE),
    Endpoint("GET", lambda w: _school_url(w, f"?term={TERM}"), EVERYONE),
    # After-school: the school's admins (API)
    Endpoint("PATCH", lambda w: _school_url(w), ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"term": TERM, "plan": "方案"}),
    Endpoint("POST", lambda w: _school_url(w, "/programmes"), ADMINS,
             hidden={"other_school_admin"},
             json=lambda w: programme_data(w["users"]["staff_teacher"], grades=[7])),
    Endpoint("PATCH", lambda w: _school_url(w, f"/programmes/{_programme(w)}"), ADMINS,
             hidden={"other_school_admin"}, json=lambda w: {"capacity": 40}),
    Endpoint("POST", lambda w: _school_url(w, "/publish"), ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"term": TERM, "reasons": {"all_grades": "七年级试点"}}),
    Endpoint("POST", lambda w: _school_url(w, "/close-signup"), ADMINS,
             hidden={"other_school_admin"}, json=lambda w: {"term": TERM}),
    Endpoint("POST", lambda w: _school_url(w, "/allocate"), ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"term": "2024-2", "seed": 1}),
    Endpoint("POST", lambda w: _school_url(w, "/priority"), ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"term": TERM, "student_ids": [w["users"]["student"].id]}),
    Endpoint("POST", lambda w: _school_url(w, f"/programmes/{_afterschool(w)['free']}/enrol"),
             ADMINS, hidden={"other_school_admin"},
             json=lambda w: {"student_id": w["users"]["student"].id}),
    Endpoint("GET", lambda w: _school_url(w, "/hours"), ADMINS, hidden={"other_school_admin"}),
    # After-school: families, staff, the district (API)
    Endpoint("PUT", lambda w: "/api/v1/afterschool/signup", {"student"},
             json=lambda w: {"term": TERM, "choices": [_programme(w)]}, unnamed={"parent"}),
    Endpoint("PUT", lambda w: "/api/v1/afterschool/signup", {"student", "parent"},
             json=lambda w: {"term": TERM, "choices": [_programme(w)],
                             "student_id": w["users"]["student"].id}),
    Endpoint("GET", lambda w: f"/api/v1/afterschool/enrolments?term={TERM}",
             {"student"} | SCHOOL_STAFF, unnamed={"parent"}),
    Endpoint("GET", lambda w: f"/api/v1/afterschool/enrolments?term={TERM}"
             f"&student_id={w['users']['student'].id}",
             {"student", "teacher", "staff_teacher", "school_admin", "district_admin", "parent"},
             hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/api/v1/afterschool/programmes/{_programme(w)}/withdraw",
             {"student", "school_admin", "district_admin", "parent"},
             hidden={"teacher", "staff_teacher", "other_school_admin"},
             json=lambda w: {"student_id": w["users"]["student"].id}),
    Endpoint("POST", lambda w: f"/api/v1/afterschool/programmes/{_programme(w)}/attendance",
             {"staff_teacher", "school_admin"}, hidden={"other_school_admin"},
             json=lambda w: {"date": _last_weekday(), "present": [w["users"]["student"].id]}),
    Endpoint("GET", lambda w: f"/api/v1/stats/afterschool/district?term={TERM}",
             {"district_admin"}),
    # Parents: confirming a child's own sign-up, 意见建议, 家委会, the district's view
    Endpoint("POST", lambda w: "/api/v1/afterschool/signup/confirm", {"parent"},
             json=lambda w: {"term": TERM, "student_id": _awaiting_child(w)}),
    Endpoint("GET", lambda w: f"/parents/?term={TERM}", {"parent"}),
    Endpoint("POST", lambda w: f"/parents/children/{_awaiting_child(w)}/confirm", {"parent"},
             form=lambda w: {"term": TERM}),
    Endpoint("POST", lambda w: f"/parents/children/{_awaiting_child(w)}/withdraw", {"parent"},
             form=lambda w: {"term": TERM}),
    Endpoint("POST", lambda w: "/api/v1/feedback", {"parent"},
             json=lambda w: {"school": w["school"].code, "category": "安全",
                             "body": "校门口放学时车辆太多。", "anonymous": True}),
    Endpoint("GET", lambda w: "/api/v1/feedback" if _feedback(w) else "",
             {"parent", "school_admin", "other_school_admin", "district_admin"},
             secret=lambda w: FEEDBACK_BODY),
    Endpoint("GET", lambda w: f"/api/v1/feedback/{_feedback(w)}",
             {"parent", "school_admin", "district_admin"},
             hidden={"student", "teacher", "staff_teacher", "other_school_admin"},
             secret=lambda w: FEEDBACK_BODY),
    Endpoint("POST", lambda w: f"/api/v1/feedback/{_feedback(w)}/reply", {"school_admin"},
             hidden={"other_school_admin", "district_admin"}, json=lambda w: {"body": "收到。"},
             secret=lambda w: FEEDBACK_BODY),
    Endpoint("GET", lambda w: "/parents/feedback", {"parent"}),
    Endpoint("POST", lambda w: "/parents/feedback", {"parent"},
             form=lambda w: {"school": w["school"].code, "category": "其他",
                             "body": "感谢老师们的付出。"}),
    Endpoint("GET", lambda w: f"/parents/school/{w['school'].code}/feedback"
             if _feedback(w) else "", ADMINS, hidden={"other_school_admin"},
             secret=lambda w: FEEDBACK_BODY),
    Endpoint("POST", lambda w: f"/parents/school/{w['school'].code}/feedback/{_feedback(w)}/reply",
             {"school_admin"}, hidden={"other_school_admin", "district_admin"},
             form=lambda w: {"body": "收到，谢谢。"}),
    Endpoint("POST", lambda w: f"/parents/school/{w['school'].code}/committee", {"school_admin"},
             hidden={"other_school_admin"},
             form=lambda w: {"parent_id": str(w["users"]["parent"].id), "member": "1"}),
    Endpoint("GET", lambda w: f"/parents/committee/{_committee(w)}" if _feedback(w) else "",
             {"parent"}, secret=lambda w: FEEDBACK_BODY),
    Endpoint("GET", lambda w: "/parents/district" if _feedback(w) else "", {"district_admin"},
             secret=lambda w: FEEDBACK_BODY),
    # After-school pages
    Endpoint("GET", lambda w: f"/afterschool/mine?term={TERM}" if _afterschool(w) else "",
             {"student"}, unnamed={"parent"}),
    Endpoint("GET", lambda w: f"/afterschool/mine?term={TERM}&student_id="
             f"{w['users']['student'].id}" if _afterschool(w) else "", {"student", "parent"}),
    Endpoint("POST", lambda w: f"/afterschool/mine?term={TERM}", {"student"},
             form=lambda w: {"choice": str(_programme(w)), "term": TERM}, unnamed={"parent"}),
    Endpoint("GET", lambda w: f"/afterschool/teach?term={TERM}", SCHOOL_STAFF),
    Endpoint("GET", lambda w: f"/afterschool/programmes/{_programme(w)}/attendance",
             {"staff_teacher", "school_admin"}, hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: f"/afterschool/programmes/{_programme(w)}/attendance",
             {"staff_teacher", "school_admin"}, hidden={"other_school_admin"},
             form=lambda w: {"date": _last_weekday(), f"s{w['users']['student'].id}": "leave"}),
    Endpoint("GET", lambda w: "/afterschool/manage/", ADMINS | {"other_school_admin"}),
    Endpoint("GET", lambda w: _desk(w, f"?term={TERM}"), ADMINS, hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: _desk(w, "/programmes/new"), ADMINS, hidden={"other_school_admin"}),
    Endpoint("POST", lambda w: _desk(w, "/plan"), ADMINS, hidden={"other_school_admin"},
             form=lambda w: {"term": TERM, "plan": "方案"}),
    Endpoint("POST", lambda w: _desk(w, "/publish"), ADMINS, hidden={"other_school_admin"},
             form=lambda w: {"term": TERM, "reason_all_grades": "七年级试点"}),
    Endpoint("POST", lambda w: _desk(w, "/allocate"), ADMINS, hidden={"other_school_admin"},
             form=lambda w: {"term": "2024-2"}),
    Endpoint("GET", lambda w: _desk(w, "/hours.csv"), ADMINS, hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: f"/afterschool/district?term={TERM}", {"district_admin"}),
    Endpoint("GET", lambda w: f"/afterschool/district.csv?term={TERM}", {"district_admin"}),
    # Contributions (issue 15): teachers write their own drafts; the school's admins review
    Endpoint("GET", lambda w: "/contributions/", STAFF),
    Endpoint("GET", lambda w: "/contributions/new", CONTRIBUTORS),
    Endpoint("POST", lambda w: "/contributions/new", CONTRIBUTORS,
             form=lambda w: {"kind": "package", "title": "勾股定理", "stage": "初中"}),
    Endpoint("GET", lambda w: _draft(w), {"teacher", "school_admin", "district_admin"},
             hidden=NOT_THEIRS),
    Endpoint("POST", lambda w: _draft(w, "/parts/design"), {"teacher"}, hidden=NOT_THEIRS,
             form=lambda w: {"body": "教学设计"}),
    Endpoint("POST", lambda w: _draft(w, "/parts/slides"), {"teacher"}, hidden=NOT_THEIRS,
             form=_pdf_form),
    Endpoint("POST", lambda w: _draft(w, "/exercises"), {"teacher"}, hidden=NOT_THEIRS,
             form=lambda w: {"source": EXERCISES}),
    Endpoint("POST", lambda w: _draft(w, "/submit"), {"teacher"}, hidden=NOT_THEIRS),
    Endpoint("GET", lambda w: _draft(w, "/exercises/search?q=勾股定理"), {"teacher"},
             hidden=NOT_THEIRS),
    Endpoint("POST", lambda w: _draft(w, f"/exercises/reuse/{_exercise_item(w)}"), {"teacher"},
             hidden=NOT_THEIRS),
    Endpoint("GET", lambda w: _draft(w, "/revisions/1"), {"teacher", "school_admin", "district_admin"},
             hidden=NOT_THEIRS),
    Endpoint("POST", lambda w: _submitted(w, "/approve"), ADMINS, hidden=NOT_THEIRS,
             form=lambda w: {"audience": "public"}),
    Endpoint("POST", lambda w: _submitted(w, "/return"), ADMINS, hidden=NOT_THEIRS,
             form=lambda w: {"comment": "请补充学习任务单。"}),
    Endpoint("POST", lambda w: _approved(w, "/feature"), {"district_admin"}, hidden=NOT_THEIRS),
    Endpoint("GET", lambda w: "/contributions/review", ADMINS_ANYWHERE),
    Endpoint("GET", lambda w: f"/contributions/record?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: f"/contributions/record.csv?school={w['school'].code}", ADMINS,
             hidden={"other_school_admin"}),
    Endpoint("GET", lambda w: "/api/v1/contributions", CONTRIBUTORS),
    Endpoint("POST", lambda w: "/api/v1/contributions", CONTRIBUTORS,
             json=lambda w: {"kind": "resource", "title": "古诗", "stage": "小学"}),
    Endpoint("GET", lambda w: _draft(w, api=True), {"teacher", "school_admin", "district_admin"},
             hidden=NOT_THEIRS),
    Endpoint("PATCH", lambda w: _draft(w, api=True), {"teacher"}, hidden=NOT_THEIRS,
             json=lambda w: {"title": "勾股定理（新）"}),
    Endpoint("PUT", lambda w: _draft(w, "/parts/worksheet", api=True), {"teacher"},
             hidden=NOT_THEIRS, json=lambda w: {"body": "任务单"}),
    Endpoint("POST", lambda w: _draft(w, "/parts/slides/file", api=True), {"teacher"},
             hidden=NOT_THEIRS, form=_pdf_form),
    Endpoint("PUT", lambda w: _draft(w, "/exercises", api=True), {"teacher"}, hidden=NOT_THEIRS,
             json=lambda w: {"source": EXERCISES}),
    Endpoint("POST", lambda w: _draft(w, "/submit", api=True), {"teacher"}, hidden=NOT_THEIRS),
    Endpoint("GET", lambda w: _draft(w, "/revisions/2/diff", api=True),
             {"teacher", "school_admin", "district_admin"}, hidden=NOT_THEIRS),
    Endpoint("POST", lambda w: _submitted(w, "/approve", api=True), ADMINS, hidden=NOT_THEIRS,
             json=lambda w: {"audience": "school"}),
    Endpoint("POST", lambda w: _submitted(w, "/return", api=True), ADMINS, hidden=NOT_THEIRS,
             json=lambda w: {"comment": "请修改"}),
    Endpoint("POST", lambda w: _approved(w, "/feature", api=True), {"district_admin"},
             hidden=NOT_THEIRS),
    Endpoint("GET", lambda w: "/api/v1/review/contributions", ADMINS_ANYWHERE),
    Endpoint("GET", lambda w: f"/api/v1/schools/{w['school'].code}/contribution-record", ADMINS,
             hidden={"other_school_admin"}),
    # Exercises: answered by anyone who sees the resource; rates for staff; search for staff
    Endpoint("GET", lambda w: f"/exercises/{_exercise_set(w)}", EVERYONE),
    Endpoint("POST", lambda w: f"/exercises/items/{_exercise_item(w)}/answer", EVERYONE,
             form=lambda w: {"answer": "1"}),
    Endpoint("GET", lambda w: f"/exercises/{_exercise_set(w)}/rates", STAFF),
    Endpoint("GET", lambda w: "/exercises/search?q=勾股定理", STAFF),
    Endpoint("GET", lambda w: f"/api/v1/exercise-sets/{_exercise_set(w)}", EVERYONE),
    Endpoint("POST", lambda w: f"/api/v1/exercise-items/{_exercise_item(w)}/answer", EVERYONE,
             json=lambda w: {"answer": 1}),
    Endpoint("GET", lambda w: f"/api/v1/exercise-sets/{_exercise_set(w)}/rates", STAFF),
    Endpoint("GET", lambda w: "/api/v1/exercises/search?q=勾股定理", STAFF),
    # The learning loop: students' own
    Endpoint("GET", lambda w: "/learning/", EVERYONE),
    Endpoint("GET", lambda w: "/learning/favourites", {"student"}),
    Endpoint("POST", lambda w: f"/learning/favourites/{w['resource'].id}", {"student"}),
    Endpoint("POST", lambda w: f"/learning/favourites/{w['resource'].id}/remove", {"student"}),
    Endpoint("GET", lambda w: "/learning/history", {"student"}),
    Endpoint("POST", lambda w: f"/learning/history/{_document(w)}/page", {"student"},
             form=lambda w: {"page": "3"}),
    Endpoint("GET", lambda w: "/api/v1/favourites", {"student"}),
    Endpoint("PUT", lambda w: f"/api/v1/favourites/{w['resource'].id}", {"student"}),
    Endpoint("DELETE", lambda w: f"/api/v1/favourites/{w['resource'].id}", {"student"}),
    Endpoint("GET", lambda w: "/api/v1/history", {"student"}),
    Endpoint("PUT", lambda w: f"/api/v1/history/{_document(w)}", {"student"},
             json=lambda w: {"pdf_page": 3}),
    Endpoint("GET", lambda w: f"/api/v1/resources/{w['resource'].id}/related", EVERYONE),
]


def _build_world() -> dict:
    """Everyone and everything the matrix needs, as ids (conftest's accounts, made alike)."""
    school, other_school = factories.first_school(), factories.second_school()
    student = factories.grade7_student(school)
    users = {
        "student": student,
        "teacher": factories.maths_teacher(school),
        "staff_teacher": factories.UserFactory(
            username="tea2", role="teacher", school=school, display_name="周老师"),
        "school_admin": factories.admin_of(school),
        "other_school_admin": factories.admin_of(other_school, "sadmin2"),
        "district_admin": factories.district_admin(),
        "parent": parent_of(student),  # `student`'s parent
    }
    target = factories.UserFactory(username="target01", role="student", school=school,
                                   display_name="王小明", grade=3)
    resource = factories.ResourceFactory()
    return {"schools": {"school": school.id, "other_school": other_school.id},
            "users": {role: user.id for role, user in users.items()} | {"target": target.id},
            "resource": resource.id}


@pytest.fixture(scope="module")
def saved_world(tmp_path_factory):
    """One app for the whole matrix and its world, saved once (tests/snapshots.py)."""
    config = make_test_config(tmp_path_factory.mktemp("matrix"))
    with running_app(config) as application:
        ids = _build_world()
        yield application, ids, SavedDatabase(config["DATABASE_URL"])


@pytest.fixture
def app(saved_world):
    """The matrix's app, its database back as it was saved, in a fresh app context."""
    application, ids, saved = saved_world
    with application.app_context():
        if not saved.restore():
            assert _build_world() == ids  # (PostgreSQL: built again, the same ids)
        catalog_cache(application).bump()  # (nothing cached by an earlier case is valid)
        factories.bind(db.session)
        yield application
        db.session.remove()


@pytest.fixture
def world(app, saved_world):
    """Everyone and everything the matrix needs, loaded in this case's session."""
    ids = saved_world[1]
    users = {role: db.session.get(User, user_id) for role, user_id in ids["users"].items()}
    return {
        "school": db.session.get(School, ids["schools"]["school"]),
        "other_school": db.session.get(School, ids["schools"]["other_school"]),
        "target": users.pop("target"),
        "district": users["district_admin"],
        "resource": db.session.get(Resource, ids["resource"]),
        "users": users,
    }


def _request(client, endpoint: Endpoint, world):
    url = endpoint.url(world)
    if endpoint.json is not None:
        return client.open(url, method=endpoint.method, json=endpoint.json(world))
    if endpoint.form is not None:
        return client.open(url, method=endpoint.method, data=endpoint.form(world),
                           content_type="multipart/form-data")
    return client.open(url, method=endpoint.method)


def _expected_refusal(endpoint: Endpoint, role: str, url: str) -> int:
    if role == "anonymous":
        return 401 if _is_api(url) else 302
    if role in endpoint.unnamed:
        return 422
    return 404 if role in endpoint.hidden else 403


CASES = [
    pytest.param(endpoint, role, id=f"{index:02d}-{endpoint.method}-{role}")
    for index, endpoint in enumerate(ENDPOINTS)
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_permission_matrix(client, login, world, endpoint, role):
    if role != "anonymous":
        assert login(world["users"][role]).status_code == 302
    url = endpoint.url(world)
    response = _request(client, endpoint, world)
    body = response.get_data(as_text=True)
    if role in endpoint.allowed:
        assert response.status_code in (200, 201, 302), (url, role, response.status_code)
        if response.status_code == 302:
            assert "/auth/login" not in response.headers["Location"]
        return
    expected = _expected_refusal(endpoint, role, url)
    assert response.status_code == expected, (url, role, response.status_code, body[:200])
    if expected == 302:
        assert "/auth/login" in response.headers["Location"]
    if _is_api(url):
        assert set(response.get_json()) == {"error"}
    if endpoint.secret is not None:
        assert endpoint.secret(world) not in body
    assert "王小明" not in body
