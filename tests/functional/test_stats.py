"""Statistics end to end: real views, sign-ins and searches through the app, recorder calls for
watch time and Q&A, `hplearn stats rollup`, then every figure on the API, pages and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hplearn.extensions import db
from hplearn.stats import events
from hplearn.stats.models import SchoolDaily
from hplearn.stats.period import today
from tests.factories import ResourceFactory, TopicFactory, UserFactory

RESPONSE_MINUTES = [10, 20, 30, 40, 2000]


def _signed_in_client(app, user):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": user.username,
                                                 "password": "correct-horse-42"})
    assert response.status_code == 302
    return client


def _api(client, path, **params):
    return client.get(path, query_string=params)


@pytest.fixture
def activity(app, school, other_school, teacher, runner):
    """Six students of `school`, three of `other_school`, views, searches, questions; rolled up."""
    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    maths = ResourceFactory(title="勾股定理", subject="数学", grade=8, topic=topic)
    video = ResourceFactory(title="古诗朗读", subject="语文", grade=7, kind="video")
    ours = [UserFactory(username=f"a{n}", role="student", school=school, grade=7) for n in range(6)]
    theirs = [UserFactory(username=f"b{n}", role="student", school=other_school, grade=7)
              for n in range(3)]
    clients = {}
    for student in ours:
        client = clients[student.id] = _signed_in_client(app, student)
        assert client.get(f"/resources/{maths.id}").status_code == 200
        assert client.get(f"/resources/{maths.id}").status_code == 200  # a reload: still one view
        assert _api(client, f"/api/v1/resources/{video.id}").status_code == 200
        events.record_watch(video, 120, user=student)
    for student in theirs:
        _signed_in_client(app, student).get(f"/resources/{maths.id}")
    visitor = app.test_client()
    visitor.get(f"/?s={school.code}")
    visitor.get(f"/resources/{video.id}")
    for number, student in enumerate(ours[:5]):
        for _ in range(2 if number < 2 else 1):
            assert clients[student.id].get("/search?q=勾股定理&subject=数学").status_code == 200
    for student in ours[:2]:
        assert _api(clients[student.id], "/api/v1/search", q="量子纠缠").status_code == 200
    for number, (student, minutes) in enumerate(zip(ours[:5], RESPONSE_MINUTES, strict=False), start=1):
        events.record_question_event("asked", number, "数学", 7, school.id, user=student)
        events.record_question_event("claimed", number, "数学", 7, school.id, user=teacher)
        events.record_question_event("answered", number, "数学", 7, school.id, user=teacher,
                                     first_response_minutes=minutes)
    events.record_question_event("asked", 99, "数学", 7, other_school.id, user=theirs[0])
    events.flush()
    result = runner.invoke(args=["stats", "rollup"])
    assert result.exit_code == 0, result.output
    return {"maths": maths, "video": video, "ours": ours, "theirs": theirs}


def _range():
    return {"from": (today() - timedelta(days=6)).isoformat(), "to": today().isoformat()}


def test_school_api_figures(app, activity, school, school_admin):
    client = _signed_in_client(app, school_admin)
    data = _api(client, f"/api/v1/stats/schools/{school.code}", **_range()).get_json()
    assert data["school"] == school.code
    assert data["from"] == _range()["from"] and data["to"] == _range()["to"]
    assert data["enrolled_students"] == 6
    assert data["active_students"] == 6
    assert data["views"] == 6 + 6 + 1  # maths and video by six students, video by one visitor
    assert data["watch_minutes"] == 12
    assert data["searches"] == 9
    assert data["top_resources"] == [
        {"id": activity["video"].id, "title": "古诗朗读", "views": 7},
        {"id": activity["maths"].id, "title": "勾股定理", "views": 6},
    ]
    # 量子纠缠 was typed by two students: not listed at all (before, its text was, with "<5").
    assert data["top_searches"] == [{"query": "勾股定理", "count": 7}]
    assert data["zero_result_searches"] == []
    questions = data["questions"]
    assert questions["asked"] == 5 and questions["answered"] == 5
    assert questions["median_first_response_minutes"] == 30
    assert questions["p90_first_response_minutes"] == 2010  # kept to 30 minutes beyond 6 hours
    assert questions["answered_within_target"] == 4
    by_subject = {row["subject"]: row for row in data["by_subject"]}
    assert by_subject["语文"] == {"subject": "语文", "views": 7, "asked": "<5", "answered": "<5"}
    assert by_subject["数学"] == {"subject": "数学", "views": 6, "asked": 5, "answered": 5}


def test_small_school_figures_are_hidden(app, activity, other_school, district_admin):
    client = _signed_in_client(app, district_admin)
    data = _api(client, f"/api/v1/stats/schools/{other_school.code}", **_range()).get_json()
    for key in ("enrolled_students", "active_students", "views"):
        assert data[key] == "<5", key
    assert data["questions"]["asked"] == "<5"
    assert data["top_resources"] == [{"id": activity["maths"].id, "title": "勾股定理", "views": "<5"}]


def test_district_api_lists_every_school(app, activity, school, other_school, district_admin):
    client = _signed_in_client(app, district_admin)
    data = _api(client, "/api/v1/stats/district", **_range()).get_json()
    assert [s["school"] for s in data["schools"]] == [school.code, other_school.code]
    for entry, code in zip(data["schools"], (school.code, other_school.code), strict=True):
        alone = _api(client, f"/api/v1/stats/schools/{code}", **_range()).get_json()
        assert entry == alone


def test_school_admin_is_refused_another_school(app, activity, other_school, school_admin):
    """Another school's figures look exactly like a school that does not exist: 404."""
    client = _signed_in_client(app, school_admin)
    api = _api(client, f"/api/v1/stats/schools/{other_school.code}")
    assert api.status_code == 404
    assert api.get_json() == _api(client, "/api/v1/stats/schools/nosuch").get_json()
    assert client.get(f"/stats/schools/{other_school.code}.csv").status_code == 404
    assert client.get("/stats/schools/nosuch.csv").status_code == 404
    assert client.get("/stats/", query_string={"school": other_school.code}).status_code == 404
    assert client.get("/stats/", query_string={"school": "nosuch"}).status_code == 404
    assert _api(client, "/api/v1/stats/district").status_code == 403


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_students_and_teachers_get_no_school_figures(app, school, role):
    user = UserFactory(role=role, school=school)
    client = _signed_in_client(app, user)
    assert _api(client, f"/api/v1/stats/schools/{school.code}").status_code == 403
    assert client.get(f"/stats/schools/{school.code}.csv").status_code == 403
    # Refused for the role, before any lookup: a missing school is refused alike.
    assert _api(client, "/api/v1/stats/schools/nosuch").status_code == 403
    assert client.get("/stats/schools/nosuch.csv").status_code == 403


