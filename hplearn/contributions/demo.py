"""Demo lesson packages (content/lesson_packages/*.yaml) for `hplearn init --demo`.

Each goes the way a real one does, through the services: a demo teacher writes it (the 课件 is
a small generated PDF uploaded through the media checks), submits it, the school's admin
approves it for everyone and the district features it. Idempotent: a package whose title its
author already has is left alone.
"""

from __future__ import annotations

import io
from pathlib import Path

import click
import yaml
from flask import current_app
from sqlalchemy import select

from hplearn.accounts.models import User
from hplearn.contributions import review, services
from hplearn.contributions.models import Contribution
from hplearn.errors import DomainError
from hplearn.extensions import db

FOLDER = "lesson_packages"


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ASCII lines in Helvetica (enough for a demo 课件)."""
    text = "BT /F1 28 Tf 60 700 Td 40 TL " + " ".join(
        f"({line.replace(chr(92), '').replace('(', '').replace(')', '')}) '" for line in lines
    ) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("ascii")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, start))
    return out.getvalue()


def _user(username: str | None) -> User | None:
    return db.session.scalar(select(User).where(User.username == username)) if username else None


def _exists(author: User, title: str) -> bool:
    return db.session.scalar(select(Contribution.id).where(
        Contribution.author_id == author.id, Contribution.title == title)) is not None


def load_package(spec: dict) -> bool:
    """Write, submit, approve and feature one package; False when it is there already."""
    author, reviewer = _user(spec.get("author")), _user(spec.get("reviewer"))
    if author is None or reviewer is None or _exists(author, spec["title"]):
        return False
    c = services.create_contribution(author, spec.get("kind", "package"), {
        key: spec.get(key) for key in ("title", "summary", "stage", "grade", "subject", "edition",
                                       "volume", "unit", "topic")})
    if spec.get("slides_lines"):
        pdf = io.BytesIO(simple_pdf(spec["slides_lines"]))
        services.upload_part_file(author, c.id, "slides", pdf, f"{spec['title']}课件.pdf")
        services.set_part_text(author, c.id, "slides", {"title": spec.get("slides_title", "课件")})
    for role in ("design", "worksheet"):
        if spec.get(role):
            services.set_part_text(author, c.id, role, {"body": spec[role]})
    if spec.get("exercises"):
        services.set_exercises(author, c.id, spec["exercises"])
    review.submit(author, c.id)
    review.approve(reviewer, c.id, "public", "示例课程包，审核通过。")
    district = _user(spec.get("featured_by"))
    if district is not None:
        review.feature(district, c.id)
    return True


def load_demo() -> str:
    """`hplearn init --demo`: the demo lesson packages (after the demo schools' accounts)."""
    folder = Path(current_app.config["CONTENT_DIR"]) / FOLDER
    made = 0
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
            made += load_package(spec)
        except (yaml.YAMLError, DomainError, KeyError, TypeError) as error:
            raise click.ClickException(f"{path.name}: {error}") from None
    return f"{made} lesson package(s) published"
