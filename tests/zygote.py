"""Fast `scrapy` subprocesses for the end-to-end tests.

Each test crawl runs the real `scrapy` command line in a process of its own, but a fresh Python that
imports Scrapy and Twisted costs ~2.5 s before it does anything, for ~200 crawls in the suite. A
"zygote" process imports those once (no crawler module, no reactor: nothing that reads the
environment at import time) and forks a child per crawl, which takes its working directory,
environment and arguments and runs `scrapy.cmdline.execute` as `python -m scrapy` would. Output goes
to files the caller reads; the exit status is the child's.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_CODE = r'''
import json, os, sys, signal
import scrapy, scrapy.cmdline, scrapy.crawler, scrapy.http, scrapy.spiders  # the slow imports, once
import twisted.internet.defer, lxml.etree, parsel, w3lib.url, jsonschema, trafilatura
# The project's modules too: none reads the environment when imported (the registry's folder,
# TAPHUAN_HOME and the settings are read when used), and none has loaded the registry yet.
import crawler.adapters.spiders.base, crawler.adapters.pipelines, crawler.adapters.delivery
import crawler.adapters.extensions, crawler.adapters.middlewares, crawler.adapters.commands.crawl
import crawler.adapters.commands.crawlall, crawler.tools.runner, crawler.relevance, crawler.extract
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(err, 2)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            sys.stdin = open(os.devnull)
            sys.stdout = os.fdopen(1, "w", buffering=1)
            sys.stderr = os.fdopen(2, "w", buffering=1)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.argv = ["scrapy", *job["args"]]
            sys.path[:0] = [p for p in job["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
            code = 0
            try:
                scrapy.cmdline.execute()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        except BaseException:
            import traceback
            traceback.print_exc()
            os._exit(70)
    sys.stdout.write(json.dumps({"pid": pid}) + "\n")
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(json.dumps({"rc": code}) + "\n")
    sys.stdout.flush()
'''


class Zygote:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.lock = threading.Lock()

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock, tempfile.TemporaryDirectory() as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            job = {"args": args, "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)}
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            pid = json.loads(self.proc.stdout.readline())["pid"]
            timed_out = threading.Event()
            timer = threading.Timer(timeout, lambda: (timed_out.set(), _kill(pid)))
            timer.start()
            try:
                rc = json.loads(self.proc.stdout.readline())["rc"]
            finally:
                timer.cancel()
            if timed_out.is_set():
                raise subprocess.TimeoutExpired(["scrapy", *args], timeout)
            return subprocess.CompletedProcess(["scrapy", *args], rc, out.read_text("utf-8", "replace"),
                                               err.read_text("utf-8", "replace"))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)


_ZYGOTE: Zygote | None = None


def zygote() -> Zygote:
    global _ZYGOTE
    if _ZYGOTE is None or _ZYGOTE.proc.poll() is not None:
        _ZYGOTE = Zygote()
        atexit.register(_ZYGOTE.close)
    return _ZYGOTE
