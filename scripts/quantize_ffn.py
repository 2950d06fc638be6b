#!/usr/bin/env python3
"""Make the opt-in int8 variant of belegt's model: int8 weights for the feed-forward layers.

Usage: quantize_ffn.py SOURCE_MODEL.onnx OUT_MODEL.onnx REFERENCE_JSON

onnxruntime.quantization's dynamic quantization (int8 weights per output channel,
activations quantized per call) applied only to the two feed-forward MatMuls of each
layer (`lN.fi.w`, `lN.fo.w`: two thirds of the model's arithmetic); the attention
projections stay fp32. Quantizing every MatMul lost 0.03 recall@5 on the dev set; this
one lost none (BENCHMARKS.md). Then checks the result against the reference embeddings
(check_model.embed, batch 1 and padded) and exits 1 if any cosine to the fp32 pipeline's
vectors is below MIN_COSINE.
"""

import json
import sys

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from check_model import cosine, embed  # noqa: E402

import onnxruntime as ort  # noqa: E402

MIN_COSINE = 0.99


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: quantize_ffn.py SOURCE_MODEL.onnx OUT_MODEL.onnx REFERENCE_JSON")
    source, out, reference = argv[1:]
    graph = onnx.load(source, load_external_data=False).graph
    ffn = [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and n.input[1].endswith((".fi.w", ".fo.w"))
    ]
    if len(ffn) != 24:
        sys.exit(f"quantize_ffn: expected 24 feed-forward MatMuls (12 layers), found {len(ffn)}")
    quantize_dynamic(source, out, weight_type=QuantType.QInt8, per_channel=True, nodes_to_quantize=ffn)

    with open(reference, encoding="utf-8") as f:
        items = json.load(f)["items"]
    session = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
    padded = embed(session, [item["token_ids"] for item in items])
    worst = 1.0
    for item, in_batch in zip(items, padded, strict=True):
        alone = embed(session, [item["token_ids"]])[0]
        for v in (alone, in_batch):
            worst = min(worst, cosine(v, item["embedding_fastembed_onnx"]))
    print(f"quantize_ffn: {len(ffn)} MatMuls int8; lowest cosine to the fp32 vectors {worst:.5f}")
    if worst < MIN_COSINE:
        sys.exit(f"quantize_ffn: FAILED (need >= {MIN_COSINE})")


if __name__ == "__main__":
    main(sys.argv)
