"""课后服务: every school's after-school service, public to families, with fair sign-up and
records (issue 13; the contract is the "After-school service" part of shared/INTERFACES.md)."""

# Public guide pages are cached for anonymous visitors; these tables change what they show.
CACHED_TABLES = ("afterschool_guides", "afterschool_programmes", "afterschool_programme_staff",
                 "afterschool_enrolments")


def init_app(app) -> None:
    """The public guides, families' and teachers' pages, the school's desk, the district's 督导
    page, the JSON API, `hplearn afterschool …` and the demo guides of two schools."""
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
