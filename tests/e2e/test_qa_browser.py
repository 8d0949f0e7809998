"""The Q&A board in a phone-sized browser with CSRF on: ask, claim, answer, accept; no XSS."""

import pytest

from hplearn.qa import services
from tests.conftest import DEFAULT_PASSWORD, make_test_config
from tests.qa_fixtures import answered_question, ask, counsellor  # noqa: F401  (fixtures)

PAYLOADS = (
    "<script>document.title='pwned';alert('script')</script>",
    "<img src=x onerror=\"document.title='pwned';alert('img')\">",
    "[点我](javascript:alert('link'))",
    "<a href=\"javascript:alert('a')\">点我</a>",
    "<svg onload=\"alert('svg')\"></svg>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
)


@pytest.fixture
def app_config(tmp_path):
    return make_test_config(tmp_path, WTF_CSRF_ENABLED=True)


def _sign_in(page, base, username):
    page.goto(base + "/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def _fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_student_asks_teacher_answers_student_accepts(live_server, page, browser, student,
                                                      teacher, answered_question):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    _sign_in(page, base, student.username)
    page.goto(base + "/qa/ask")
    assert _fits_phone(page)
    page.get_by_label("标题（一句话说清问题）").type("分数除法怎么算", delay=20)
    similar = page.locator("#similar-live")
    similar.get_by_role("link", name="分数除法为什么要颠倒相乘？").wait_for()
    page.get_by_label("详细描述（可选，支持 Markdown）").fill("比如 **3/4 ÷ 2**")
    page.get_by_label("学科").select_option("数学")
    page.get_by_role("button", name="提交问题").click()
    page.wait_for_url("**/qa/*")
    assert "提问成功" in page.content() and "前回复" in page.content()
    question_url = page.url

    teacher_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    teacher_page = teacher_context.new_page()
    _sign_in(teacher_page, base, teacher.username)
    teacher_page.goto(base + "/qa/queue")
    assert "分数除法怎么算" in teacher_page.content() and _fits_phone(teacher_page)
    teacher_page.get_by_role("link", name="分数除法怎么算").click()
    teacher_page.get_by_role("button", name="认领这个问题").click()
    expect(teacher_page.locator("body")).to_contain_text("认领成功")  # (waits for the next page)
    teacher_page.get_by_label("内容（支持 Markdown").fill("除以 2 等于乘 **1/2**，结果是 3/8。")
    teacher_page.get_by_role("button", name="预览").click()
    assert teacher_page.locator(".preview strong").inner_text() == "1/2"
    teacher_page.get_by_role("button", name="发布回答").click()
    expect(teacher_page.locator("body")).to_contain_text("回答已发布")  # (waits for the next page)
    teacher_context.close()

    page.goto(base + "/")
    assert page.locator(".count-badge").inner_text() == "2"  # this answer and the fixture's
    page.goto(question_url)
    assert page.locator(".answer .prose strong").inner_text() == "1/2"
    page.get_by_role("button", name="采纳这个回答").click()
    expect(page.locator("body")).to_contain_text("已采纳回答")  # (waits for the next page)
    assert page.locator(".answer .badge").inner_text() == "已采纳"
    assert _fits_phone(page)


def test_script_payloads_in_questions_and_answers_never_run(live_server, page, student, teacher):
    question = ask(student, title="脚本 <script>alert('title')</script>", body="\n\n".join(PAYLOADS))
    services.claim_question(question.id, teacher)
    services.answer_question(question.id, teacher, "\n\n".join(PAYLOADS))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in(page, live_server.url, teacher.username)
    page.goto(f"{live_server.url}/qa/{question.id}")
    for link in page.locator(".prose a").all():
        link.click(modifiers=["Alt"], no_wait_after=True)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.title() != "pwned"
    assert page.locator(".prose script, .prose iframe, .prose svg").count() == 0
    assert page.evaluate(
        "[...document.querySelectorAll('.prose *')].some("
        "el => [...el.attributes].some(a => a.name.startsWith('on')))"
    ) is False
    # The payload's <img src=x> is a broken image on purpose; its 404 is not a script error.
    page.console_errors[:] = [e for e in page.console_errors if "404 (NOT FOUND)" not in e]


def test_distress_question_is_private_urgent_and_shows_the_hotline(live_server, page, student,
                                                                   counsellor):  # noqa: F811
    _sign_in(page, live_server.url, student.username)
    page.goto(live_server.url + "/qa/ask")
    page.get_by_label("标题（一句话说清问题）").fill("我真的不想活了")
    page.get_by_label("学科").select_option("语文")
    page.get_by_role("button", name="提交问题").click()
    page.wait_for_url("**/qa/*")
    help_box = page.locator(".help-now")
    assert "12355" in help_box.inner_text() and "林老师" in help_box.inner_text()
    meta = page.locator(".question .meta").inner_text()
    assert "紧急" in meta and "仅老师可见" in meta
    assert _fits_phone(page)


def test_teacher_sees_the_badges_and_switches_mail_on_at_360px(live_server, page, browser, student,
                                                               teacher, counsellor):  # noqa: F811
    from playwright.sync_api import expect

    from hplearn.notifications import services as notifications

    ask(student)
    ask(student, title="二元一次方程组怎么消元？")
    ask(student, title="我不想活了，没人理我")
    base = live_server.url
    _sign_in(page, base, teacher.username)
    page.goto(base + "/qa/queue")
    expect(page.get_by_role("link", name="待答，2 个问题")).to_be_visible()
    assert _fits_phone(page)
    page.goto(base + "/notifications/")
    page.get_by_role("link", name="邮件通知设置").click()
    page.get_by_label("通知邮箱").fill("tea1@example.org")
    page.get_by_label("接收邮件通知", exact=False).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("邮件通知设置已保存。")).to_be_visible()
    assert _fits_phone(page) and notifications.mail_enabled(teacher)

    counsellor_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    counsellor_page = counsellor_context.new_page()
    _sign_in(counsellor_page, base, counsellor.username)
    counsellor_page.goto(base + "/qa/alerts")
    expect(counsellor_page.get_by_role("link", name="求助提醒，1 条未确认")).to_be_visible()
    assert _fits_phone(counsellor_page)
    counsellor_context.close()
