"""Creating many accounts from a CSV file: every bad row listed, nothing written unless all are good."""

from __future__ import annotations

import csv
import io

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.accounts.services.directory import user_by_username
from hplearn.accounts.services.errors import (
    AccountError,
    ImportRejected,
    NewAccount,
    SchoolNotFound,
)
from hplearn.accounts.services.passwords import generate_one_time_password
from hplearn.accounts.services.users import (
    UserFields,
    _add_user,
    _check_may_create,
    check_user_fields,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.vocab import Role

MAX_IMPORT_ROWS = 200  # each one-time password costs one scrypt hash (~60 ms)
MAX_IMPORT_BYTES = 1024 * 1024
# csv.field_size_limit is process-wide and the catalog importer raises it, so a cell's length is
# checked here rather than left to the csv module's limit.
MAX_CELL_CHARS = 1000
MAX_LINE_CHARS = 4000
IMPORT_COLUMNS = ("username", "role", "grade", "class", "subjects", "display_name")


def decode_upload(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM) or GB18030 as Excel saves it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise AccountError("文件太大：一次最多上传 1 MB，请分批导入。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AccountError("文件编码无法识别，请保存为 UTF-8 编码的 CSV。")


def _check_line_lengths(text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise AccountError(
                f"第 {number} 行太长（超过 {MAX_LINE_CHARS} 个字），不是有效的账号表，请检查文件。")


def _read_rows(text: str) -> list[tuple[int, dict]]:
    _check_line_lengths(text)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _rows_of(reader)
    except csv.Error as error:
        raise AccountError(f"第 {reader.line_num} 行不是有效的 CSV：{error}。") from None


def _rows_of(reader) -> list[tuple[int, dict]]:
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if "username" not in header or "role" not in header:
        raise AccountError("第 1 行必须是表头，至少包含 username 和 role 两列。")
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    if unknown:
        raise AccountError(f"第 1 行有无法识别的列：{'、'.join(unknown)}。")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise AccountError(f"第 {reader.line_num} 行的列数比表头多。")
        if any(len(value or "") > MAX_CELL_CHARS for value in row.values()):
            raise AccountError(
                f"第 {reader.line_num} 行有一格超过 {MAX_CELL_CHARS} 个字，不是有效的账号表，请检查文件。")
        if any((value or "").strip() for value in row.values()):
            rows.append((reader.line_num, row))
        if len(rows) > MAX_IMPORT_ROWS:
            raise AccountError(f"一次最多导入 {MAX_IMPORT_ROWS} 个账号，请分批上传。")
    if not rows:
        raise AccountError("文件里没有账号。")
    return rows


def _check_import_row(actor, school, row: dict, seen: set[str]) -> UserFields:
    fields = check_user_fields(
        row.get("username"), row.get("role"), grade=row.get("grade"),
        class_name=row.get("class"), subjects=row.get("subjects") or "",
        display_name=row.get("display_name"),
    )
    if fields.role == Role.DISTRICT_ADMIN:
        raise AccountError("批量导入不能创建区管理员。")
    _check_may_create(actor, fields, school)
    if fields.username in seen:
        raise AccountError(f"用户名 {fields.username} 在文件里出现了不止一次。")
    if user_by_username(fields.username) is not None:
        raise AccountError(f"用户名 {fields.username} 已被使用。")
    seen.add(fields.username)
    return fields


def import_users(actor, school: School, text: str) -> list[NewAccount]:
    """Create every account of a CSV (columns IMPORT_COLUMNS), all or nothing.

    Every row is checked first; any problem raises ImportRejected listing (line, message)
    for each bad row and nothing is written.
    """
    if not policy.can_manage_school(actor, school.id):
        raise SchoolNotFound("没有找到这所学校。")
    checked, problems, seen = [], [], set()
    for line, row in _read_rows(text):
        try:
            checked.append(_check_import_row(actor, school, row, seen))
        except AccountError as error:
            problems.append((line, str(error)))
    if problems:
        raise ImportRejected(problems)
    created = []
    for fields in checked:
        password = generate_one_time_password()
        user = _add_user(fields, password, school, must_change_password=True)
        created.append(NewAccount(user, password))
    record(actor, "user.import", school, school_id=school.id, count=len(created),
           usernames=[account.user.username for account in created])
    db.session.commit()
    return created
