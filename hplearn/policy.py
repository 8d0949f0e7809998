"""Who may do what: every permission rule of hplearn lives here.

Views, the JSON API, the CLI and templates ask these functions; nothing checks roles
ad hoc. Each function takes the acting user (possibly anonymous) and the object.

Refusals are answered the same way everywhere:
- not signed in: pages redirect to /auth/login, the API answers 401;
- signed in, but the role may never use the endpoint: 403;
- the role may use the endpoint but the object named in the URL (a user, a school code, …)
  belongs to another school: 404, so nobody learns which ids or codes exist elsewhere.
"""

from __future__ import annotations

from hplearn.vocab import QuestionStatus, ResourceStatus, Role

STAFF_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN)
ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN)


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def is_district_admin(user) -> bool:
    """District admins may act on every school."""
    return _role(user) == Role.DISTRICT_ADMIN


def is_admin(user) -> bool:
    """School or district admin."""
    return _role(user) in ADMIN_ROLES


def is_staff(user) -> bool:
    """Teacher or admin."""
    return _role(user) in STAFF_ROLES


def is_student(user) -> bool:
    """A signed-in student."""
    return _role(user) == Role.STUDENT


def is_teacher(user) -> bool:
    """A signed-in teacher."""
    return _role(user) == Role.TEACHER


def same_school(user, school_id) -> bool:
    """Whether the user belongs to the school with this id."""
    return school_id is not None and getattr(user, "school_id", None) == school_id


def can_manage_school(user, school_id) -> bool:
    """Admin rights over one school's users, collections and statistics."""
    if is_district_admin(user):
        return True
    return _role(user) == Role.SCHOOL_ADMIN and same_school(user, school_id)


def can_view_resource(user, resource) -> bool:
    """Published resources are public; those published to one school (a contribution approved
    for the school only) are for its members; drafts and retired ones only for admins who
    manage them."""
    if resource.status == ResourceStatus.PUBLISHED:
        return True
    if resource.status == ResourceStatus.SCHOOL and same_school(user, resource.school_id):
        return True
    return can_edit_resource(user, resource)


def can_manage_resources(user) -> bool:
    """Create, edit, publish and retire catalog resources."""
    return is_admin(user)


def can_view_admin_area(user) -> bool:
    """The /admin pages."""
    return is_admin(user)


def can_view_link_report(user) -> bool:
    """The list of broken links."""
    return is_admin(user)


def can_read_audit_log(user) -> bool:
    """Admins read the audit log (school admins their own school's entries)."""
    return is_admin(user)


# --- Accounts: schools and users -------------------------------------------------------------

# The roles each admin role may hand out when creating an account.
CREATABLE_ROLES = {
    Role.SCHOOL_ADMIN: (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN),
    Role.DISTRICT_ADMIN: (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN),
}


def can_manage_users(user) -> bool:
    """Use the account administration pages and API at all (role check only)."""
    return is_admin(user)


def can_choose_any_school(user) -> bool:
    """District admins pick the school an account belongs to; school admins use their own."""
    return is_district_admin(user)


def creatable_roles(user) -> tuple[str, ...]:
    """The roles this user may give a new account."""
    return CREATABLE_ROLES.get(_role(user), ())


def can_create_user(user, role: str, school_id) -> bool:
    """Create an account with this role in the school with this id (None: no school)."""
    if role not in creatable_roles(user):
        return False
    return is_district_admin(user) or same_school(user, school_id)


def can_manage_user(actor, user) -> bool:
    """Edit, deactivate, reactivate or reset the password of this account."""
    if is_district_admin(actor):
        return True
    return (
        _role(actor) == Role.SCHOOL_ADMIN
        and user.role != Role.DISTRICT_ADMIN
        and same_school(actor, user.school_id)
    )


def can_change_role(actor, user, role: str) -> bool:
    """Give the existing account `user` another role: never one's own, never above one's own."""
    if getattr(actor, "id", None) == user.id or not can_manage_user(actor, user):
        return False
    return role in creatable_roles(actor)


def can_move_user(actor, user, school_id) -> bool:
    """Put the account in the school with this id: only district admins move accounts."""
    return is_district_admin(actor) or (
        school_id == user.school_id and can_manage_user(actor, user)
    )


