"""Tell the operator when a run needs attention: one e-mail (SMTP) and/or one Slack message per
run, listing the sites that are not ok/quiet with their verdict and the monitors' sentences.

Off by default: NOTIFY_EMAIL_TO / NOTIFY_SLACK_WEBHOOK / NOTIFY_TELEGRAM_BOT_TOKEN unset. One message
per run, not per site: a morning with 30 sites down is one mail. NOTIFY_ALWAYS sends it for a healthy run too.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crawler.adapters.verdict import SiteSummary

logger = logging.getLogger(__name__)


def needs_attention(summaries: Sequence[SiteSummary]) -> list[SiteSummary]:
    return [s for s in summaries if s.verdict in ("degraded", "failed") or s.monitors]


def message_text(run_id: str, summaries: Sequence[SiteSummary]) -> str:
    bad = needs_attention(summaries)
    verdicts = ", ".join(f"{v} {sum(1 for s in summaries if s.verdict == v)}"
                         for v in ("ok", "quiet", "degraded", "failed", "skipped")
                         if any(s.verdict == v for s in summaries))
    lines = [f"Crawl run {run_id}: {len(summaries)} site(s): {verdicts}; "
             f"{sum(s.items for s in summaries)} new item(s)."]
    lines += [f"- {s.site}: {s.verdict}: {s.message or ''}".rstrip(": ") for s in bad]
    return "\n".join(lines)


def send_email(settings: Any, run_id: str, summaries: Sequence[SiteSummary], report: Path | None) -> None:
    to = [a.strip() for a in str(settings.get("NOTIFY_EMAIL_TO") or "").split(",") if a.strip()]
    msg = EmailMessage()
    bad = needs_attention(summaries)
    msg["Subject"] = f"[taphuan-crawler] run {run_id}: " + (
        f"{len(bad)} site(s) need attention" if bad else "all sites ok")
    msg["From"] = str(settings.get("NOTIFY_EMAIL_FROM") or "taphuan-crawler@localhost")
    msg["To"] = ", ".join(to)
    msg.set_content(message_text(run_id, summaries))
    if report is not None and report.is_file():
        msg.add_attachment(report.read_bytes(), maintype="text", subtype="html", filename="report.html")
    host, port = str(settings.get("NOTIFY_SMTP_HOST")), settings.getint("NOTIFY_SMTP_PORT")
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if settings.getbool("NOTIFY_SMTP_STARTTLS"):
            smtp.starttls()
        if settings.get("NOTIFY_SMTP_USER"):
            smtp.login(str(settings.get("NOTIFY_SMTP_USER")), str(settings.get("NOTIFY_SMTP_PASSWORD") or ""))
        smtp.send_message(msg)


def send_slack(settings: Any, run_id: str, summaries: Sequence[SiteSummary]) -> None:
    body = json.dumps({"text": message_text(run_id, summaries)}).encode()
    request = urllib.request.Request(str(settings.get("NOTIFY_SLACK_WEBHOOK")), data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


TELEGRAM_LIMIT = 4096  # characters in one Telegram message


def send_telegram(settings: Any, run_id: str, summaries: Sequence[SiteSummary]) -> None:
    """Bot API sendMessage to NOTIFY_TELEGRAM_CHAT_ID. NOTIFY_TELEGRAM_API names the server (Telegram's,
    or a self-hosted Bot API server)."""
    text = message_text(run_id, summaries)
    if len(text) > TELEGRAM_LIMIT:
        text = text[:TELEGRAM_LIMIT - 40].rsplit("\n", 1)[0] + "\n… (the rest in the run report)"
    api = str(settings.get("NOTIFY_TELEGRAM_API")).rstrip("/")
    body = json.dumps({"chat_id": str(settings.get("NOTIFY_TELEGRAM_CHAT_ID")), "text": text,
                       "disable_web_page_preview": True}).encode()
    request = urllib.request.Request(f"{api}/bot{settings.get('NOTIFY_TELEGRAM_BOT_TOKEN')}/sendMessage",
                                     data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read() or b"{}")
    if not answer.get("ok"):
        raise OSError(f"Telegram answered: {answer.get('description') or answer}")


def notify(settings: Any, run_id: str, summaries: Sequence[SiteSummary], report: Path | None) -> list[str]:
    """Sends what the settings ask for; returns one line per channel that failed (never raises)."""
    if not needs_attention(summaries) and not settings.getbool("NOTIFY_ALWAYS"):
        return []
    problems = []
    if settings.get("NOTIFY_EMAIL_TO"):
        try:
            send_email(settings, run_id, summaries, report)
        except (OSError, smtplib.SMTPException) as exc:
            problems.append(f"the e-mail could not be sent via {settings.get('NOTIFY_SMTP_HOST')}: {exc}")
    if settings.get("NOTIFY_SLACK_WEBHOOK"):
        try:
            send_slack(settings, run_id, summaries)
        except OSError as exc:
            problems.append(f"the Slack message could not be sent: {exc}")
    if settings.get("NOTIFY_TELEGRAM_BOT_TOKEN"):
        try:
            if not settings.get("NOTIFY_TELEGRAM_CHAT_ID"):
                raise OSError("NOTIFY_TELEGRAM_CHAT_ID is not set")
            send_telegram(settings, run_id, summaries)
        except (OSError, ValueError) as exc:  # the token stays out of the message: it is in the URL only
            problems.append(f"the Telegram message could not be sent: {exc}")
    return problems
