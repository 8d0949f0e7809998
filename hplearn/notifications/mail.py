"""Sending one notification email over SMTP (the outbox does, when HPLEARN_MAIL_SERVER is set)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage


def mail_settings(config) -> dict | None:
    """The SMTP settings from app config, or None when mail is not configured."""
    server = config.get("MAIL_SERVER")
    if not server:
        return None
    return {
        "server": server,
        "port": int(config.get("MAIL_PORT") or 25),
        "username": config.get("MAIL_USERNAME") or None,
        "password": config.get("MAIL_PASSWORD") or None,
        "use_tls": bool(config.get("MAIL_USE_TLS")),
        "sender": config.get("MAIL_SENDER") or "noreply@hplearn.local",
        "timeout": float(config.get("MAIL_TIMEOUT") or 10),
    }


def build_message(sender: str, recipient: str, subject: str, text: str) -> EmailMessage:
    """A plain-text UTF-8 email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(text)
    return message


def deliver(settings: dict, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raise OSError or SMTPException when it fails."""
    server = smtplib.SMTP(settings["server"], settings["port"], timeout=settings["timeout"])
    with server as smtp:
        if settings["use_tls"]:
            smtp.starttls()
        if settings["username"]:
            smtp.login(settings["username"], settings["password"] or "")
        smtp.send_message(message)