def can_promote_school(actor, school_id) -> bool:
    """Start the new school year of one school (every student up a grade)."""
    return can_manage_school(actor, school_id)


def public_name(user, viewer) -> str:
    """The name `viewer` may see for `user`.

    A student's display name may be a real name entered by an admin, so other students and
    anonymous visitors only ever see the student's generated alias; the student and staff of
    the student's school (and district admins) see the display name, and so do the student's
    bound parents. Parents are invisible to students: to anyone but staff, a parent is "家长".
    """
    if user is None:
        return ""
    if user.role == Role.PARENT:
        return (user.display_name or user.username) if is_staff(viewer) or (
            getattr(viewer, "id", None) == user.id) else "家长"
    if user.role != Role.STUDENT:
        return user.display_name or user.username
    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    if viewer_id == user.id or is_district_admin(viewer) or is_parent_of(viewer, user):
        return user.display_name or user.alias
    if is_staff(viewer) and same_school(viewer, user.school_id):
        return user.display_name or user.alias
    return user.alias

# --- Collections, resource management and media (issue 4, items 5-7) ---------------------------


def can_edit_resource(user, resource) -> bool:
    """Edit, publish or retire one resource: district admins all, school admins their school's."""
    return can_manage_school(user, resource.school_id)


def can_create_collection(user) -> bool:
    """School and district admins curate collections."""
    return is_admin(user)


def can_view_collection(user, collection) -> bool:
    """Public collections are for everyone; a school's own ones for its members and district admins."""
    if collection.public or is_district_admin(user):
        return True
    return same_school(user, collection.school_id)


def can_edit_collection(user, collection) -> bool:
    """Change a collection: its school's admins and district admins."""
    return can_manage_school(user, collection.school_id)


def can_upload_media(user) -> bool:
    """Upload videos, documents, images and captions."""
    return is_admin(user)


def can_manage_media(user, media) -> bool:
    """See and attach an uploaded file: its school's admins and district admins.

    Images added to Q&A answers belong to their question, not to the school's media library.
    """
    return media.question_id is None and can_manage_school(user, media.school_id)


def can_view_media(user, media, resources, now) -> bool:
    """Media bytes go to whoever may see a resource using them; images (covers, article
    pictures) to everyone; unattached files only to the admins who manage them.

    An image added to a Q&A answer goes only to those who may read its question, which may
    be a minor's private one.
    """
    if media.question_id is not None:
        return media.question is not None and can_view_question(user, media.question, now)
    if media.kind == "image" or can_manage_media(user, media) or is_uploader(user, media):
        return True
    return any(can_view_resource(user, resource) for resource in resources)


def is_uploader(user, media) -> bool:
    """Whoever uploaded a file sees it (a teacher's files for a contribution under review)."""
    return _role(user) is not None and media.uploaded_by_id == user.id


def can_save_playback_position(user) -> bool:
    """Signed-in students resume videos where they stopped."""
    return is_student(user)

def can_view_school_stats(user, school_id) -> bool:
    """A school's usage statistics: its own admins and district admins."""
    return can_manage_school(user, school_id)


def can_view_district_stats(user) -> bool:
    """Every school's statistics side by side."""
    return is_district_admin(user)


def can_view_own_response_stats(user) -> bool:
    """Teachers see their own first-response figures (and nobody else's)."""
    return is_teacher(user)


def can_view_stats_area(user) -> bool:
    """The /stats/ pages: admins and teachers."""
    return is_admin(user) or is_teacher(user)




# --- Q&A board -------------------------------------------------------------------------------
# `now` is passed in so that claim expiry and escalation are judged at one moment per request.

PUBLIC_QUESTION_STATUSES = (QuestionStatus.ANSWERED, QuestionStatus.CLOSED)


def can_ask_question(user) -> bool:
    """Only students ask questions."""
    return is_student(user)


def question_is_public(question) -> bool:
    """Answered (at least once), not private, not hidden: readable across the district.

    A follow-up reopens a question but does not take its answer away from other students.
    """
    return (
        question.first_response_at is not None
        and question.status != QuestionStatus.HELD
        and not question.private
        and not question.hidden
    )


