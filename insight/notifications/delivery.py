"""Deliver a rendered message: email over SMTP, a Slack-compatible webhook, or a file.

Every message carries its delivery id as an idempotency key (the email Message-ID, the webhook's
``Idempotency-Key`` header, the file name), so a retry after an ambiguous failure can be
recognised downstream. Failures raise ``DeliveryError`` with the reason; the scheduler retries.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import httpx

from insight.config import DeliveryConfig, Recipient
from insight.errors import InsightError


class DeliveryError(InsightError):
    """A message could not be delivered this time (server down, refused, bad response)."""


@dataclass(frozen=True)
class Message:
    delivery_id: str
    subject: str
    text: str
    html: str
    recipient: Recipient
    chart_png: bytes | None = None
    data: dict[str, Any] = field(default_factory=dict)


def message_id(delivery_id: str) -> str:
    return f"<{hashlib.sha256(delivery_id.encode()).hexdigest()[:32]}@insight.local>"


def email_message(message: Message, sender: str) -> EmailMessage:
    """text/plain + text/html alternative; the chart rides along inline (cid:chart)."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = ", ".join(message.recipient.to)
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id(message.delivery_id)
    email["X-Insight-Delivery"] = message.delivery_id
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    if message.chart_png:
        html_part = email.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(message.chart_png, "image", "png", cid="<chart>")
    return email


def _send_email(message: Message, cfg: DeliveryConfig) -> None:
    email = email_message(message, cfg.sender)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_username:
                smtp.login(cfg.smtp_username, os.environ.get(cfg.smtp_password_env, ""))
            refused = smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"SMTP {cfg.smtp_host}:{cfg.smtp_port}: {type(exc).__name__}: {exc}"
        ) from None
    if refused:
        raise DeliveryError(f"SMTP refused recipients: {sorted(refused)}")


def slack_escape(text: str) -> str:
    """Comment text as Slack shows it literally: ``<!channel>``, ``<@U123>`` and links written
    by a customer stay text instead of pinging a channel or a person."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post_webhook(message: Message, cfg: DeliveryConfig) -> None:
    url = message.recipient.url or ""
    text = f"*{slack_escape(message.subject)}*\n{slack_escape(message.text)}"
    body = {"text": text, "insight": message.data}
    try:
        response = httpx.post(
            url,
            json=body,
            headers={"Idempotency-Key": message.delivery_id},
            timeout=cfg.timeout_s,
        )
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {url} answered {response.status_code}")


def _write_file(message: Message, cfg: DeliveryConfig) -> None:
    folder = message.recipient.folder
    assert folder is not None
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", message.delivery_id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.eml").write_bytes(bytes(email_message(message, cfg.sender)))
        (folder / f"{stem}.json").write_text(
            json.dumps({"subject": message.subject, "text": message.text, "data": message.data}),
            encoding="utf-8",
        )
    except OSError as exc:
        raise DeliveryError(f"cannot write to {folder}: {exc}") from None


def deliver(message: Message, cfg: DeliveryConfig) -> None:
    channel = message.recipient.channel
    if channel == "email":
        _send_email(message, cfg)
    elif channel == "webhook":
        _post_webhook(message, cfg)
    else:
        _write_file(message, cfg)
