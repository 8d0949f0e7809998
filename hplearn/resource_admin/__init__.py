"""Resource administration at /admin/resources: admins write, attach files to, publish and retire
resources. Apart from the catalog because it joins the catalog with uploaded media."""

AUDIT_ACTIONS = {"resource.create": "新建资源", "resource.update": "修改资源",
               "resource.publish": "发布资源", "resource.retire": "下架资源"}
AUDIT_OBJECTS = {"resource": "资源"}
AUDIT_FIELDS = {"summary": "简介", "body": "正文", "stage": "学段", "subject": "学科",
              "edition": "版本", "volume": "册次", "topic_id": "专题", "tags": "标签", "url": "链接",
              "media_id": "媒体文件", "caption_ids": "字幕"}


def init_app(app) -> None:
    """The /admin/resources pages."""
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    from hplearn.resource_admin import views

    app.register_blueprint(views.bp, url_prefix="/admin/resources")
