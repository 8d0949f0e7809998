"""The upload form."""

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from hplearn.formbase import ChineseForm
from hplearn.media.models import MEDIA_KINDS


class UploadForm(ChineseForm):
    """One file and what kind of file it is meant to be."""

    kind = SelectField("类别", choices=dict(MEDIA_KINDS))
    file = FileField("文件", validators=[FileRequired("请选择要上传的文件。")])
