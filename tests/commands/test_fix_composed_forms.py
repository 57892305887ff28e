"""`tfinterop fix` replaces what a TF 1.x target cannot run by composed forms (compat/composed_forms.py), proven
in the real TF Java 1.8 and 1.15 against TensorFlow 2.21: Einsum as Keras' MultiHeadAttention and EinsumDense
emit it and as tf.einsum writes it (ellipsis, one operand, an outer product), BroadcastTo (a shape known at run
time, bool too), a grouped convolution (Keras 3's, an XLA function nested in the layer's call that freezing
leaves, inlined here; then DepthwiseConv2dNative, or one Conv2D per group), half-pixel bilinear and nearest
resizes up and down, and FusedBatchNormV3 in NCHW in both modes (training mode is how Keras 2's
LayerNormalization normalises); and the ops the layer survey found (harness/layer_survey.py): DivNoNan, MulNoNan,
Xlogy, Xlog1py on -0.0, the infinities and NaN against each other and broadcast, DenseBincount counting and
binary, Equal with incompatible_shape_error=False, StaticRegexReplace."""

import json

import numpy as np
import pytest

from conftest import cli, python_run

BUILD = r'''
import sys
import numpy as np
import keras
import tensorflow as tf

keras.utils.set_random_seed(0)


class Composed(tf.Module):
    def __init__(self):
        self.attention = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
        self.depthwise = keras.layers.Conv2D(4, 3, padding="same", groups=4)    # one channel per group
        self.grouped = keras.layers.Conv2D(6, 3, groups=2)                      # two per group
        self.scale = tf.Variable(np.linspace(0.5, 2, 6, dtype=np.float32))
        self.offset = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32))
        image = tf.zeros([1, 5, 6, 4])        # the layers make their weights when first called: here, not in serve
        self.grouped(self.depthwise(image))
        self.attention(tf.zeros([1, 30, 4]), tf.zeros([1, 30, 4]))
        # Keras 3 layers are not tf.Modules: their tf.Variables are tracked here, so that tf.saved_model.save keeps them.
        self.keras_weights = [w.value for layer in (self.attention, self.depthwise, self.grouped) for w in layer.weights]

    @tf.function(input_signature=[tf.TensorSpec([None, 5, 6, 4], tf.float32), tf.TensorSpec([None, 3, 4], tf.float32),
                                  tf.TensorSpec([None, 3, 4], tf.bool)])
    def serve(self, image, v, flags):
        tokens = tf.reshape(image, [-1, 30, 4])
        grouped = self.grouped(self.depthwise(image))                          # [n, 3, 4, 6]
        nchw = tf.transpose(grouped, [0, 3, 1, 2])
        training = tf.raw_ops.FusedBatchNormV3(x=nchw, scale=self.scale, offset=self.offset, mean=[], variance=[],
                                               epsilon=1e-3, data_format="NCHW", is_training=True)[0]
        inference = tf.raw_ops.FusedBatchNormV3(x=nchw, scale=self.scale, offset=self.offset, mean=self.offset,
                                                variance=self.scale, epsilon=1e-3, data_format="NCHW",
                                                is_training=False)[0]
        return {"attention": self.attention(tokens, tokens),
                "grouped": grouped, "norm_training": training, "norm_inference": inference,
                "bilinear_up": tf.image.resize(image, [9, 13]), "bilinear_down": tf.image.resize(image, [3, 4]),
                "nearest_up": tf.image.resize(image, [9, 13], method="nearest"),
                "nearest_down": tf.image.resize(image, [2, 5], method="nearest"),
                "broadcast": tf.broadcast_to(v[:, :1], tf.shape(v)),
                "broadcast_bool": tf.broadcast_to(flags[:, :1], tf.shape(flags)),
                "einsum_ellipsis": tf.einsum("...ij,...kj->...ik", v, v),
                "einsum_unary": tf.einsum("bij->jb", v),
                "einsum_outer": tf.einsum("bi,bj->bij", v[:, 0], v[:, 1])}


module = Composed()
tf.saved_model.save(module, sys.argv[1], signatures={"serving_default": module.serve})
'''

