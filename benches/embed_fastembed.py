"""Embedding throughput of the Python `fastembed` package on belegt's model files.

    python benches/embed_fastembed.py MODEL_DIR PASSAGES.json BATCH [BATCH ...]

Prints one JSON line per batch size: {"impl": "fastembed-py", "batch", "texts", "seconds"}.
Passages get the same "passage: " prefix belegt adds. Run by benches/embed.sh.
"""
import json
import sys
import time

from fastembed import TextEmbedding
from fastembed.common.model_description import ModelSource, PoolingType


def main() -> None:
    model_dir, passages_file, *batches = sys.argv[1:]
    passages = ["passage: " + p for p in json.load(open(passages_file, encoding="utf-8"))]
    name = "belegt/multilingual-e5-small-q4"
    TextEmbedding.add_custom_model(
        model=name,
        pooling=PoolingType.MEAN,
        normalization=True,
        sources=ModelSource(hf=name),
        dim=384,
        model_file="model.onnx",
    )
    model = TextEmbedding(name, specific_model_path=model_dir)
    for batch in batches:
        batch = int(batch)
        list(model.embed(passages[:2], batch_size=1))  # warm-up
        start = time.perf_counter()
        vectors = list(model.embed(passages, batch_size=batch))
        seconds = time.perf_counter() - start
        assert len(vectors) == len(passages)
        print(json.dumps({"impl": "fastembed-py", "batch": batch, "texts": len(passages), "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
