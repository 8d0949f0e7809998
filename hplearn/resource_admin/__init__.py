"""Content administration: /admin/resources (admins write, attach files to, publish and retire
resources; apart from the catalog because it joins the catalog with uploaded media) and
/admin/platforms (district admins edit the platform directory)."""

AUDIT_ACTIONS = {"resource.create": "新建资源", "resource.update": "修改资源",
                 "resource.publish": "发布资源", "resource.retire": "下架资源",
                 "platform.create": "添加学习平台", "platform.update": "修改学习平台",
                 "platform.hide": "隐藏学习平台", "platform.show": "重新显示学习平台"}
AUDIT_OBJECTS = {"resource": "资源", "platform": "学习平台"}
AUDIT_FIELDS = {"summary": "简介", "body": "正文", "stage": "学段", "subject": "学科",
                "edition": "版本", "volume": "册次", "topic_id": "专题", "tags": "标签", "url": "链接",
                "media_id": "媒体文件", "caption_ids": "字幕", "slug": "标识", "level": "级别",
                "needs_login": "需要登录", "sort_order": "顺序"}


def init_app(app) -> None:
    """The /admin/resources and /admin/platforms pages."""
    from hplearn.audit import labels
    from hplearn.resource_admin import platform_views, views

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    app.register_blueprint(views.bp, url_prefix="/admin/resources")
    app.register_blueprint(platform_views.bp, url_prefix="/admin/platforms")