FORMS = ["Einsum->Einsum (2 operands)", "Einsum->Einsum (1 operand)", "BroadcastTo->Mul by ones",
         "Conv2D->DepthwiseConv2dNative", "Conv2D->2 Conv2D groups", "FusedBatchNormV3->FusedBatchNorm in NHWC",
         "ResizeBilinear->GatherV2 and lerp", "ResizeNearestNeighbor->GatherV2 of the nearest rows and columns"]
# What each target lacks or cannot run as used: TF 1.15 has Einsum, BroadcastTo and the resizes' half_pixel_centers.
NEEDED = {"java-tf-1.8.0": FORMS, "java-tf-1.15.0": FORMS[3:6]}


def _built(tmp_path_factory, name, script):
    """A folder holding `model`, the SavedModel the script writes (in TensorFlow 2.21)."""
    folder = tmp_path_factory.mktemp(name)
    built = python_run("-c", script, folder / "model")
    assert built.returncode == 0, built.stderr[-3000:]
    return folder


def _fixed(folder, tmp_path, target) -> tuple:
    """fix of folder/model on folder/inputs.npz for the target: (the forms it used, its outputs by key)."""
    r = cli("fix", folder / "model", "--out", tmp_path / "fixed", "--target", target,
            "--inputs", folder / "inputs.npz", "--json", tmp_path / "report.json")
    assert r.returncode == 0 and "FIXED and verified" in r.stdout, (r.stdout + r.stderr)[-3000:]
    [signature] = json.loads((tmp_path / "report.json").read_text())["signatures"]
    used = {kind[len("legacy-form "):] for kind in signature["rewrites"] if kind.startswith("legacy-form ")}
    return used, {o["key"]: o for o in signature["verification"]["outputs"]}


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    folder = _built(tmp_path_factory, "composed", BUILD)
    rng = np.random.RandomState(0)
    v = rng.randn(6, 3, 4).astype(np.float32) * 3
    v[0, 0] = [-0.0, np.inf, -np.inf, np.nan]
    np.savez(folder / "inputs.npz", image=rng.randn(6, 5, 6, 4).astype(np.float32), v=v, flags=rng.rand(6, 3, 4) > .5)
    return folder


@pytest.mark.parametrize("target", list(NEEDED))
def test_composed_forms_are_fixed_for_tf_java_1x_and_agree(composed, tmp_path, target, java_built):
    used, outputs = _fixed(composed, tmp_path, target)
    assert set(NEEDED[target]) <= used, used
    assert not set(FORMS[:3] + FORMS[6:]) & used if target == "java-tf-1.15.0" else True
    assert len(outputs) == 13 and all(o["agree"] for o in outputs.values()), outputs
    # Selections and a lerp in the kernel's own order: the same floats.
    assert all(outputs[k]["max_abs_error"] == 0 for k in ("nearest_up", "nearest_down", "broadcast")), outputs


NO_NAN_BUILD = r"""
import sys
import tensorflow as tf


class NoNaN(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 4], tf.float32),
                                  tf.TensorSpec([None, 5], tf.int64), tf.TensorSpec([None], tf.string)])
    def serve(self, a, b, ids, words):
        return {"div_no_nan": tf.math.divide_no_nan(a, b), "div_no_nan_broadcast": tf.math.divide_no_nan(a, b[:1]),
                "mul_no_nan": tf.math.multiply_no_nan(a, b), "xlogy": tf.math.xlogy(a, b),
                "xlog1py": tf.math.xlog1py(a, b[:1]),
                "counts": tf.math.bincount(ids, minlength=6, maxlength=6, axis=-1),
                "present": tf.math.bincount(ids, minlength=6, maxlength=6, axis=-1, binary_output=True),
                "equal": tf.raw_ops.Equal(x=a, y=b[:1], incompatible_shape_error=False),
                "vowels": tf.strings.regex_replace(words, "[aeiou]", "_")}


module = NoNaN()
tf.saved_model.save(module, sys.argv[1], signatures={"serving_default": module.serve})
"""

