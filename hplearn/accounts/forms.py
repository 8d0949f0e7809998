"""Sign-in, password and account administration forms (input shapes only; rules live in services)."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from hplearn.formbase import HplearnForm


class LoginForm(HplearnForm):
    """Username and password."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=200)])


class PasswordChangeForm(HplearnForm):
    """Current password and the new one twice."""

    current_password = PasswordField(
        "当前密码", validators=[DataRequired("请输入当前密码。"), Length(max=200)]
    )
    new_password = PasswordField(
        "新密码", validators=[DataRequired("请输入新密码。"), Length(max=200)]
    )
    confirm_password = PasswordField(
        "再次输入新密码", validators=[DataRequired("请再次输入新密码。"), Length(max=200)]
    )


class AccountFieldsForm(HplearnForm):
    """The fields of an account an admin fills in; choices are filled in by the view from policy."""

    school = SelectField("学校", choices=[], validate_choice=False)
    role = SelectField("角色", choices=[], validate_choice=False)
    display_name = StringField("显示名称（可不填；学生不填时自动生成）",
                               validators=[Optional(), Length(max=32)])
    grade = StringField("年级（学生）", validators=[Optional(), Length(max=16)])
    class_name = StringField("班级（学生）", validators=[Optional(), Length(max=32)])
    subjects = StringField("任教学科（教师，用逗号分隔）", validators=[Optional(), Length(max=200)])
    grades = StringField("任教年级（教师，用逗号分隔）", validators=[Optional(), Length(max=100)])
    is_counsellor = BooleanField("心理老师")
    is_safeguarding = BooleanField("安全保护老师（接收欺凌、家暴等求助）")


class UserCreateForm(AccountFieldsForm):
    """One new account."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=64)])


class UserImportForm(HplearnForm):
    """A CSV file of accounts."""

    school = SelectField("学校", choices=[], validate_choice=False)
    file = FileField("CSV 文件", validators=[FileRequired("请选择要上传的 CSV 文件。")])


class UserEditForm(AccountFieldsForm):
    """The editable fields of an existing account; the view shows those of its role."""


class PromotionForm(HplearnForm):
    """The confirmation of a school's new school year."""

    school = HiddenField()
    confirm = BooleanField("我已核对上面的名单，确认为全校学生升级")
