"""课后服务: every school's after-school service, public to families, with fair sign-up and
records (issue 13; the contract is the "After-school service" part of shared/INTERFACES.md)."""

# Public guide pages are cached for anonymous visitors; these tables change what they show.
CACHED_TABLES = ("afterschool_guides", "afterschool_programmes", "afterschool_programme_staff",
                 "afterschool_enrolments")

AUDIT_ACTIONS = {"afterschool.allocate": "分配课后服务名额", "afterschool.attendance": "登记考勤",
               "afterschool.place": "手动安排名额", "afterschool.plan.update": "修改一校一案",
               "afterschool.priority": "设置优先", "afterschool.programme.create": "新建服务项目",
               "afterschool.programme.update": "修改服务项目", "afterschool.publish": "发布服务指南",
               "afterschool.signup": "报名", "afterschool.signup.close": "截止报名",
               "afterschool.signup.confirm": "家长确认报名",
               "afterschool.withdraw": "退出项目"}
AUDIT_OBJECTS = {"programme": "服务项目", "guide": "服务指南", "enrolment": "录取", "signup": "报名"}
AUDIT_FIELDS = {"student_id": "学生", "programme_id": "服务项目", "choices": "志愿", "enrolled": "录取",
              "waitlisted": "候补", "unplaced": "未安排", "seed": "随机种子",
              "first_choice_share": "第一志愿比例", "term_label": "学期", "priority": "优先",
              "granted": "给予", "moved": "递补", "day": "日期", "exceptions": "例外说明",
              "needed": "需要", "busy": "时间冲突", "can_keep": "可保留", "schools": "学校数",
              "awaiting_parent": "等待家长确认"}


def init_app(app) -> None:
    """The public guides, families' and teachers' pages, the school's desk, the district's 督导
    page, the JSON API, `hplearn afterschool …` and the demo guides of two schools."""
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    from hplearn import cache
    from hplearn.afterschool import api, cli, rules, validation, views  # noqa: F401  (api: routes)
    from hplearn.cli.setup import register_demo

    app.register_blueprint(views.public)
    app.register_blueprint(views.bp, url_prefix="/afterschool")
    cache.watch_tables(app, CACHED_TABLES)
    cache.cache_anonymous_pages(app, ("afterschool_public.school_guide", "afterschool.index"),
                                query_args=("term",))
    app.add_template_global(rules, "rules")
    app.add_template_global(validation.STAFF_KINDS, "staff_kinds")
    app.cli.add_command(cli.afterschool_group)
    register_demo(app, "afterschool", cli.load_demo)
