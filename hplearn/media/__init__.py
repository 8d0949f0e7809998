"""Media: uploaded videos, PDFs, images and captions, streamed with HTTP Range."""

from hplearn.settings import Setting

MB = 1024 * 1024


def _size_limits(limits: dict) -> None:
    for kind in ("video", "document", "image", "captions"):
        value = limits.get(kind)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"the limit for {kind} must be a positive number of bytes, not {value!r}")


SETTINGS = (
    Setting("MEDIA_DIR", "str", None, "where uploads are stored (shared storage when several app "
            "servers run)", optional=True, default_text="`<instance>/media`"),
    Setting("MEDIA_MAX_BYTES", "dict", {"video": 500 * MB, "document": 50 * MB, "image": 10 * MB,
                                        "captions": 2 * MB},
            "upload size limits in bytes per kind; one at a time as "
            "`HPLEARN_MEDIA_MAX_BYTES__video=209715200`", check=_size_limits),
    Setting("MEDIA_ACCEL_REDIRECT", "str", None, "e.g. `/protected-media/`: nginx sends the bytes "
            "(X-Accel-Redirect, docs/deploy.md)", optional=True),
)

AUDIT_ACTIONS = {"media.upload": "上传文件"}
AUDIT_OBJECTS = {"media": "媒体文件"}
AUDIT_FIELDS = {"size": "大小（字节）", "mimetype": "文件类型", "filename": "文件名"}


def init_app(app) -> None:
    """Media serving and upload pages, the upload API, the player helper, the backup command."""
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    from hplearn import settings
    from hplearn.media import api, cli, views  # noqa: F401  (api adds its routes)

    settings.declare(app, SETTINGS, owner="media")
    from hplearn.bodylimits import allow_bodies
    from hplearn.media.uploads import upload_route

    allow_bodies(app, {"media.upload": upload_route(), "api.upload_media": upload_route()})
    app.register_blueprint(views.bp)
    app.add_template_global(views.media_player, "media_player")
    app.cli.add_command(cli.backup_paths_command)
