"""Account rules: schools, users, one-time passwords, sign-in and password changes.

Plain functions that take plain values and raise AccountError subclasses; the pages, the
JSON API and the CLI all call them. Admin actions are written to the audit log. One module a
job: errors, directory (lookups and schools), passwords (and sign-in), users (creating),
editing, promotion (the new school year), csv_import; `from hplearn.accounts import services`
gives them all.
"""

from hplearn.accounts.services.csv_import import (  # noqa: F401
    IMPORT_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    decode_upload,
    import_users,
)
from hplearn.accounts.services.directory import (  # noqa: F401
    all_schools,
    create_school,
    list_users,
    load_user,
    managed_school,
    managed_user,
    rename_school,
    school_by_code,
    school_overview,
    user_by_username,
)
from hplearn.accounts.services.editing import (  # noqa: F401
    EDIT_CLEANERS,
    EDITABLE_FIELDS,
    STUDENT_FIELDS,
    TEACHER_FIELDS,
    assignable_roles,
    update_user,
)
from hplearn.accounts.services.errors import (  # noqa: F401
    AccountError,
    AlreadyPromoted,
    ImportRejected,
    InvalidCredentials,
    NewAccount,
    NotAllowed,
    PasswordRejected,
    SchoolNotFound,
    SignInThrottled,
    UserNotFound,
    WrongCurrentPassword,
)
from hplearn.accounts.services.passwords import (  # noqa: F401
    ONE_TIME_ALPHABET,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    authenticate,
    change_password,
    check_password_rules,
    generate_one_time_password,
    reset_password,
)
from hplearn.accounts.services.promotion import (  # noqa: F401
    SCHOOL_YEAR_START_MONTH,
    Promotion,
    current_school_year,
    promote_school,
    school_year_label,
    school_year_of,
)
from hplearn.accounts.services.sessions import (  # noqa: F401
    KEPT_FORM_MINUTES,
    end_sessions,
    keep_form,
    take_kept_form,
)
from hplearn.accounts.services.users import (  # noqa: F401
    COUNSELLOR_ACTIONS,
    USERNAME_PATTERN,
    CounsellorRow,
    UserFields,
    admin_create_user,
    check_user_fields,
    counsellor_overview,
    create_user,
    district_admins,
    record_counsellor_change,
    safeguarding_staff_overview,
    set_active,
)
