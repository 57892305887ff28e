"""`tfinterop fix` rewrites ops TF 1.8 lacks into exact older forms, proven in the real TF Java 1.8 (and the same
model fixed for TF Java 1.15, which has the ops): LeakyRelu
(Maximum for 0 <= alpha <= 1, the kernel's own Select otherwise) and BatchMatMulV2 (BatchMatMul, with the batch
dimensions broadcast explicitly: Reshape and Tile, a size known only at run time read with Shape), and Softmax
of rank 3, which TF 1.8 registers but whose kernel takes 2-D logits only. The inputs hold negatives, -0.0, both
infinities and NaN, so every branch of every form is held to the reference."""

import json

import numpy as np
import pytest

from conftest import cli, python_run

BUILD = r'''
import sys
import numpy as np
import tensorflow as tf

class Attention(tf.Module):
    """What a transformer's attention and a GAN's activations come down to."""
    def __init__(self):
        self.w = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(1, 4, 3))
        self.v = tf.Variable(np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3))

    @tf.function(input_signature=[tf.TensorSpec([None, 5, 4], tf.float32)])
    def serve(self, x):
        a = tf.nn.leaky_relu(x, alpha=0.2)
        b = tf.nn.leaky_relu(x, alpha=1.5)
        scores = tf.matmul(a, tf.transpose(b, [0, 2, 1]))     # [n,5,4] x [n,4,5]: the same batch dimensions
        mixed = tf.matmul(tf.nn.softmax(scores), b)           # [n,5,5] x [n,5,4]
        return {"scores": scores, "mixed": mixed,
                "broadcast": tf.matmul(a, self.w),            # [n,5,4] x [1,4,3]: tiled to n at run time
                "lower_rank": tf.matmul(b, self.v)}           # [n,5,4] x [4,3]: reshaped to [1,4,3], then tiled

class Unknown(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None, 5, 4], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    def serve(self, x, y):
        return {"out": tf.matmul(x, y)}                       # a rank-2 input whose shape is known only at run time

for name, module in (("attention", Attention()), ("unknown", Unknown())):
    tf.saved_model.save(module, f"{sys.argv[1]}/{name}", signatures={"serving_default": module.serve})
'''


# The rewrites each target needs: TF 1.15 has LeakyRelu and BatchMatMulV2. TF 1.8 has Softmax, but its kernel takes
# 2-D logits only: "logits must be 2-dimensional" (measured) without the form.
REWRITES = {"java-tf-1.8.0": {"legacy-form LeakyRelu->Maximum": 1, "legacy-form LeakyRelu->Select": 1,
                              "legacy-form BatchMatMulV2->BatchMatMul": 4, "legacy-form Softmax->Softmax of 2-D": 1},
            "java-tf-1.15.0": {"legacy-form Softmax->Softmax of 2-D": 1}}


@pytest.mark.parametrize("target", list(REWRITES))
def test_leaky_relu_and_batch_matmul_v2_are_fixed_for_tf_java_1x_and_agree(tmp_path, target, java_built):
    built = python_run("-c", BUILD, tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    x = np.random.RandomState(0).randn(6, 5, 4).astype(np.float32) * 3
    x[0, 0] = [-0.0, np.inf, -np.inf, np.nan]
    np.savez(tmp_path / "x.npz", x=x)
    r = cli("fix", tmp_path / "attention", "--out", tmp_path / "fixed", "--inputs", tmp_path / "x.npz",
            "--target", target, "--json", tmp_path / "report.json")
    assert r.returncode == 0 and "FIXED and verified" in r.stdout, r.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    [signature] = report["signatures"]
    forms = {k: n for k, n in signature["rewrites"].items() if k.startswith("legacy-form")}
    assert forms == REWRITES[target]
    outputs = {o["key"]: o for o in signature["verification"]["outputs"]}
    assert sorted(outputs) == ["broadcast", "lower_rank", "mixed", "scores"]
    assert all(o["agree"] for o in outputs.values()), outputs
    assert signature["verification"]["status"] == "agree" and signature["verification"]["inputs"].endswith("x.npz")


def test_a_batch_matmul_whose_broadcast_is_unknown_is_refused_with_the_reason(tmp_path, java_built):
    built = python_run("-c", BUILD, tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    r = cli("fix", tmp_path / "unknown", "--out", tmp_path / "fixed")
    assert r.returncode == 1 and "REFUSED, nothing written" in r.stdout, r.stderr[-3000:]
    assert "op 'BatchMatMulV2': its legacy form does not fit: its shapes (None, 5, 4) and (None, 3)" \
        in r.stdout and "the input of lower rank has a shape known only at run time" in r.stdout
    assert not (tmp_path / "fixed").exists()
