"""Building after-school guides for tests through the real services."""

from __future__ import annotations

from datetime import timedelta

from hplearn.accounts.models import School
from hplearn.afterschool import services

TERM = "2025-1"


def slots(days, start="16:30", end="18:30"):
    """The same slot on several weekdays."""
    return [{"weekday": d, "start": start, "end": end} for d in days]


def programme_data(teacher, **changes) -> dict:
    """A valid programme body (JSON of the API), with changes."""
    data = {
        "term": TERM, "name": "延时托管", "category": "延时托管", "description": "看护与阅读",
        "grades": [7, 8, 9], "capacity": 30, "fee_per_month": 100,
        "slots": slots(range(1, 6)), "place": "图书馆",
        "staff": [{"name": "", "kind": "teacher", "user_id": teacher.id}],
    }
    data.update(changes)
    return data


def compliant_guide(admin, school: School, teacher, *, capacity=30, grades=None,
                    opens=None, closes=None, reasons=None):
    """A guide that keeps every rule, published with a sign-up window (default: open today)."""
    grades = grades or [7, 8, 9]
    programmes = [
        services.create_programme(admin, school, TERM, programme_data(
            teacher, grades=grades, capacity=capacity)),
        services.create_programme(admin, school, TERM, programme_data(
            teacher, name="篮球", category="体育", grades=grades, capacity=capacity,
            slots=slots((1, 3), "16:30", "17:30"), fee_per_month=80)),
        services.create_programme(admin, school, TERM, programme_data(
            teacher, name="书法", category="艺术", grades=grades, capacity=capacity,
            slots=slots((1,), "17:00", "18:00"), fee_per_month=0)),
    ]
    today = services.today()
    services.publish(admin, school, TERM, signup_opens=opens or today - timedelta(days=1),
                     signup_closes=closes or today + timedelta(days=5), reasons=reasons)
    return programmes
