"""Q&A rules: asking, reading, the teachers' queue, claims, answers and follow-ups.

Plain functions with explicit arguments that raise QAError subclasses; the pages, the JSON API
and the CLI all call these. Minors' protection (screening, the mental-health lane, moderation)
lives in hplearn.qa.safety. One module a job: errors, hours, asking, reading, queue (and
claims), answers (and follow-ups), maintenance, notices (telling the routed teachers),
digest (their evening e-mail) and routing (a question nobody of its school teaches, and admins'
assignments); `from hplearn.qa import services` gives them all.
"""

from hplearn.qa.services.answers import (  # noqa: F401
    accept_answer,
    add_answer_image,
    add_followup,
    answer_question,
    image_markdown,
    with_image,
)
from hplearn.qa.services.asking import QuestionDraft, ask_question, validate_question  # noqa: F401
from hplearn.qa.services.closed_dates import (  # noqa: F401
    ClosedDatesScope,
    DuplicateClosedDate,
    InvalidClosedDate,
    add_closed_dates,
    describe_range,
    list_closed_dates,
    remove_closed_dates,
    scope_for,
)
from hplearn.qa.services.digest import send_digests  # noqa: F401
from hplearn.qa.services.errors import (  # noqa: F401
    AlreadyClaimed,
    InvalidQuestion,
    NotAllowed,
    PersonalInformationFound,
    QAError,
    QuestionNotFound,
)
from hplearn.qa.services.hours import (  # noqa: F401
    describe_reply_target,
    in_service_hours,
    reply_target,
    schedule,
)
from hplearn.qa.services.identity import StudentIdentity, reveal_identity  # noqa: F401
from hplearn.qa.services.maintenance import TickReport, escalate, run_maintenance  # noqa: F401
from hplearn.qa.services.notices import routed_staff, tell_queue  # noqa: F401
from hplearn.qa.services.photos import (  # noqa: F401
    PHOTOS_MAX,
    PRIVACY_REMINDER,
    attach_photo,
    photos_of,
    prepare_photos,
    store_photos,
)
from hplearn.qa.services.queue import (  # noqa: F401
    AnsweredByTeacher,
    SubjectBacklog,
    backlog_by_subject,
    claim_question,
    median_response_minutes,
    my_answered,
    my_claims,
    queue_count,
    release_question,
    teacher_queue,
)
from hplearn.qa.services.reading import (  # noqa: F401
    ANONYMOUS_NAME,
    asker_name,
    get_question,
    list_questions,
    questions_for_resource,
    search_questions,
    similar_questions,
    view_question,
    visible_answers,
)
from hplearn.qa.services.routing import (  # noqa: F401
    Route,
    UnroutedQuestion,
    assign_question,
    assignable_question,
    assignable_teachers,
    route_note,
    route_of,
    unrouted_questions,
    unrouted_school,
)