def test_signed_out_is_refused(client, school):
    assert client.get(f"/api/v1/stats/schools/{school.code}").status_code == 401
    assert client.get("/api/v1/stats/district").status_code == 401
    assert client.get("/stats/").status_code == 302
    assert client.get(f"/stats/schools/{school.code}.csv").status_code == 302


def test_student_cannot_open_the_dashboard(app, student):
    assert _signed_in_client(app, student).get("/stats/").status_code == 403


def test_unknown_school_is_404(app, district_admin):
    client = _signed_in_client(app, district_admin)
    assert _api(client, "/api/v1/stats/schools/nope").status_code == 404
    assert client.get("/stats/schools/nope.csv").status_code == 404


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "2026-13-01"}, "不是有效日期"),
    ({"from": "yesterday"}, "不是有效日期"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "不能晚于"),
    ({"from": "2024-01-01", "to": "2025-06-01"}, "最长 366 天"),
    ({"from": "1999-01-01", "to": "1999-01-02"}, "日期必须在"),
])
def test_bad_dates_are_400(app, school, school_admin, params, message):
    client = _signed_in_client(app, school_admin)
    api = _api(client, f"/api/v1/stats/schools/{school.code}", **params)
    assert api.status_code == 400 and message in api.get_json()["error"]["message"]
    page = client.get("/stats/", query_string=params)
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert client.get(f"/stats/schools/{school.code}.csv", query_string=params).status_code == 400


def test_school_dashboard_page(app, activity, school, school_admin):
    client = _signed_in_client(app, school_admin)
    html = client.get("/stats/", query_string=_range()).get_data(as_text=True)
    assert school.name in html
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "勾股定理" in html and "人数不足 5 人" in html and "&lt;5" not in html
    assert "量子纠缠" not in html  # typed by two students only
    assert "爱国主义教育" in html and "八年级" in html
    assert f"/stats/schools/{school.code}.csv" in html
    # no student's name on the page (the random CSRF token may spell "a0" by chance)
    assert "a0" not in re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    assert school_admin.school.code in html


def test_district_dashboard_ranks_least_use_first(app, activity, school, other_school,
                                                  district_admin):
    client = _signed_in_client(app, district_admin)
    html = client.get("/stats/", query_string=_range()).get_data(as_text=True)
    assert "全区使用统计" in html
    table = html[html.index("人均使用最少的学校排在最前"):]
    assert table.index(other_school.name) < table.index(school.name)
    assert "等待最久的学科" in html and "数学" in html


def test_district_admin_opens_any_school(app, activity, other_school, district_admin):
    client = _signed_in_client(app, district_admin)
    response = client.get("/stats/", query_string={"school": other_school.code})
    assert response.status_code == 200 and other_school.name in response.get_data(as_text=True)


