"""The Q&A board's refusals: not found, not allowed, already claimed, invalid input."""

from __future__ import annotations

from hplearn.errors import DomainError
from hplearn.qa import safety


class QAError(DomainError):
    """A request the Q&A rules refuse; its message is shown to the user."""

    status = 400
    code = "bad_request"


class QuestionNotFound(QAError):
    """No such question, or one the user may not see (the two look the same)."""

    status = 404
    code = "not_found"


class NotAllowed(QAError):
    """The user may see the question but not do this to it."""

    status = 403
    code = "forbidden"


class AlreadyClaimed(QAError):
    """Another teacher holds the claim."""

    status = 409
    code = "already_claimed"


class InvalidQuestion(QAError):
    """Input the rules refuse; field names the form field it concerns."""

    status = 422
    code = "invalid"


class PersonalInformationFound(InvalidQuestion):
    """The text contains personal information; nothing was stored."""

    code = "personal_information"

    def __init__(self, findings, field: str):
        super().__init__(safety.describe_findings(findings), field)
        self.findings = findings
