"""A loopback HTTP receiver for webhook tests: records every POST and answers per path from a
plan (SYNTHESIZED replies, e.g. a 429 with ``Retry-After: 2``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class WebhookReceiver:
    """Loopback HTTP receiver: records POSTs, answers per path from ``plan`` (FIFO; the last
    planned reply repeats; 200 "ok" when nothing is planned)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.plan: dict[str, list[tuple[int, str]]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.path, body))
                path = urlsplit(self.path).path
                queue = receiver.plan.get(path, [])
                status, text = queue.pop(0) if len(queue) > 1 else (queue[0] if queue else
                                                                     (200, "ok"))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "2")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(b) for p, b in self.requests if urlsplit(p).path == path]
