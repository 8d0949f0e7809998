"""`hplearn schools create` and `hplearn users create`: every bad argument is one line, exit 1."""

import pytest
from sqlalchemy import select

from hplearn.accounts.models import School, User
from hplearn.extensions import db


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def test_create_school_and_users(runner):
    result = runner.invoke(args=["schools", "create", "hp010", "和平区第十中学", "--stage", "初中"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(School).where(School.code == "hp010")).stage == "初中"
    result = runner.invoke(args=["users", "create", "li01", "--role", "student", "--school",
                                 "hp010", "--grade", "8", "--class", "2班",
                                 "--password", "secret-pass-1"])
    assert result.exit_code == 0, result.output
    user = _user("li01")
    assert user.grade == 8 and user.check_password("secret-pass-1")
    assert user.display_name == user.alias
    result = runner.invoke(args=["users", "create", "wang01", "--role", "teacher", "--school",
                                 "hp010", "--subject", "数学", "--subject", "心理", "--counsellor",
                                 "--teaches-grade", "7", "--password", "secret-pass-1"])
    assert result.exit_code == 0, result.output
    assert _user("wang01").subjects == ["数学", "心理健康"] and _user("wang01").is_counsellor
    result = runner.invoke(args=["users", "create", "boss", "--role", "district_admin",
                                 "--password", "secret-pass-1"])
    assert result.exit_code == 0, result.output


def test_password_prompt(runner, school):
    result = runner.invoke(args=["users", "create", "kid01", "--role", "student", "--school",
                                 "hp001"], input="prompted-pass-1\nprompted-pass-1\n")
    assert result.exit_code == 0, result.output
    assert _user("kid01").check_password("prompted-pass-1")


def test_prompted_password_must_follow_rules(runner, school):
    result = runner.invoke(args=["users", "create", "kid02", "--role", "student", "--school",
                                 "hp001"], input="short\nshort\n")
    assert result.exit_code == 1
    assert "至少 8 位" in result.output
    assert _user("kid02") is None


@pytest.mark.parametrize(("args", "message"), [
    (["schools", "create", "hp001", "重复的学校"], "已存在"),
    (["schools", "create", "bad code", "学校"], "学校代码"),
    (["schools", "create", "hp099", "学校", "--stage", "大学"], "学段"),
    (["users", "create", "x01", "--role", "student", "--school", "nope", "--password", "abc12345"],
     "没有代码为 nope 的学校"),
    (["users", "create", "x01", "--role", "wizard", "--school", "hp001", "--password", "abc12345"],
     "角色"),
    (["users", "create", "x01", "--role", "student", "--school", "hp001", "--grade", "13",
      "--password", "abc12345"], "年级"),
    (["users", "create", "x01", "--role", "student", "--school", "hp001", "--grade", "0",
      "--password", "abc12345"], "年级"),
    (["users", "create", "stu1", "--role", "student", "--school", "hp001", "--password",
      "abc12345"], "已被使用"),
    (["users", "create", "x01", "--role", "teacher", "--school", "hp001", "--subject", "炼丹",
      "--password", "abc12345"], "无法识别"),
    (["users", "create", "x01", "--role", "student", "--password", "abc12345"], "属于一所学校"),
    (["users", "create", "x01", "--role", "district_admin", "--school", "hp001", "--password",
      "abc12345"], "区管理员"),
    (["users", "create", "x01", "--role", "student", "--school", "hp001", "--password",
      "abcdefgh"], "字母和数字"),
    (["users", "create", "a", "--role", "student", "--school", "hp001", "--password",
      "abc12345"], "用户名"),
])
def test_bad_arguments_fail_with_one_line(runner, student, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("option", "value"), [
    ("--class", "三年二班王小明"), ("--class", "三（2）班陳小明"),
    ("--display-name", "13812345678"), ("--display-name", "一三八 一二三四 五六七八"),
])
def test_new_accounts_refuse_personal_information(runner, school, option, value):
    result = runner.invoke(args=["users", "create", "kid09", "--role", "student", "--school",
                                 "hp001", option, value, "--password", "secret-pass-1"])
    assert result.exit_code == 1
    assert "个人信息" in result.output
    assert _user("kid09") is None


def test_update_sets_the_safeguarding_flag(runner, teacher):
    result = runner.invoke(args=["users", "update", teacher.username, "--safeguarding"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _user(teacher.username).is_safeguarding
