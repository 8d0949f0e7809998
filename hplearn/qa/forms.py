"""Q&A forms. They carry fields and the CSRF token; the rules live in services."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from hplearn.formbase import HplearnForm
from hplearn.media.photos import ACCEPT_ATTRIBUTE, ACCEPTED_NAMES
from hplearn.vocab import GRADE_NAMES, SUBJECTS_IN_ORDER


def photos_field() -> MultipleFileField:
    """Up to three photos of the problem (the services check count, type and size)."""
    return MultipleFileField(f"附图片（可选，最多 3 张，{ACCEPTED_NAMES}）",
                             render_kw={"accept": ACCEPT_ATTRIBUTE})


class AskForm(HplearnForm):
    """A student's question."""

    title = StringField("标题（一句话说清问题）", render_kw={"maxlength": 200, "autocomplete": "off"})
    body = TextAreaField("详细描述（可选，支持 Markdown）", render_kw={"rows": 8, "maxlength": 5000})
    # The services check subject and grade (with Chinese messages), so the form does not.
    subject = SelectField(
        "学科", validate_choice=False,
        choices=[SelectChoice("", "请选择学科")] + [SelectChoice(s, s) for s in SUBJECTS_IN_ORDER],
    )
    grade = SelectField(
        "年级", validate_choice=False,
        choices=[SelectChoice("", "我的年级")]
        + [SelectChoice(str(n), name) for n, name in GRADE_NAMES.items()],
    )
    anonymous = BooleanField("对同学匿名（老师和管理员仍能看到是谁）")
    private = BooleanField("仅老师可见（不公开给其他同学）")
    photos = photos_field()
    resource_id = HiddenField()


class TextForm(HplearnForm):
    """One Markdown text: an answer or a follow-up."""

    body = TextAreaField("内容（支持 Markdown，图片请用链接 ![说明](https://…)）",
                         render_kw={"rows": 8, "maxlength": 10000})


class FollowupForm(TextForm):
    """The asker's follow-up: Markdown and up to three photos."""

    photos = photos_field()


class AnswerForm(TextForm):
    """A teacher's answer: Markdown and, optionally, an image to add to it."""

    body = TextAreaField("内容（支持 Markdown；可以在下面上传图片，也可以用链接 ![说明](https://…)）",
                         render_kw={"rows": 8, "maxlength": 10000})
    image = FileField("插入图片（可选，JPEG、PNG、GIF 或 WebP）",
                      render_kw={"accept": "image/jpeg,image/png,image/gif,image/webp"})


class ReasonForm(HplearnForm):
    """A report, or a moderator's reason for hiding, restoring or approving."""

    reason = StringField("原因", render_kw={"maxlength": 300})
    answer_id = HiddenField()


class NoteForm(HplearnForm):
    """Acknowledging an alert, with an optional note."""

    note = StringField("备注（可选，例如已电话联系家长）", render_kw={"maxlength": 500})


class ActionForm(HplearnForm):
    """A button that changes something (claim, release, accept): only the CSRF token."""


class WordForm(HplearnForm):
    """A word to add to one of the moderation lists."""

    list_name = HiddenField()
    word = StringField("新词语", render_kw={"maxlength": 40})


class ClosedDateForm(HplearnForm):
    """Days without Q&A service: a first day, an optional last day and a reason."""

    first_day = StringField("开始日期", render_kw={"type": "date", "required": True})
    last_day = StringField("结束日期（只停一天可不填）", render_kw={"type": "date"})
    reason = StringField("原因（例如 校运动会、期末考试）", render_kw={"maxlength": 100})


class AssignForm(HplearnForm):
    """An admin names the teacher who answers a question (the services check the choice)."""

    teacher_id = SelectField("指派给", validate_choice=False, choices=[])