def is_question_asker(user, question) -> bool:
    """Whether the user asked this question."""
    return _role(user) is not None and question.asker_id == user.id


def can_manage_platforms(user) -> bool:
    """The platform directory is the district's: district admins edit it."""
    return is_district_admin(user)


def can_manage_schools(user) -> bool:
    """District admins add schools and correct their names."""
    return is_district_admin(user)


def can_edit_word_lists(user) -> bool:
    """The moderation word lists hold for every school: district admins edit them."""
    return is_district_admin(user)


def can_view_word_lists(user) -> bool:
    """Admins read the word lists that hold their students' questions."""
    return is_admin(user)


def can_moderate_questions(user, school_id=None) -> bool:
    """Moderators are admins: district admins everywhere, school admins in their school."""
    return can_manage_school(user, school_id)


def can_manage_closed_dates(user, school_id) -> bool:
    """Q&A closed dates: the district's (school_id None) for district admins, a school's for its
    admins and district admins."""
    if school_id is None:
        return is_district_admin(user)
    return can_manage_school(user, school_id)


def _teaches_for(user, question) -> bool:
    if _role(user) != Role.TEACHER or question.subject not in (user.subjects or []):
        return False
    grades = user.grades or []
    return question.grade is None or not grades or question.grade in grades


def _takes_crisis(user, question) -> bool:
    # Counsellors take the mental-health lane, safeguarding staff the safeguarding lane.
    if not is_staff(user):
        return False
    return bool(
        (question.mental_health and getattr(user, "is_counsellor", False))
        or (getattr(question, "safeguarding", False) and getattr(user, "is_safeguarding", False))
    )


def can_reveal_identity(user, question) -> bool:
    """Who may see the name and class of a crisis question's asker: the school's own counsellors
    (mental-health lane) or safeguarding staff (safeguarding lane), never anyone else."""
    if not (question.mental_health or getattr(question, "safeguarding", False)):
        return False
    return _takes_crisis(user, question) and same_school(user, question.school_id)


def _named_for(user, question) -> bool:
    # reserved_for_id names one person: the teacher who answered (a follow-up) or the teacher an
    # admin assigned the question to.
    user_id = getattr(user, "id", None)
    return user_id is not None and question.reserved_for_id == user_id


def is_question_routed_at_school(user, question) -> bool:
    """Routed to this staff member without the district pool: the asker's school's teachers of
    the subject (and grade, where set), or its counsellors or safeguarding staff for a crisis
    question; a question reserved for one teacher (a follow-up, an admin's assignment) goes to
    that teacher alone, whatever they teach."""
    if question.mental_health or getattr(question, "safeguarding", False):
        return _takes_crisis(user, question) and (
            same_school(user, question.school_id) or _named_for(user, question))
    if question.reserved_for_id is not None:
        return is_teacher(user) and _named_for(user, question)
    return _teaches_for(user, question) and same_school(user, question.school_id)


def is_question_routed_to(user, question, now) -> bool:
    """Whether the question is in this staff member's queue (mental-health ones: counsellors).

    Routed at its school (is_question_routed_at_school); once it has been escalated (still
    unanswered after its target, or asked where nobody of the school teaches it), also to every
    teacher of the subject and grade (counsellors, safeguarding staff) of the district. Being
    routed a question lets one claim it; reading it is can_view_question.
    """
    if is_question_routed_at_school(user, question):
        return True
    return question.is_escalated and could_take_question(user, question)


def could_take_question(user, question) -> bool:
    """Whom the district pool sends it to: a teacher of its subject and grade (where set), or
    for a crisis question a counsellor or safeguarding staff member of its lane, of any school."""
    if question.mental_health or getattr(question, "safeguarding", False):
        return _takes_crisis(user, question)
    return _teaches_for(user, question)


def can_assign_question(user, question) -> bool:
    """The question's school admins and district admins name the teacher who answers it."""
    return is_admin(user) and can_manage_school(user, question.school_id)


def can_be_assigned(admin, teacher, question) -> bool:
    """Whom an admin may name: an active teacher (for a crisis question, a counsellor or
    safeguarding staff member of that lane) of the admin's school, any school for district admins."""
    if teacher is None or not getattr(teacher, "active", False):
        return False
    if question.mental_health or getattr(question, "safeguarding", False):
        if not _takes_crisis(teacher, question):
            return False
    elif _role(teacher) != Role.TEACHER:
        return False
    return is_district_admin(admin) or (
        teacher.school_id is not None and same_school(admin, teacher.school_id))