def test_teacher_sees_own_response_times(app, activity, teacher):
    client = _signed_in_client(app, teacher)
    html = client.get("/stats/", query_string=_range()).get_data(as_text=True)
    assert "我的答疑统计" in html
    assert "30 分钟" in html and "2010 分钟" in html
    assert "热门搜索" not in html


def test_csv_export(app, activity, school, school_admin):
    client = _signed_in_client(app, school_admin)
    response = client.get(f"/stats/schools/{school.code}.csv", query_string=_range())
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    table = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert table[("概况", "", "活跃学生")] == "6"
    assert table[("概况", "", "浏览次数")] == "13"
    assert table[("概况", "", "观看分钟")] == "12"
    assert table[("答疑", "", "首次回复中位数（分钟）")] == "30"
    assert table[("热门资源", "古诗朗读", "浏览次数")] == "7"
    assert table[("热门搜索", "勾股定理", "次数")] == "7"
    assert not [row for row in rows if "量子纠缠" in row[1]]
    assert table[("按学科", "数学", "浏览次数")] == "6"
    assert table[("每日", today().isoformat(), "活跃学生")] == "6"


def test_csv_neutralises_formulas(app, school, school_admin, runner):
    students = [UserFactory(role="student", school=school) for _ in range(5)]
    for student in students:
        events.record_search("=HYPERLINK(1)", None, 0, school_id=school.id, user=student)
    events.flush()
    runner.invoke(args=["stats", "rollup"])
    client = _signed_in_client(app, school_admin)
    text = client.get(f"/stats/schools/{school.code}.csv").data.decode("utf-8-sig")
    assert "'=hyperlink(1)" in text and "\n=hyperlink" not in text


def test_anonymous_visitor_is_attributed_through_the_school_link(app, school, runner,
                                                                 school_admin):
    resource = ResourceFactory()
    visitors = [app.test_client() for _ in range(5)]
    for visitor in visitors:
        visitor.get(f"/browse?s={school.code}")
        visitor.get(f"/resources/{resource.id}")
        visitor.get(f"/resources/{resource.id}")
    app.test_client().get(f"/resources/{resource.id}?s=unknown-code")
    events.flush()
    runner.invoke(args=["stats", "rollup"])
    day = db.session.scalars(select(SchoolDaily).where(SchoolDaily.school_id == school.id)).one()
    assert (day.views, day.anonymous_views) == (5, 5)
    data = _api(_signed_in_client(app, school_admin), f"/api/v1/stats/schools/{school.code}").get_json()
    # Counted, but not shown: the "<5" rule counts students, and visitors may be anyone (a
    # school admin in five private windows could otherwise unmask one student's views).
    assert data["views"] == "<5"
    assert data["active_students"] == "<5"  # visitors are not enrolled students


def test_district_total_row_hides_columns_with_a_hidden_school(app, activity, school, other_school,
                                                                 district_admin):
    from hplearn.stats import services
    from hplearn.stats.period import parse_period

    with app.test_request_context():
        report = services.district_report(parse_period(_range()))
    total = report["total"]
    by_code = {entry["code"]: entry for entry in report["schools"]}
    # other_school has three students: its figures are hidden, so the district's totals would
    # give them away (total − the shown school): every such column has no total.
    assert by_code[school.code]["enrolled_students"] == 6
    assert by_code[other_school.code]["enrolled_students"] == "<5"
    assert by_code[other_school.code]["views"] == "<5"
    assert total["enrolled_students"] == "<5" and total["views"] == "<5"
    assert total["views_per_student"] == "<5"


def test_district_total_row_sums_when_every_school_is_shown(app, activity, school, district_admin):
    from hplearn.stats import services
    from hplearn.stats.period import parse_period

    with app.test_request_context():
        report = services.district_report(parse_period(_range()))
        entries = [entry for entry in report["schools"] if entry["code"] == school.code]
        total = services._district_total(entries, parse_period(_range()), 60)
    assert total["enrolled_students"] == 6 and total["views"] == entries[0]["views"]
    client = _signed_in_client(app, district_admin)
    html = client.get("/stats/", query_string=_range()).get_data(as_text=True)
    assert "全区合计" in html and "人数不足 5 人" in html


def test_district_csv(app, activity, school, other_school, district_admin, school_admin):
    client = _signed_in_client(app, district_admin)
    response = client.get("/stats/district.csv", query_string=_range())
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff日期范围") and "全区合计" in text
    assert school.name in text and other_school.name in text
    assert client.get("/stats/district.csv?from=2026-99-01").status_code == 400
    admin = _signed_in_client(app, school_admin)
    assert admin.get("/stats/district.csv", query_string=_range()).status_code == 403


# --- the report cache (issue 16) ----------------------------------------------------------------


