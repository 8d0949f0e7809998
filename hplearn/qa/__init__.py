"""The Q&A board: students ask, routed teachers claim and answer, minors stay safe."""

DEFAULTS = {
    # Minutes a claim holds before the question returns to the queue.
    "QA_CLAIM_MINUTES": 30,
    # The claimer is reminded this many minutes before the claim runs out.
    "QA_CLAIM_WARN_MINUTES": 5,
    # Reply target in service hours; unclaimed questions past it go to the whole district.
    "QA_TARGET_HOURS": 24,
    # Mental-health questions go to district counsellors after this many real minutes.
    "QA_URGENT_TARGET_MINUTES": 30,
    # Service hours: ISO weekdays and the daily window in Asia/Shanghai; closed dates (holidays).
    "QA_SERVICE_DAYS": "1-5",
    "QA_SERVICE_START": "16:00",
    "QA_SERVICE_END": "20:30",
    "QA_CLOSED_DATES": [],
    "QA_QUEUE_LIMIT": 50,
}


def init_app(app) -> None:
    """Fill in Q&A settings the deployment did not set and add the template helpers."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    check_settings(app.config)
    from hplearn.qa import search_documents, services, statistics  # noqa: F401  (registers "question")

    statistics.connect()

    app.jinja_env.globals["qa_resource_questions"] = services.questions_for_resource_page


def check_settings(config) -> None:
    """Refuse Q&A settings hplearn cannot work with, naming the setting (ConfigError)."""
    from hplearn.config import ConfigError
    from hplearn.qa.service_hours import parse_schedule

    for name in ("QA_CLAIM_MINUTES", "QA_TARGET_HOURS", "QA_URGENT_TARGET_MINUTES",
                 "QA_QUEUE_LIMIT", "QA_CLAIM_WARN_MINUTES"):
        value = config[name]
        lowest_ok = 0 if name == "QA_CLAIM_WARN_MINUTES" else 1e-9
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < lowest_ok:
            raise ConfigError(f"{name} must be a positive number, not {value!r}")
    closed = config["QA_CLOSED_DATES"]
    if not isinstance(closed, (list, tuple)):
        raise ConfigError(f"QA_CLOSED_DATES must be a JSON list of dates, not {closed!r}")
    try:
        parse_schedule(str(config["QA_SERVICE_DAYS"]), str(config["QA_SERVICE_START"]),
                       str(config["QA_SERVICE_END"]), [str(day) for day in closed])
    except ValueError as error:
        raise ConfigError(f"QA service hours: {error}") from None