def question_is_confidential(question) -> bool:
    """Private and mental-health questions: their text is for as few adults as possible."""
    return bool(question.private or question.mental_health)


def _has_worked_on(user, question) -> bool:
    user_id = getattr(user, "id", None)
    return user_id is not None and (
        question.claimed_by_id == user_id
        or question.reserved_for_id == user_id
        or any(answer.teacher_id == user_id for answer in question.answers)
    )


def can_view_question(user, question, now) -> bool:
    """Who may read a question page (and its API record).

    A confidential question escalated to the district is claimable by teachers of other
    schools, but its text is shown only to the one who claims it, never by id to all of them;
    once answered, only those who worked on it (and moderators) read it.
    """
    if _role(user) is None:
        return False
    if is_question_asker(user, question) or can_moderate_questions(user, question.school_id):
        return True
    if question.hidden or question.status == QuestionStatus.HELD:
        return False
    if question_is_public(question):
        return True
    if not is_staff(user):
        return False
    if _has_worked_on(user, question):
        return True
    if not is_question_routed_to(user, question, now):
        return False
    if not question_is_confidential(question):
        return True
    # The school's own routed staff read it to decide whether to take it, while it waits.
    waiting = (QuestionStatus.OPEN, QuestionStatus.CLAIMED)
    return same_school(user, question.school_id) and question.status in waiting


def can_see_asker_identity(user, question) -> bool:
    """Teachers and admins see who asked, even anonymously; other students never do.

    They see the asker by public_name: staff of another school get only the alias. Crisis
    questions are the exception: only through can_reveal_identity (audited).
    """
    if question.mental_health or getattr(question, "safeguarding", False):
        return is_question_asker(user, question)
    return is_question_asker(user, question) or is_staff(user)


def can_claim_question(user, question, now) -> bool:
    """A routed staff member may claim an open (or expired-claim) question."""
    return (
        not question.hidden
        and question.effective_status(now) == QuestionStatus.OPEN
        and is_question_routed_to(user, question, now)
    )


def can_answer_question(user, question, now) -> bool:
    """Only the staff member holding a live claim answers (and adds images to the answer)."""
    return (
        _role(user) is not None
        and not question.hidden
        and question.claim_is_live(now)
        and question.claimed_by_id == user.id
    )


def can_accept_answer(user, question) -> bool:
    """The asker accepts an answer of an answered question."""
    return is_question_asker(user, question) and question.status == QuestionStatus.ANSWERED


def can_attach_photos(user, question) -> bool:
    """The student who asked attaches photos of the problem to the question or a follow-up."""
    return is_student(user) and is_question_asker(user, question)


def can_follow_up(user, question) -> bool:
    """The asker may follow up once the question is answered."""
    return is_question_asker(user, question) and question.status in PUBLIC_QUESTION_STATUSES


def can_report(user) -> bool:
    """Anyone signed in may report a question or answer."""
    return _role(user) is not None


def can_view_alerts(user) -> bool:
    """Counsellors, safeguarding staff and admins have the list of crisis alerts."""
    return is_admin(user) or (is_staff(user) and bool(
        getattr(user, "is_counsellor", False) or getattr(user, "is_safeguarding", False)))


def can_acknowledge_alert(user, question, now) -> bool:
    """The question's school admins, district admins, and the counsellors it is routed to."""
    return can_manage_school(user, question.school_id) or is_question_routed_to(
        user, question, now
    )


def may_read_questions(user) -> bool:
    """Parents read no Q&A question of any kind: not their child's, not a public one.

    A child's questions, crisis alerts and safeguarding notes are the child's (docs/security.md);
    when the school decides to contact a family about an alert, it does so outside hplearn.
    """
    return not is_parent(user)


# --- After-school service (课后服务, issue 13) ---------------------------------------------------
# Guides are public once published; a school's admins run its service; the people on a
# programme's staff take its attendance; students (and, once parents exist, their bound
# parents) sign up and see their own places and attendance.


