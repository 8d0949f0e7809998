"""Contributions (征集): teachers submit resources and lesson packages (五件套) with the national
vocabulary; school admins review them (queue, comments, every revision diffable) and publish
them as ordinary catalog resources; the district features the best; the teachers' record per
term (优秀教师, 职称/绩效)."""

AUDIT_ACTIONS = {"contribution.create": "新建投稿", "contribution.submit": "提交审核",
               "contribution.return": "退回修改", "contribution.approve": "审核通过",
               "contribution.feature": "推荐为区级精品", "contribution.withdraw": "撤回投稿",
               "contribution.update": "修改投稿", "contribution.part": "修改投稿内容"}
AUDIT_OBJECTS = {"contribution": "投稿"}
AUDIT_FIELDS = {"revision": "版本号", "package": "课程包", "removed": "删除"}


def init_app(app) -> None:
    """The contribution pages and API, the review badge, the demo lesson package."""
    from hplearn.audit import labels
    from hplearn.bodylimits import allow_bodies
    from hplearn.contributions.models import PART_ROLES

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS,
                    values={"role": PART_ROLES})
    from hplearn.cli.setup import register_demo
    from hplearn.contributions import api, demo, review, views  # noqa: F401  (api: routes)

    allow_bodies(app, {"contributions.save_part": _part_upload(), "api.upload_part": _part_upload()})
    app.register_blueprint(views.bp, url_prefix="/contributions")
    app.add_template_global(review.pending_count, "pending_review_count")
    register_demo(app, "contributions", demo.load_demo)


def _part_upload():
    """A part's file: a video for the 微课 part, a PDF for the others."""
    from flask import request

    from hplearn.bodylimits import BodyLimit
    from hplearn.contributions.services import UPLOAD_KINDS
    from hplearn.media.uploads import too_large, upload_body_limit

    def kind():
        return UPLOAD_KINDS.get((request.view_args or {}).get("role"), "document")

    return BodyLimit(lambda: upload_body_limit(kind()), lambda: too_large(kind()))
