"""A producer in a process of its own: exports given trained weights as SavedModel variants with this
process's TensorFlow (2.x, through harness/export.py). The matrix runs one per producer environment.

Protocol (shared with the legacy testee tf1_testees/producer.py): first line on stdout
{"version": tf.__version__}; stdin holds {"jobs": [{"model", "variant", "weights", "out"}, ...]}; each job
gets one line {"out", "ok", "unsupported", "message"}. `weights` is an .npz of param0..paramN-1 and count,
in the model's variable order (as harness/train.py caches them).

Run one by hand: python -m tfinterop.harness.producer_worker < jobs.json

`--train MODEL --out W.npz [--train MODEL2 --out W2.npz ...] [--data DIR] [--steps N]` instead trains (or
reuses the cached training of) each MODEL with this TensorFlow and writes its weights in that format: the
matrix trains once, with the default TensorFlow, and every producer exports the same weights.
"""

import json
import os
import sys
import traceback
from pathlib import Path

import numpy as np


def export_job(job) -> dict:
    from tfinterop.core.errors import UsageError
    from tfinterop.core.tf_import import tensorflow
    from tfinterop.harness.export import export_variant, VARIANTS
    from tfinterop.harness.models import MODELS
    from tfinterop.harness.train import TrainedModel, TrainingConfig

    if job["model"] not in MODELS:
        return {"unsupported": True, "message": f"this tfinterop has no model {job['model']!r}"}
    if job["variant"] not in VARIANTS:
        return {"unsupported": True, "message": f"this tfinterop has no export variant {job['variant']!r}"}
    with np.load(job["weights"], allow_pickle=False) as z:
        params = [z[f"param{i}"] for i in range(int(z["count"]))]
        test_accuracy = float(z["test_accuracy"]) if "test_accuracy" in z else float("nan")
    trained = TrainedModel(TrainingConfig(model=job["model"]), params, test_accuracy,
                           data_source=f"weights {job['weights']}", tensorflow_version=tensorflow().__version__)
    try:
        export_variant(trained, VARIANTS[job["variant"]], Path(job["out"]), overwrite=True)
    except UsageError as e:
        return {"unsupported": True, "message": str(e)}
    return {}


def serve() -> int:
    from tfinterop.runtimes.worker import reply_channel
    replies = reply_channel()
    from tfinterop.core.tf_import import tensorflow
    replies.write(json.dumps({"version": tensorflow().__version__}) + "\n")
    for job in json.loads(sys.stdin.read())["jobs"]:
        result = {"out": job["out"], "ok": False, "unsupported": False, "message": ""}
        try:
            outcome = export_job(job)
            result.update(outcome)
            result["ok"] = not outcome
        except Exception as e:  # noqa: BLE001 -- one failed export is that cell's result, not the end of the others
            traceback.print_exc()
            result["message"] = f"{type(e).__name__}: {e}"
        replies.write(json.dumps(result) + "\n")
    return 0


def train_weights(argv) -> int:
    import argparse
    import tempfile

    from tfinterop.harness.data import load_mnist
    from tfinterop.harness.train import train_or_load, TrainingConfig

    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.producer_worker")
    parser.add_argument("--train", required=True, action="append", metavar="MODEL", help="repeatable, each with its --out")
    parser.add_argument("--out", required=True, action="append", type=Path)
    parser.add_argument("--data")
    parser.add_argument("--steps", type=int, help="training steps (default: each model's own, models.py)")
    args = parser.parse_args(argv)
    if len(args.train) != len(args.out):
        parser.error("give one --out per --train")
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    mnist = load_mnist(args.data, log=log)
    for model, out in zip(args.train, args.out):          # one process (one TensorFlow import) for all
        trained = train_or_load(mnist, TrainingConfig.for_model(model, steps=args.steps), log=log)
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, count=len(trained.params), test_accuracy=trained.test_accuracy,
                     **{f"param{i}": p for i, p in enumerate(trained.params)})
        os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(train_weights(sys.argv[1:]) if len(sys.argv) > 1 else serve())
