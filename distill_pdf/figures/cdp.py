"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Why our own: the PyPI drivers either download a browser of their own at run time or need
a websocket stack; the pipe needs neither (fd 3 carries commands to the browser, fd 4 its
answers, each message JSON ended by a NUL byte). Calls are synchronous; events arrive
while a call waits and go to the handlers registered for their method, so request
interception (``Fetch.requestPaused``) is answered even while a page's script is awaited.
"""
from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
from typing import Callable


class CdpError(Exception):
    """The browser answered a call with an error, closed the pipe, or did not answer in time."""


class Timeout(CdpError):
    pass


Handler = Callable[[str | None, dict], None]  # (session id, params)


class Connection:
    def __init__(self, command: list[str]):
        to_browser_r, self._write_fd = os.pipe()
        self._read_fd, from_browser_w = os.pipe()

        def wire_fds():  # in the child: the browser reads fd 3 and writes fd 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=wire_fds,
                                        close_fds=False)  # our own fds are not inheritable (PEP 446)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._answers: dict[int, dict] = {}
        self._awaited: set[int] = set()
        self.handlers: dict[str, Handler] = {}

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        """Send a call without waiting for its answer (answers nobody waits for are dropped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            try:
                data = data[os.write(self._write_fd, data):]
            except BrokenPipeError:
                raise CdpError("the browser closed its pipe") from None
        return self._next_id

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        wanted = self.send(method, params, session)
        self._awaited.add(wanted)
        deadline = time.monotonic() + timeout
        try:
            while wanted not in self._answers:
                self._receive(deadline, method)
        finally:
            self._awaited.discard(wanted)
        answer = self._answers.pop(wanted)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer.get("result", {})

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Handle events until ``predicate()`` holds (a handler sets what it checks)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self._receive(deadline, what)

    def _receive(self, deadline: float, what: str) -> None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"{what}: no answer within the time limit")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if ready:
                chunk = os.read(self._read_fd, 1 << 20)
                if not chunk:
                    raise CdpError("the browser closed its pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "id" in message:
            if message["id"] in self._awaited:
                self._answers[message["id"]] = message
        elif message.get("method") in self.handlers:
            self.handlers[message["method"]](message.get("sessionId"), message.get("params", {}))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except CdpError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._read_fd, self._write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