def _uncached(app, compute, period):
    import json

    app.config["STATS_CACHE_REPORTS"] = False
    try:
        return json.loads(json.dumps(compute(period)))
    finally:
        app.config["STATS_CACHE_REPORTS"] = True


def test_cached_district_reports_equal_uncached(app, activity, district_admin):
    from hplearn.stats import report_cache, services
    from hplearn.stats.period import parse_period

    client = _signed_in_client(app, district_admin)
    first = _api(client, "/api/v1/stats/district", **_range()).get_json()
    again = _api(client, "/api/v1/stats/district", **_range()).get_json()
    with app.test_request_context():
        period = parse_period(_range())
        assert report_cache.catalog_cache().get(report_cache.report_key("district-api", period))
        assert first == again == _uncached(app, services.district_stats, period)
        page = report_cache.district_report(period)
        assert report_cache.district_report(period) == page
        assert page == _uncached(app, services.district_report, period)


def test_cache_follows_a_new_rollup(app, activity, school, district_admin, runner):
    client = _signed_in_client(app, district_admin)
    before = _api(client, "/api/v1/stats/district", **_range()).get_json()
    ours = _signed_in_client(app, activity["ours"][0])
    assert ours.get(f"/resources/{ResourceFactory(title='新资源').id}").status_code == 200
    events.flush()
    # The view is written but not rolled up: the figures stay those of the last rollup.
    assert _api(client, "/api/v1/stats/district", **_range()).get_json() == before
    assert runner.invoke(args=["stats", "rollup"]).exit_code == 0
    after = _api(client, "/api/v1/stats/district", **_range()).get_json()
    assert after["schools"][0]["views"] == before["schools"][0]["views"] + 1


def test_cache_follows_enrolment(app, activity, school, district_admin):
    client = _signed_in_client(app, district_admin)
    before = _api(client, "/api/v1/stats/district", **_range()).get_json()
    UserFactory(username="late", role="student", school=school, grade=7)
    after = _api(client, "/api/v1/stats/district", **_range()).get_json()
    assert after["schools"][0]["enrolled_students"] == before["schools"][0]["enrolled_students"] + 1


def test_rollup_warms_the_common_ranges_and_refusals_stand(app, activity, other_school,
                                                           school_admin, district_admin, runner):
    from hplearn.stats import report_cache

    result = runner.invoke(args=["stats", "rollup"])
    assert result.exit_code == 0 and "cached 10 district reports" in result.output
    with app.test_request_context():
        period = report_cache.common_periods(today())[0]  # the dashboards' default range
        assert report_cache.catalog_cache().get(report_cache.report_key("district-page", period))
    admin = _signed_in_client(app, school_admin)
    assert _api(admin, "/api/v1/stats/district").status_code == 403
    assert admin.get("/stats/district.csv").status_code == 403
    assert _api(admin, f"/api/v1/stats/schools/{other_school.code}").status_code == 404
    html = _signed_in_client(app, district_admin).get("/stats/").get_data(as_text=True)
    assert "全区合计" in html and "Cell(" not in html


def test_cache_can_be_switched_off(app, activity, district_admin):
    from hplearn.stats import report_cache
    from hplearn.stats.period import parse_period

    app.config["STATS_CACHE_REPORTS"] = False
    try:
        assert report_cache.warm() == 0
        client = _signed_in_client(app, district_admin)
        assert _api(client, "/api/v1/stats/district", **_range()).status_code == 200
        with app.test_request_context():
            key = report_cache.report_key("district-api", parse_period(_range()))
            assert report_cache.catalog_cache().get(key) is None
    finally:
        app.config["STATS_CACHE_REPORTS"] = True


def test_district_median_follows_the_five_student_rule(app, school, district_admin, teacher, runner):
    """Four askers' answers: the district's median would be one of four students' waits."""
    students = [UserFactory(username=f"m{n}", role="student", school=school, grade=7)
                for n in range(4)]
    for number, student in enumerate(students, start=1):
        events.record_question_event("asked", number, "数学", 7, school.id, user=student)
        events.record_question_event("answered", number, "数学", 7, school.id, user=teacher,
                                     first_response_minutes=10 * number)
    events.flush()
    assert runner.invoke(args=["stats", "rollup"]).exit_code == 0
    client = _signed_in_client(app, district_admin)
    html = client.get("/stats/", query_string=_range()).get_data(as_text=True)
    assert "Cell(" not in html
    text = client.get("/stats/district.csv", query_string=_range()).get_data(as_text=True)
    assert "Cell(" not in text
    from hplearn.stats import services
    from hplearn.stats.period import parse_period

    with app.test_request_context():
        total = services.district_report(parse_period(_range()))["total"]
    assert total["questions"]["median_first_response_minutes"] == "<5"