def is_parent(user) -> bool:
    """A signed-in parent (家长)."""
    return _role(user) == Role.PARENT


def is_parent_of(user, student) -> bool:
    """Whether the user is a parent bound to this student."""
    if not is_parent(user) or student is None:
        return False
    return any(child.id == student.id for child in getattr(user, "children", ()) or ())


def can_view_homework_stats(user, school_id) -> bool:
    """A school's homework figures: its school admins and district admins (never teachers)."""
    return can_manage_school(user, school_id)


def has_bound_parent(student) -> bool:
    """Whether a parent is bound to this student (their own sign-ups then wait for the parent)."""
    return bool(getattr(student, "parents", ()) or ())


def can_confirm_signup(user, student) -> bool:
    """Confirm a bound child's own sign-up (自愿 is the family's choice): their parents only."""
    return student is not None and student.role == Role.STUDENT and is_parent_of(user, student)


def can_edit_post(user, post) -> bool:
    """A school's posts: its school admins and district admins; the district's: district admins."""
    if post.school_id is None:
        return is_district_admin(user)
    return can_manage_school(user, post.school_id)


def can_feature_posts(user) -> bool:
    """The district chooses what the home page features."""
    return is_district_admin(user)


def can_manage_afterschool(user, school_id) -> bool:
    """Write the school's plan and programmes, publish, allocate, place by hand, see records."""
    return can_manage_school(user, school_id)


def can_view_afterschool_guide(user, guide) -> bool:
    """A published guide is for everyone, without signing in; drafts for the school's admins."""
    return guide.published or can_manage_afterschool(user, guide.school_id)


def can_sign_up_for(user, student) -> bool:
    """Sign up, change choices or withdraw: the student, or a parent bound to them."""
    if student is None or student.role != Role.STUDENT:
        return False
    if is_student(user):
        return user.id == student.id
    return is_parent_of(user, student)


def may_sign_up_at_all(user) -> bool:
    """The roles that sign up (for themselves or a bound child)."""
    return _role(user) in (Role.STUDENT, Role.PARENT)


def can_view_student_afterschool(user, student) -> bool:
    """A student's places and attendance: the student, their parent, their school's staff,
    district admins."""
    if can_sign_up_for(user, student) or is_district_admin(user):
        return True
    return is_staff(user) and same_school(user, student.school_id)


def can_take_attendance(user, programme) -> bool:
    """The school's teachers on the programme's staff, and the school's admins."""
    if _role(user) is None:
        return False
    if user.id in programme.staff_user_ids and same_school(user, programme.school_id):
        return True
    return _role(user) == Role.SCHOOL_ADMIN and same_school(user, programme.school_id)


def can_view_programme_roll(user, programme) -> bool:
    """The names on a programme's roll: whoever takes its attendance, and district admins."""
    return can_take_attendance(user, programme) or is_district_admin(user)


def can_view_own_service_hours(user) -> bool:
    """Teachers see the after-school hours counted for them."""
    return is_teacher(user)


def can_view_afterschool_supervision(user) -> bool:
    """The district's 督导 dashboard of every school's service."""
    return is_district_admin(user)


# --- Contributions, exercises and the learning record (issue 15) -------------------------------
# Teachers get exactly what contributing needs: their own drafts and the files they upload for
# them. Everything else of the catalog, media library and collections stays with admins.


def can_contribute(user) -> bool:
    """Write and submit contributions (征集): a school's teachers and admins."""
    return _role(user) in ("teacher", "school_admin") and user.school_id is not None


def is_contribution_author(user, contribution) -> bool:
    """Whether the user wrote this contribution."""
    return _role(user) is not None and contribution.author_id == user.id


def can_view_contribution(user, contribution) -> bool:
    """Its author, the school's admins (reviewers) and district admins."""
    return is_contribution_author(user, contribution) or can_manage_school(
        user, contribution.school_id)


def can_edit_contribution(user, contribution) -> bool:
    """The author changes a draft or a returned contribution (and uploads files for it)."""
    return is_contribution_author(user, contribution) and contribution.status in (
        "draft", "returned")


def can_review_contributions(user, school_id) -> bool:
    """The review queue of a school: its admins and district admins."""
    return can_manage_school(user, school_id)


