"""Collection forms: the details form and the add-a-resource form."""

from __future__ import annotations

import re

from wtforms import (
    DateField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from hplearn.collections.validation import MAX_DESCRIPTION, MAX_TITLE
from hplearn.formbase import ChineseForm, MultiCheckboxField
from hplearn.vocab import GRADE_NAMES, STAGES

_RESOURCE_REFERENCE = re.compile(r"^(?:.*/resources/)?(\d{1,9})/?$")


class CollectionForm(ChineseForm):
    """Title, description, visibility, audience and featured window."""

    title = StringField("标题", validators=[DataRequired("请填写标题。"), Length(max=MAX_TITLE)])
    description = TextAreaField("介绍（支持 Markdown）", validators=[Length(max=MAX_DESCRIPTION)])
    visibility = SelectField(
        "谁能看到", choices={"school": "本校师生", "public": "所有人（公开）"}
    )
    stages = MultiCheckboxField("面向学段（不选为全部）", choices={s: s for s in STAGES})
    grades = MultiCheckboxField(
        "面向年级（不选为全部）", choices={str(g): n for g, n in GRADE_NAMES.items()}
    )
    featured_from = DateField(
        "首页推荐开始日期", validators=[Optional()], format="%Y-%m-%d",
    )
    featured_to = DateField("首页推荐结束日期", validators=[Optional()], format="%Y-%m-%d")

    def values(self) -> dict:
        """The form's data as collection fields (checked again by the service)."""
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "public": self.visibility.data == "public",
            "stages": list(self.stages.data or []),
            "grades": [int(g) for g in self.grades.data or []],
            "featured_from": self.featured_from.data,
            "featured_to": self.featured_to.data,
        }

    def fill_from(self, collection) -> None:
        """Show a collection's current values."""
        self.title.data = collection.title
        self.description.data = collection.description
        self.visibility.data = "public" if collection.public else "school"
        self.stages.data = list(collection.stages or [])
        self.grades.data = [str(g) for g in collection.grades or []]
        self.featured_from.data = collection.featured_from
        self.featured_to.data = collection.featured_to


class AddResourceForm(ChineseForm):
    """A resource number or its page address."""

    resource = StringField("资源编号或资源页面地址", validators=[DataRequired("请填写资源编号。")])

    def validate_resource(self, field):
        """Accept 12 or https://…/resources/12."""
        if not _RESOURCE_REFERENCE.match((field.data or "").strip()):
            raise ValidationError("请填写资源编号（如 12）或资源页面地址。")

    def resource_id(self) -> int:
        """The resource number given."""
        return int(_RESOURCE_REFERENCE.match(self.resource.data.strip()).group(1))
