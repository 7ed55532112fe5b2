"""A loopback OpenAI-compatible embeddings server for tests (``POST /v1/embeddings``).

The vectors are SYNTHESIZED, deterministic and tiny: each lower-cased word is mapped through
``concepts`` (word → concept name; words not in it stand for themselves), crudely stemmed
(a trailing ``s``), and hashed into one of ``dim`` buckets; a text's vector is the bucket
counts (bucket 0 alone for a text without such a word). Two texts that use different words for the same concepts therefore embed alike — the
behaviour that dense retrieval adds to BM25, with no model. The answer follows OpenAI's
documented shape: ``{"object": "list", "data": [{"object": "embedding", "index": i,
"embedding": [...]}], "model": ..., "usage": {"prompt_tokens": n, "total_tokens": n}}``.

``replies`` scripts bad answers: each request to ``/v1/embeddings`` takes the next item, a
function of the request's texts returning the JSON payload to send (or ``bytes``, sent as
they are); when the list is empty the answers are good again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.loopback import LoopbackServer


def fake_vector(text: str, concepts: Mapping[str, str], dim: int) -> list[float]:
    vector = [0.0] * dim
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        concept = concepts.get(word, word)
        bucket = int(hashlib.sha1(concept.encode()).hexdigest(), 16) % dim
        vector[bucket] += 1.0
    if not any(vector):  # no word (e.g. Chinese text): one fixed bucket, as a model never
        vector[0] = 1.0  # answers an all-zero vector (rejected as malformed)
    return vector


class FakeEmbeddings(LoopbackServer):
    """``with FakeEmbeddings({"tongue": "language"}) as emb: emb.base_url …``"""

    def __init__(self, concepts: Mapping[str, str] | None = None, dim: int = 512,
                 status: int = 200,
                 replies: list[Callable[[list[str]], Any]] | None = None) -> None:
        self._init_loopback()
        self.replies = list(replies or [])
        self.concepts = dict(concepts or {})
        self.dim = dim
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        """The ``Authorization`` header of each request, in order."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    def _make_server(self) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(body)
                fake.authorizations.append(self.headers.get("Authorization") or "")
                if self.path.rstrip("/") != "/v1/embeddings" or fake.status != 200:
                    status = 404 if fake.status == 200 else fake.status
                    self._send(status, {"error": {"message": "synthesized error",
                                                  "type": "server_error", "code": None}})
                    return
                texts = body.get("input") or []
                if isinstance(texts, str):
                    texts = [texts]
                if fake.replies:
                    scripted = fake.replies.pop(0)(list(texts))
                    if isinstance(scripted, bytes):
                        self._send_raw(200, scripted)
                    else:
                        self._send(200, scripted)
                    return
                data = [{"object": "embedding", "index": i,
                         "embedding": fake_vector(t, fake.concepts, fake.dim)}
                        for i, t in enumerate(texts)]
                tokens = sum(len(t.split()) for t in texts)
                self._send(200, {"object": "list", "data": data, "model": body.get("model"),
                                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._send_raw(status, json.dumps(payload).encode())

            def _send_raw(self, status: int, raw: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return ThreadingHTTPServer(("127.0.0.1", 0), Handler)
