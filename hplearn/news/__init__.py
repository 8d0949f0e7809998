"""宣传 and 典型案例 (issue 14, art. 16 of the plan): schools publish announcements and policy
explanations to families and good-practice stories of their teachers and volunteers; the district
publishes its own and features the best on the home page."""

CACHED_TABLES = ("news_posts",)

AUDIT_ACTIONS = {"news.create": "新建文章", "news.update": "修改文章", "news.publish": "发布文章",
                 "news.unpublish": "撤下文章", "news.feature": "推荐到首页",
                 "news.unfeature": "取消首页推荐"}
AUDIT_OBJECTS = {"post": "文章"}
AUDIT_FIELDS = {"kind": "类别", "body": "正文"}


def init_app(app) -> None:
    """The public news pages, the schools' and district's desk, the API, the home-page helper."""
    from hplearn import cache
    from hplearn.audit import labels
    from hplearn.cli.setup import register_demo
    from hplearn.news import api, demo, views  # noqa: F401  (api adds its routes to the API)
    from hplearn.news.models import KINDS

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS,
                    values={"kind": KINDS})
    app.register_blueprint(views.bp, url_prefix="/news")
    app.add_template_global(views.featured_posts, "featured_posts")
    app.add_template_global(views.school_posts, "school_posts")
    cache.watch_tables(app, CACHED_TABLES)
    register_demo(app, "news", demo.load_demo)
