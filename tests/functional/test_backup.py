"""scripts/backup.sh and scripts/restore.sh: back up, wipe, restore, and find everything again."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import (
    ROOT,
    drop_postgres_database,
    fresh_postgres_database,
    hplearn,
    prepared_site,
    server_environment,
)

pytestmark = pytest.mark.slow

RESOURCES_CSV = (
    "external_id,title,stage,grade,subject,edition,volume,school_type,resource_type,url,"
    "cover_url,source,summary,kind\n"
    """b-1,勾股定理,初中,8,数学,人教版,八年级下册,,,https://example.org/a,,bk,直角三角形,article
b-2,古诗三首,小学,3,语文,统编版,三年级上册,,,https://example.org/b,,bk,山行,article
""")


def _script(name: str, env: dict, *args: str, check: bool = True):
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args], env={**env, "PYTHON": sys.executable},
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _fingerprint(media: Path) -> dict[str, str]:
    return {
        str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*")) if path.is_file()
    }


def _site_rows(env: dict) -> list:
    code = ("from hplearn.app import create_app\n"
            "from hplearn.extensions import db\n"
            "from sqlalchemy import text\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    for row in db.session.execute(text('SELECT r.external_id, r.title, s.code "
            "FROM resources r CROSS JOIN schools s ORDER BY 1, 3')):\n"
            "        print('|'.join(map(str, row)))\n")
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _populate(instance: Path, **settings) -> dict:
    """hplearn init, an import and a school, through the command line."""
    env = server_environment(instance, SECRET_KEY="backup-test", **settings)
    hplearn(env, "init")
    csv_file = instance.parent / "resources.csv"
    csv_file.write_text(RESOURCES_CSV, encoding="utf-8")
    hplearn(env, "import", str(csv_file))
    hplearn(env, "schools", "create", "hp001", "和平区第一小学")
    return env


def _populated_site(tmp_path, **settings) -> tuple[dict, Path]:
    if settings:
        env = _populate(tmp_path / "instance", **settings)
    else:  # an SQLite site: a copy of the folder the commands made (once per process)
        prepared_site("backup", tmp_path / "instance", _populate)
        env = server_environment(tmp_path / "instance", SECRET_KEY="backup-test")
    media = tmp_path / "instance" / "media"
    (media / "nested").mkdir(parents=True)
    (media / "a1b2.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64)
    (media / "nested" / "c3d4.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n")
    return env, media


def _wipe_sqlite(tmp_path) -> None:
    (tmp_path / "instance" / "hplearn.sqlite3").unlink()


def test_sqlite_site_survives_backup_wipe_and_restore(tmp_path):
    env, media = _populated_site(tmp_path)
    rows, files = _site_rows(env), _fingerprint(media)
    assert len(rows) == 2 and len(files) == 2

    folder = Path(_script("backup.sh", env, str(tmp_path / "backups")).stdout.strip())
    assert {p.name for p in folder.iterdir()} == {"database.sqlite3", "media.tar.gz", "SHA256SUMS"}
    _wipe_sqlite(tmp_path)
    shutil.rmtree(media)

    _script("restore.sh", env, str(folder))
    assert _site_rows(env) == rows
    assert _fingerprint(media) == files


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path):
    env, _media = _populated_site(tmp_path)
    folder = Path(_script("backup.sh", env, str(tmp_path / "backups")).stdout.strip())
    hplearn(env, "schools", "create", "hp002", "和平区第二中学")
    rows = _site_rows(env)
    with open(folder / "media.tar.gz", "ab") as archive:
        archive.write(b"garbage")

    result = _script("restore.sh", env, str(folder), check=False)
    assert result.returncode != 0
    assert "checksums do not match" in result.stderr
    assert _site_rows(env) == rows


def test_sqlite_backup_is_consistent_while_the_site_writes(tmp_path):
    env, _ = _populated_site(tmp_path)
    database = tmp_path / "instance" / "hplearn.sqlite3"
    with sqlite3.connect(database) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE resources SET title = '改了一半' WHERE external_id = 'b-1'")
        folder = Path(_script("backup.sh", env, str(tmp_path / "backups")).stdout.strip())
        writer.rollback()
    with sqlite3.connect(folder / "database.sqlite3") as copy:
        titles = [row[0] for row in copy.execute("SELECT title FROM resources ORDER BY 1")]
    assert "改了一半" not in titles and len(titles) == 2


@pytest.mark.postgres
def test_postgres_site_survives_backup_wipe_and_restore(tmp_path):
    url = fresh_postgres_database("backup")
    try:
        env, media = _populated_site(tmp_path, DATABASE_URL=url)
        rows, files = _site_rows(env), _fingerprint(media)
        folder = Path(_script("backup.sh", env, str(tmp_path / "backups")).stdout.strip())
        assert (folder / "database.pgdump").stat().st_size > 0

        drop_postgres_database(url)
        fresh_postgres_database("backup")
        shutil.rmtree(media)

        _script("restore.sh", env, str(folder))
        assert _site_rows(env) == rows
        assert _fingerprint(media) == files
        assert hplearn(env, "init").returncode == 0  # migrations agree with the restored schema
    finally:
        drop_postgres_database(url)