NO_NAN_FORMS = ["DivNoNan->Select of zeros where y is 0", "MulNoNan->Select of zeros where y is 0",
                "Xlogy->Select of zeros where x is 0", "Equal->Equal", "StaticRegexReplace->RegexReplace",
                "Xlog1py->Select of zeros where x is 0", "DenseBincount->Sum of OneHot",
                "DenseBincount->Sum of OneHot, at most 1"]
# TF 1.15 has DivNoNan, MulNoNan, Xlogy, StaticRegexReplace and Equal's attr; neither has Xlog1py nor DenseBincount.
NO_NAN_NEEDED = {"java-tf-1.8.0": NO_NAN_FORMS, "java-tf-1.15.0": NO_NAN_FORMS[5:]}


@pytest.fixture(scope="module")
def no_nan(tmp_path_factory):
    folder = _built(tmp_path_factory, "no-nan", NO_NAN_BUILD)
    rng = np.random.RandomState(0)
    a, b = rng.randn(6, 4).astype(np.float32) * 3, rng.randn(6, 4).astype(np.float32) * 3
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0], np.float32)
    a[:, 0], b[:, 0] = special, special[::-1]          # each special value against another
    a[:, 1], b[:, 1] = special, 0.0                    # against zero, on each side
    a[:, 2], b[:, 2] = 0.0, special
    b[0] = [0.0, -0.0, np.nan, -1.0]                   # the broadcast row: zeros, NaN, the log of a negative
    ids = rng.randint(0, 8, (6, 5))                    # 6 and 7 are past the bins: counted nowhere
    np.savez(folder / "inputs.npz", a=a, b=b, ids=ids,
             words=np.array([b"cat", b"", b"queue", b"\xc3\xa9a", b"xyz", b"aeiou"]))
    return folder


@pytest.mark.parametrize("target", list(NO_NAN_NEEDED))
def test_no_nan_arithmetic_bincount_and_the_rest_are_fixed_for_tf_java_1x_and_agree(no_nan, tmp_path, target,
                                                                                     java_built):
    used, outputs = _fixed(no_nan, tmp_path, target)
    assert used == set(NO_NAN_NEEDED[target]), used
    assert len(outputs) == 9 and all(o["agree"] for o in outputs.values()), outputs
    # A selection of the same quotient or product: the same floats, NaN and infinities in the same places.
    assert all(outputs[k]["max_abs_error"] == 0 for k in ("div_no_nan", "div_no_nan_broadcast", "mul_no_nan")), outputs


def test_an_op_with_no_form_is_refused_with_its_reason(tmp_path):
    """StringLower (TextVectorization's standardize) has no form in TF 1.8's ops: fix names the node, the op and
    why, and writes nothing; check gives the same reason as its advice."""
    built = python_run("-c", """
import sys
import tensorflow as tf
m = tf.Module()
m.f = tf.function(lambda s: {"lower": tf.strings.lower(s)}, input_signature=[tf.TensorSpec([None], tf.string)])
tf.saved_model.save(m, sys.argv[1], signatures={"serving_default": m.f})
""", tmp_path / "model")
    assert built.returncode == 0, built.stderr[-3000:]
    r = cli("fix", tmp_path / "model", "--out", tmp_path / "fixed")
    assert r.returncode == 1 and not (tmp_path / "fixed").exists(), r.stdout + r.stderr
    assert "(op 'StringLower': no legacy form: TF 1.8 has no op that maps a string's bytes" in r.stdout + r.stderr
    checked = cli("check", tmp_path / "model")
    assert checked.returncode == 1 and "fix: java-tf-1.8.0 has no op of that name, and no exact form of it: TF 1.8 " \
        "has no op that maps a string's bytes" in checked.stdout, checked.stdout
