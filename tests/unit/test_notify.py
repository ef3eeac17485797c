"""crawler/tools/notify.py: one e-mail and one Slack message per run that needs attention, sent to
an SMTP server and a webhook on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

from aiosmtpd.controller import Controller
from scrapy.settings import Settings

from crawler.adapters.verdict import SiteSummary
from crawler.tools.notify import notify

DOWN = SiteSummary(site="baocamau", verdict="failed", pages=0, message="no start page could be fetched",
                   monitors=["site baocamau returned 0 pages where it returned 180 ± 20"])
UNDATED = SiteSummary(site="danang", verdict="degraded", pages=17, items=4,
                      message="site danang: published_at coverage fell from 98% to 12%",
                      monitors=["site danang: published_at coverage fell from 98% to 12%"])
FINE = SiteSummary(site="baodanang", verdict="ok", pages=11, items=2)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def settings(**values: Any) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings")
    s.setdict(values, priority="cmdline")
    return s


def test_email_names_the_sites_and_attaches_the_report(tmp_path: Path) -> None:
    inbox = Inbox()
    with socket.socket() as sock:  # a free port (aiosmtpd's start-up check connects to the given one)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = tmp_path / "report.html"
        report.write_text("<!doctype html><title>r</title>", "utf-8")
        problems = notify(settings(NOTIFY_EMAIL_TO="ops@example.vn", NOTIFY_SMTP_PORT=port),
                "2026-12-05T03-00-00", [UNDATED, DOWN, FINE], report)
    finally:
        controller.stop()
    assert problems == []
    [mail] = inbox.messages
    assert mail["To"] == "ops@example.vn"
    assert mail["Subject"] == "[taphuan-crawler] run 2026-12-05T03-00-00: 2 site(s) need attention"
    parts = list(mail.walk())
    text = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert text.splitlines() == [
        "Crawl run 2026-12-05T03-00-00: 3 site(s): ok 1, degraded 1, failed 1; 6 new item(s).",
        "- danang: degraded: site danang: published_at coverage fell from 98% to 12%",
        "- baocamau: failed: no start page could be fetched",
    ]
    assert [p.get_filename() for p in parts if p.get_filename()] == ["report.html"]


def test_a_healthy_run_sends_nothing_and_an_unreachable_server_is_one_line() -> None:
    assert notify(settings(NOTIFY_EMAIL_TO="ops@example.vn", NOTIFY_SMTP_PORT=1), "r", [FINE], None) == []
    [problem] = notify(settings(NOTIFY_EMAIL_TO="ops@example.vn", NOTIFY_SMTP_PORT=1), "r", [DOWN], None)
    assert problem.startswith("the e-mail could not be sent via 127.0.0.1: ")


def test_slack_webhook_gets_the_same_text() -> None:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    assert notify(settings(NOTIFY_SLACK_WEBHOOK=url), "r1", [DOWN, FINE], None) == []
    thread.join()
    server.server_close()
    assert received == [{"text": "Crawl run r1: 2 site(s): ok 1, failed 1; 2 new item(s).\n"
                                 "- baocamau: failed: no start page could be fetched"}]


class _Bot(BaseHTTPRequestHandler):
    """Telegram's Bot API as far as sendMessage goes."""

    received: ClassVar[list[tuple[str, dict]]] = []
    answer: ClassVar[dict] = {"ok": True, "result": {"message_id": 1}}

    def do_POST(self) -> None:
        self.received.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        body = json.dumps(self.answer).encode()
        self.send_response(200 if self.answer.get("ok") else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _bot(answer: dict) -> tuple[HTTPServer, threading.Thread, type[_Bot]]:
    handler = type("Bot", (_Bot,), {"received": [], "answer": answer})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    return server, thread, handler


def test_telegram_bot_gets_the_same_text_in_its_chat() -> None:
    server, thread, bot = _bot({"ok": True, "result": {"message_id": 7}})
    api = f"http://127.0.0.1:{server.server_address[1]}"
    assert notify(settings(NOTIFY_TELEGRAM_BOT_TOKEN="123:ABC", NOTIFY_TELEGRAM_CHAT_ID="-1001",
                           NOTIFY_TELEGRAM_API=api), "r1", [DOWN, FINE], None) == []
    thread.join()
    server.server_close()
    assert bot.received == [("/bot123:ABC/sendMessage", {
        "chat_id": "-1001", "disable_web_page_preview": True,
        "text": "Crawl run r1: 2 site(s): ok 1, failed 1; 2 new item(s).\n"
                "- baocamau: failed: no start page could be fetched"})]


def test_telegram_refusal_is_one_line_without_the_token() -> None:
    server, thread, _ = _bot({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    api = f"http://127.0.0.1:{server.server_address[1]}"
    problems = notify(settings(NOTIFY_TELEGRAM_BOT_TOKEN="123:SECRET", NOTIFY_TELEGRAM_CHAT_ID="x",
                               NOTIFY_TELEGRAM_API=api), "r1", [DOWN], None)
    thread.join()
    server.server_close()
    assert problems == ["the Telegram message could not be sent: HTTP Error 400: Bad Request"]
    assert notify(settings(NOTIFY_TELEGRAM_BOT_TOKEN="123:SECRET"), "r1", [DOWN], None) == [
        "the Telegram message could not be sent: NOTIFY_TELEGRAM_CHAT_ID is not set"]
