"""The Q&A board: students ask, routed teachers claim and answer, minors stay safe."""

from datetime import timedelta

from hplearn.settings import ConfigError, Setting

SETTINGS = (
    Setting("QA_CLAIM_MINUTES", "float", 30, "minutes a claim holds before the question returns to "
            "the queue", positive=True),
    Setting("QA_CLAIM_WARN_MINUTES", "float", 5, "the claimer is reminded this many minutes before the "
            "claim runs out", minimum=0),
    Setting("QA_EVENING_CUTOFF", "str", "19:30", "questions asked before this time on a service day "
            "are promised an answer that evening, later ones the next service evening; unclaimed "
            "questions past the promise are escalated to the district's teachers of the subject "
            "(Asia/Shanghai)"),
    Setting("QA_URGENT_TARGET_MINUTES", "float", 30, "mental-health questions are escalated to the "
            "district's counsellors after this many minutes", positive=True),
    Setting("QA_SERVICE_DAYS", "str", "1-5", "service days as ISO weekdays (`1-5`, `1,3,6-7`)"),
    Setting("QA_SERVICE_START", "str", "16:00", "the daily service window's start (Asia/Shanghai)"),
    Setting("QA_SERVICE_END", "str", "20:30", "the daily service window's end (Asia/Shanghai)"),
    Setting("QA_CLOSED_DATES", "list", [], "district-wide days without service besides the public "
            "holidays, a JSON list of `YYYY-MM-DD` (admins set closed dates at `/qa/closed-dates`)"),
    Setting("QA_QUEUE_LIMIT", "int", 50, "questions shown in a teacher's queue", positive=True),
)

AUDIT_ACTIONS = {"question.claim_private": "认领私密问题", "question.view_private": "查看私密问题",
               "question.escalate": "升级到全区", "question.assign": "指派问题给老师",
               "question.reveal_identity": "查看学生身份", "question.hide": "隐藏问题",
               "question.restore": "恢复问题", "question.approve": "审核通过问题",
               "question.report": "举报问题", "question.report_dismiss": "驳回举报",
               "question.alert_acknowledge": "确认求助提醒", "wordlist.add": "加入审核词",
               "wordlist.remove": "删除审核词", "answer.hide": "隐藏回答",
               "answer.restore": "恢复回答", "qa.closed_dates.add": "设置停答日期",
               "qa.closed_dates.remove": "删除停答日期"}
AUDIT_OBJECTS = {"question": "问题", "answer": "回答", "report": "举报", "moderationword": "审核词",
                 "closeddate": "停答日期"}
AUDIT_FIELDS = {"asker": "提问人", "teachers": "可认领教师数", "first_response_minutes": "首次回复（分钟）",
              "when": "时间", "due_at": "回复期限",
              "escalated": "已升级", "report_id": "举报编号", "alert_id": "提醒编号", "note": "备注",
              "list_name": "词表", "word": "词语", "first_day": "开始日期", "last_day": "结束日期",
              "reason": "原因", "teacher": "指派给（用户编号）",
              "previous_teacher": "原先指派给（用户编号）"}


def init_app(app) -> None:
    """The board's pages and API, the "question" search type, the CLI and its job."""
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    from hplearn import jobs, settings
    from hplearn.bodylimits import BodyLimit, allow_bodies
    from hplearn.media.uploads import FORM_MARGIN, size_limit, too_large, upload_route
    from hplearn.qa import (  # noqa: F401
        api,
        cli,
        closed_dates_api,
        closed_dates_views,
        routing_views,
        search_documents,
        services,
        views,
        wordlist_views,
    )

    settings.declare(app, SETTINGS, owner="qa")
    photos = BodyLimit(lambda: services.PHOTOS_MAX * size_limit("image") + FORM_MARGIN,
                       lambda: too_large("image"))
    allow_bodies(app, {"qa.answer": upload_route("image"), "qa.ask": photos, "qa.followup": photos,
                       "api.add_question_image": upload_route("image")})
    check_service_hours(app.config)
    app.register_blueprint(views.bp, url_prefix="/qa")
    views.keep_forms()
    app.add_template_global(views.resource_questions, "qa_resource_questions")
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    jobs.register(app, "qa.maintenance", services.run_maintenance, every=timedelta(minutes=5))
    jobs.register(app, "qa.digest", services.send_digests, every=timedelta(minutes=5))
    app.add_template_global(_queue_badge, "qa_queue_count")
    app.add_template_global(_alert_badge, "qa_alert_count")


BADGE_MAX = 99


def _queue_badge() -> int | str:
    """The 待答 badge: questions the signed-in teacher may claim (one COUNT a request, which
    stops past 99: the badge says "99+")."""
    from flask import g
    from flask_login import current_user

    from hplearn.qa import services

    if "qa_queue_count" not in g:
        count = (services.queue_count(current_user._get_current_object(), cap=BADGE_MAX + 1)
                 if current_user.is_authenticated else 0)
        g.qa_queue_count = f"{BADGE_MAX}+" if count > BADGE_MAX else count
    return g.qa_queue_count


def _alert_badge() -> int:
    """The 求助提醒 badge: the crisis alerts the signed-in user handles that nobody confirmed."""
    from flask import g
    from flask_login import current_user

    from hplearn.qa import moderation

    if "qa_alert_count" not in g:
        g.qa_alert_count = (moderation.open_alert_count(current_user)
                            if current_user.is_authenticated else 0)
    return g.qa_alert_count


def check_service_hours(config) -> None:
    """Refuse service hours hplearn cannot work with (ConfigError naming them)."""
    from hplearn.qa.service_hours import parse_schedule

    try:
        parse_schedule(str(config["QA_SERVICE_DAYS"]), str(config["QA_SERVICE_START"]),
                       str(config["QA_SERVICE_END"]), [str(day) for day in config["QA_CLOSED_DATES"]],
                       str(config["QA_EVENING_CUTOFF"]))
    except ValueError as error:
        raise ConfigError(f"QA service hours: {error}") from None
