"""家长: parents bound to their children, what they see of them, their voice to the school
(issue 14; the contract is the "Parents" part of shared/INTERFACES.md)."""

from hplearn.settings import Setting

SETTINGS = (
    Setting("PARENTS_BINDING_CODE_DAYS", "int", 14, "days a printed binding code stays valid",
            positive=True),
    Setting("PARENTS_FEEDBACK_TARGET_DAYS", "int", 5, "service days a school has to answer a "
            "parent's 意见建议 before it goes to the district", positive=True),
)

AUDIT_ACTIONS = {"parents.feedback.reply": "答复家长意见建议",
                 "parents.committee.join": "设为家委会成员", "parents.committee.leave": "移出家委会",
                 "parents.binding_codes": "打印家长绑定码"}
AUDIT_OBJECTS = {"feedback": "家长意见建议", "user": "用户"}
AUDIT_FIELDS = {"parent_id": "家长", "category": "类别"}


def init_app(app) -> None:
    """Binding codes and links, the parents' pages and API, 意见建议 and its escalation job,
    `hplearn parents …`, the demo families, the Q&A wall."""
    from datetime import timedelta

    from hplearn import jobs, settings
    from hplearn.audit import labels
    from hplearn.cli.setup import register_demo
    from hplearn.parents import api, cli, demo, feedback, services, views  # noqa: F401  (api)

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    settings.declare(app, SETTINGS, owner="parents")
    app.register_blueprint(views.bp, url_prefix="/parents")
    app.before_request(views.refuse_questions_to_parents)
    app.cli.add_command(cli.parents_group)
    app.extensions["hplearn.bind_children"] = services.bind_children_by_username
    jobs.register(app, "parents.feedback_escalation", feedback.escalate_overdue,
                  every=timedelta(minutes=15))
    register_demo(app, "parents", demo.load)
