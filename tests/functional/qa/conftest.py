"""Q&A test fixtures."""

from tests.qa_fixtures import (  # noqa: F401  (fixtures)
    answered_question,
    chinese_teacher,
    classmate,
    counsellor,
    district_counsellor,
    other_school_student,
    other_school_teacher,
    primary_maths_teacher,
    question,
    second_teacher,
)
