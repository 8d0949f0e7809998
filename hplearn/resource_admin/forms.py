"""The resource editing form of the admin area."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField, URLField, ValidationError
from wtforms.validators import URL, DataRequired, Length, Optional

from hplearn.formbase import ChineseForm, MultiCheckboxField
from hplearn.vocab import GRADE_NAMES, RESOURCE_KINDS, STAGES, canonical_subject

MAX_TAGS = 20


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class ResourceForm(ChineseForm):
    """Everything an admin edits on a resource; media choices are filled by the view."""

    title = StringField("标题", validators=[DataRequired("请填写标题。"), Length(max=300)])
    summary = TextAreaField("简介", validators=[Length(max=2000)])
    body = TextAreaField("正文（支持 Markdown）", validators=[Length(max=100_000)])
    kind = SelectField("类型", choices=dict(RESOURCE_KINDS))
    stage = SelectField("学段", choices={"": "不限", **{s: s for s in STAGES}})
    grade = SelectField(
        "年级", choices={"": "不限", **{str(g): n for g, n in GRADE_NAMES.items()}}
    )
    subject = StringField("学科", validators=[Length(max=32)])
    edition = StringField("版本", validators=[Length(max=64)])
    volume = StringField("册次", validators=[Length(max=64)])
    topic_id = SelectField("专题", coerce=_optional_int, validate_choice=True)
    tags = StringField("标签（用逗号分隔）", validators=[Length(max=400)])
    url = URLField(
        "外部链接", validators=[Optional(), Length(max=1000), URL(message="请填写 http(s) 开头的网址。")]
    )
    media_id = SelectField("视频或 PDF 文件", coerce=_optional_int)
    caption_ids = MultiCheckboxField("字幕", coerce=int)

    def validate_subject(self, field):
        """Store the curriculum name of a known subject; keep others as typed."""
        field.data = canonical_subject(field.data) or (field.data or "").strip()

    def validate_url(self, field):
        """Only http(s) links reach students."""
        if field.data and not field.data.startswith(("http://", "https://")):
            raise ValidationError("请填写 http(s) 开头的网址。")

    def set_choices(self, topics, media, captions) -> None:
        """Fill the topic and file choices from the database."""
        self.topic_id.choices = {"": "无", **{str(t.id): t.name for t in topics}}
        self.media_id.choices = {
            "": "无", **{str(m.id): f"{m.id} · {m.kind_label} · {m.original_name}" for m in media}
        }
        self.caption_ids.choices = {str(c.id): f"{c.id} · {c.original_name}" for c in captions}

    def tag_list(self) -> list[str]:
        """Tags from the comma-separated field (Chinese or ASCII commas)."""
        raw = (self.tags.data or "").replace("，", ",").replace("、", ",")
        tags = [tag.strip()[:32] for tag in raw.split(",") if tag.strip()]
        return list(dict.fromkeys(tags))[:MAX_TAGS]

    def values(self) -> dict:
        """The form as resource fields."""
        return {
            "title": self.title.data.strip(),
            "summary": (self.summary.data or "").strip(),
            "body": self.body.data or "",
            "kind": self.kind.data,
            "stage": self.stage.data or None,
            "grade": int(self.grade.data) if self.grade.data else None,
            "subject": self.subject.data or None,
            "edition": (self.edition.data or "").strip() or None,
            "volume": (self.volume.data or "").strip() or None,
            "topic_id": self.topic_id.data,
            "tags": self.tag_list(),
            "url": self.url.data or None,
            "media_id": self.media_id.data,
            "caption_ids": list(self.caption_ids.data or []),
        }

    def fill_from(self, resource) -> None:
        """Show a resource's current values."""
        for name in ("title", "summary", "body", "kind", "subject", "edition", "volume", "url"):
            getattr(self, name).data = getattr(resource, name)
        self.stage.data = resource.stage or ""
        self.grade.data = str(resource.grade) if resource.grade else ""
        self.topic_id.data = resource.topic_id
        self.tags.data = "，".join(resource.tags or [])
        self.media_id.data = resource.media_id
        self.caption_ids.data = list(resource.caption_ids or [])