def can_review_contribution(user, contribution) -> bool:
    """Approve or return a contribution: the school's reviewers, never its own author."""
    return can_review_contributions(user, contribution.school_id) and not is_contribution_author(
        user, contribution)


def can_feature_contribution(user) -> bool:
    """Feature an approved contribution for the whole district (区级精品)."""
    return is_district_admin(user)


def can_view_contribution_record(user, school_id) -> bool:
    """The teachers' contribution record (优秀教师, 职称/绩效): the school's admins, the district."""
    return can_manage_school(user, school_id)


def can_write_exercises(user) -> bool:
    """Write exercise sets: teachers and admins."""
    return is_staff(user)


def can_edit_exercise_set(user, exercise_set) -> bool:
    """Only the author changes an unpublished set."""
    return (_role(user) is not None and not exercise_set.published
            and exercise_set.owner_id == user.id)


def can_view_exercise_set(user, exercise_set, resource) -> bool:
    """A published set goes with its resource; before that, its author and the reviewers."""
    if exercise_set.published and resource is not None and can_view_resource(user, resource):
        return True
    return (_role(user) is not None and exercise_set.owner_id == user.id) or can_manage_school(
        user, exercise_set.school_id)


def can_record_exercise_attempt(user) -> bool:
    """Students' answers are kept (for them alone); others check answers without a record."""
    return is_student(user)


def can_view_exercise_rates(user, school_id) -> bool:
    """Per-item correct rates: the school's staff; the whole district (None) district admins."""
    if is_district_admin(user):
        return True
    return school_id is not None and is_staff(user) and same_school(user, school_id)


def can_search_exercises(user) -> bool:
    """The exercise search shows answers: staff only."""
    return is_staff(user)


def can_keep_learning_record(user) -> bool:
    """收藏 and 最近学习: signed-in students."""
    return is_student(user)


# --- Parents (家长, issue 14) ------------------------------------------------------------------
# A parent belongs to no school: only to the children bound to them by a code the child's
# school printed. Parents are invisible to students; they never read Q&A content.


def can_issue_binding_code(user, student) -> bool:
    """Print a binding code for a student: the admins of the student's school, district admins."""
    return (student is not None and student.role == Role.STUDENT
            and can_manage_school(user, student.school_id))


def can_view_child(user, student) -> bool:
    """What a parent sees of a child (places, schedule, attendance): only their own children."""
    return is_parent_of(user, student)


# 意见建议: a parent writes to a school of one of their children; that school's admins answer;
# the district watches response times; the school's 家委会 reads it in aggregate, without names.


def can_write_feedback(user, school_id) -> bool:
    """Write to a school: parents of one of its students."""
    return is_parent(user) and any(
        child.school_id == school_id for child in getattr(user, "children", ()) or ())


def can_read_feedback(user, feedback) -> bool:
    """One feedback: the parent who wrote it, the school's admins, district admins."""
    if is_parent(user):
        return feedback.parent_id == user.id
    return can_manage_school(user, feedback.school_id)


def can_reply_feedback(user, feedback) -> bool:
    """Answer a feedback: the admins of the school it was written to."""
    return _role(user) == Role.SCHOOL_ADMIN and same_school(user, feedback.school_id)


def can_see_feedback_author(user, feedback) -> bool:
    """The writer's name: the school's admins, unless it was sent anonymously."""
    return not feedback.anonymous and _role(user) == Role.SCHOOL_ADMIN and same_school(
        user, feedback.school_id)


def is_committee_member(user, school_id) -> bool:
    """A parent the school's admins put on its 家委会."""
    return is_parent(user) and any(
        m.school_id == school_id for m in getattr(user, "committee_memberships", ()) or ())


def can_read_committee_view(user, school_id) -> bool:
    """The school's feedback in aggregate with its answers, without names: its 家委会."""
    return is_committee_member(user, school_id)


def can_manage_committee(user, school_id) -> bool:
    """Put parents on (or off) the school's 家委会: its admins."""
    return _role(user) == Role.SCHOOL_ADMIN and same_school(user, school_id)


def can_view_feedback_supervision(user) -> bool:
    """Response times and open feedback of every school: district admins."""
    return is_district_admin(user)
