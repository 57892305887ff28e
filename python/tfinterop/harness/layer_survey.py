"""The layer survey (issue #24): one small model per public layer class of `keras.layers` (Keras 3's; Keras 2's
public `tf.keras.layers`), each built with the arguments and input of CASES below and exported as a user exports
it (zoo.export). `make layers` (zoo_run.py --layers) holds each to `check`, fixes it for every TF Java 1.x target
and verifies it there; COMPATIBILITY.md's section "Every Keras layer" (written by zoo_run.py) has the results and
the ops found lacking.

    python -m tfinterop.harness.layer_survey --out DIR [NAME ...]

runs in a producer's own Python (as zoo.py does) and writes DIR/NAME per layer built, DIR/NAME.inputs.npz where
synthesized inputs would prove little, and DIR/zoo.json. A class is not built when it is another name of a class
surveyed, an abstract base, the model's input itself, or a wrapper of another framework's code (NOT_BUILT says why);
a class this table has no case for is listed as such, so a new Keras's new layer shows up rather than slipping by.
"""

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tfinterop.harness import zoo

IMAGE, SEQUENCE, VOLUME, VECTOR = (8, 8, 3), (6, 4), (4, 4, 4, 2), (8,)


@dataclass(frozen=True)
class Case:
    """How one layer class is surveyed."""
    layer: Callable                    # (the layers namespace, keras) -> the layer
    inputs: tuple = (VECTOR,)          # one per model input: a shape (float32), or (shape, dtype)
    call: str = "one"                  # "one" input, a "list" of them, or "args": layer(*inputs)
    feed: Callable | None = None       # () -> {input name: array}: where synthesized inputs would prove little
    adapt: Callable | None = None      # () -> the data layer.adapt() learns from before the model is built


def _ints(high, shape, dtype=np.int64):
    return lambda: {"x": np.random.RandomState(0).randint(0, high, (3, *shape)).astype(dtype)}


def _words(*shape):
    words = np.array([b"the", b"cat", b"sat", b"on", b"mat", b"dog", b"", b"\xc3\xa9"])
    return lambda: {"x": words[np.random.RandomState(0).randint(0, len(words), (3, *shape))]}


def _cell(cell):
    return lambda L, keras: L.RNN(cell(L))


def _tf_saved_model_layer(L, keras):
    """TFSMLayer wraps an exported SavedModel: a Dense one, exported here first."""
    import tempfile
    inner = keras.Sequential([keras.Input(VECTOR), L.Dense(4)])
    folder = Path(tempfile.mkdtemp(prefix="tfsm-")) / "inner"
    zoo.export(inner, folder)
    return L.TFSMLayer(str(folder), call_endpoint="serve")


def _dense_features(L, keras):
    import tensorflow as tf
    return L.DenseFeatures([tf.feature_column.numeric_column("x", shape=VECTOR)])


VALUES = (0, 255)                      # the value range of the image augmentations
CASES = {
    "Activation": Case(lambda L, k: L.Activation("relu")),
    "ActivityRegularization": Case(lambda L, k: L.ActivityRegularization(l1=0.01)),
    "AdaptiveAveragePooling1D": Case(lambda L, k: L.AdaptiveAveragePooling1D(3), (SEQUENCE,)),
    "AdaptiveAveragePooling2D": Case(lambda L, k: L.AdaptiveAveragePooling2D((2, 3)), (IMAGE,)),
    "AdaptiveAveragePooling3D": Case(lambda L, k: L.AdaptiveAveragePooling3D(2), (VOLUME,)),
    "AdaptiveMaxPooling1D": Case(lambda L, k: L.AdaptiveMaxPooling1D(3), (SEQUENCE,)),
    "AdaptiveMaxPooling2D": Case(lambda L, k: L.AdaptiveMaxPooling2D((2, 3)), (IMAGE,)),
    "AdaptiveMaxPooling3D": Case(lambda L, k: L.AdaptiveMaxPooling3D(2), (VOLUME,)),
    "Add": Case(lambda L, k: L.Add(), (VECTOR, VECTOR), "list"),
    "AdditiveAttention": Case(lambda L, k: L.AdditiveAttention(), (SEQUENCE, SEQUENCE), "list"),
    "AlphaDropout": Case(lambda L, k: L.AlphaDropout(0.2)),
    "Attention": Case(lambda L, k: L.Attention(), (SEQUENCE, SEQUENCE), "list"),
    "AugMix": Case(lambda L, k: L.AugMix(value_range=VALUES), (IMAGE,)),
    "AutoContrast": Case(lambda L, k: L.AutoContrast(value_range=VALUES), (IMAGE,)),
    "Average": Case(lambda L, k: L.Average(), (VECTOR, VECTOR), "list"),
    "AveragePooling1D": Case(lambda L, k: L.AveragePooling1D(2), (SEQUENCE,)),
    "AveragePooling2D": Case(lambda L, k: L.AveragePooling2D(2), (IMAGE,)),
    "AveragePooling3D": Case(lambda L, k: L.AveragePooling3D(2), (VOLUME,)),
    "BatchNormalization": Case(lambda L, k: L.BatchNormalization(), (IMAGE,)),
    "Bidirectional": Case(lambda L, k: L.Bidirectional(L.LSTM(4)), (SEQUENCE,)),
    "CategoryEncoding": Case(lambda L, k: L.CategoryEncoding(num_tokens=6, output_mode="multi_hot"),
                             (((4,), "int64"),), feed=_ints(6, (4,))),
    "CenterCrop": Case(lambda L, k: L.CenterCrop(4, 6), (IMAGE,)),
    "Concatenate": Case(lambda L, k: L.Concatenate(), (VECTOR, VECTOR), "list"),
    "ContrastLimitedAdaptiveHistogramEqualization": Case(
        lambda L, k: L.ContrastLimitedAdaptiveHistogramEqualization(value_range=VALUES), (IMAGE,)),
    "Conv1D": Case(lambda L, k: L.Conv1D(4, 3), (SEQUENCE,)),
    "Conv1DTranspose": Case(lambda L, k: L.Conv1DTranspose(4, 3, strides=2), (SEQUENCE,)),
    "Conv2D": Case(lambda L, k: L.Conv2D(4, 3), (IMAGE,)),
    "Conv2DTranspose": Case(lambda L, k: L.Conv2DTranspose(4, 3, strides=2), (IMAGE,)),
    "Conv3D": Case(lambda L, k: L.Conv3D(2, 2), (VOLUME,)),
    "Conv3DTranspose": Case(lambda L, k: L.Conv3DTranspose(2, 2, strides=2), (VOLUME,)),
    "ConvLSTM1D": Case(lambda L, k: L.ConvLSTM1D(2, 3), ((3, 6, 2),)),
    "ConvLSTM2D": Case(lambda L, k: L.ConvLSTM2D(2, 3), ((3, 6, 6, 2),)),
    "ConvLSTM3D": Case(lambda L, k: L.ConvLSTM3D(2, 2), ((2, 4, 4, 4, 1),)),
    "Cropping1D": Case(lambda L, k: L.Cropping1D(1), (SEQUENCE,)),
    "Cropping2D": Case(lambda L, k: L.Cropping2D(1), (IMAGE,)),
    "Cropping3D": Case(lambda L, k: L.Cropping3D(1), (VOLUME,)),
    "CutMix": Case(lambda L, k: L.CutMix(), (IMAGE,)),
    "Dense": Case(lambda L, k: L.Dense(4)),
    "DenseFeatures": Case(_dense_features, call="features"),
    "DepthwiseConv1D": Case(lambda L, k: L.DepthwiseConv1D(3), (SEQUENCE,)),
    "DepthwiseConv2D": Case(lambda L, k: L.DepthwiseConv2D(3), (IMAGE,)),
    "Discretization": Case(lambda L, k: L.Discretization(num_bins=4),
                           adapt=lambda: np.random.RandomState(1).randn(64, *VECTOR).astype(np.float32)),
    "Dot": Case(lambda L, k: L.Dot(axes=1), (VECTOR, VECTOR), "list"),
    "Dropout": Case(lambda L, k: L.Dropout(0.5)),
    "ELU": Case(lambda L, k: L.ELU()),
    "EinsumDense": Case(lambda L, k: L.EinsumDense("abc,cd->abd", output_shape=(None, 5)), (SEQUENCE,)),
    "Embedding": Case(lambda L, k: L.Embedding(10, 4), (((5,), "int32"),)),
    "Equalization": Case(lambda L, k: L.Equalization(value_range=VALUES), (IMAGE,)),
    "Flatten": Case(lambda L, k: L.Flatten(), (IMAGE,)),
    "GRU": Case(lambda L, k: L.GRU(4), (SEQUENCE,)),
    "GRUCell": Case(_cell(lambda L: L.GRUCell(4)), (SEQUENCE,)),
    "GaussianDropout": Case(lambda L, k: L.GaussianDropout(0.2)),
    "GaussianNoise": Case(lambda L, k: L.GaussianNoise(0.2)),
    "GlobalAveragePooling1D": Case(lambda L, k: L.GlobalAveragePooling1D(), (SEQUENCE,)),
    "GlobalAveragePooling2D": Case(lambda L, k: L.GlobalAveragePooling2D(), (IMAGE,)),
    "GlobalAveragePooling3D": Case(lambda L, k: L.GlobalAveragePooling3D(), (VOLUME,)),
    "GlobalMaxPooling1D": Case(lambda L, k: L.GlobalMaxPooling1D(), (SEQUENCE,)),
    "GlobalMaxPooling2D": Case(lambda L, k: L.GlobalMaxPooling2D(), (IMAGE,)),
    "GlobalMaxPooling3D": Case(lambda L, k: L.GlobalMaxPooling3D(), (VOLUME,)),
    "GroupNormalization": Case(lambda L, k: L.GroupNormalization(groups=3), (IMAGE,)),
    "GroupQueryAttention": Case(lambda L, k: L.GroupQueryAttention(head_dim=4, num_query_heads=2,
                                                                   num_key_value_heads=1),
                                (SEQUENCE, SEQUENCE), "args"),
    "HashedCrossing": Case(lambda L, k: L.HashedCrossing(num_bins=8), (((1,), "int64"), ((1,), "int64")), "list",
                           feed=lambda: {f"x{i}": np.random.RandomState(i).randint(0, 9, (3, 1)) for i in (0, 1)}),
    "Hashing": Case(lambda L, k: L.Hashing(num_bins=8), (((4,), "string"),), feed=_words(4)),
    "Identity": Case(lambda L, k: L.Identity()),
    "IntegerLookup": Case(lambda L, k: L.IntegerLookup(vocabulary=[3, 5, 7, 11]), (((4,), "int64"),),
                          feed=_ints(12, (4,))),
    "LSTM": Case(lambda L, k: L.LSTM(4), (SEQUENCE,)),
    "LSTMCell": Case(_cell(lambda L: L.LSTMCell(4)), (SEQUENCE,)),
    "Lambda": Case(lambda L, k: L.Lambda(lambda x: x * 2.0 + 1.0)),
    "LayerNormalization": Case(lambda L, k: L.LayerNormalization(), (SEQUENCE,)),
    "LeakyReLU": Case(lambda L, k: L.LeakyReLU()),
    "LocallyConnected1D": Case(lambda L, k: L.LocallyConnected1D(4, 3), (SEQUENCE,)),
    "LocallyConnected2D": Case(lambda L, k: L.LocallyConnected2D(4, 3), (IMAGE,)),
    "Masking": Case(lambda L, k: L.Masking(0.0), (SEQUENCE,)),
    "MaxPooling1D": Case(lambda L, k: L.MaxPooling1D(), (SEQUENCE,)),
    "MaxPooling2D": Case(lambda L, k: L.MaxPooling2D(), (IMAGE,)),
    "MaxPooling3D": Case(lambda L, k: L.MaxPooling3D(), (VOLUME,)),
    "Maximum": Case(lambda L, k: L.Maximum(), (VECTOR, VECTOR), "list"),
    "MelSpectrogram": Case(lambda L, k: L.MelSpectrogram(fft_length=64, sequence_stride=32, sampling_rate=8000,
                                                         num_mel_bins=16), ((256,),)),
    "Minimum": Case(lambda L, k: L.Minimum(), (VECTOR, VECTOR), "list"),
    "MixUp": Case(lambda L, k: L.MixUp(), (IMAGE,)),
    "MultiHeadAttention": Case(lambda L, k: L.MultiHeadAttention(num_heads=2, key_dim=4), (SEQUENCE, SEQUENCE),
                               "args"),
    "Multiply": Case(lambda L, k: L.Multiply(), (VECTOR, VECTOR), "list"),
    "Normalization": Case(lambda L, k: L.Normalization(),
                          adapt=lambda: np.random.RandomState(1).randn(64, *VECTOR).astype(np.float32)),
    "PReLU": Case(lambda L, k: L.PReLU()),
    "Permute": Case(lambda L, k: L.Permute((2, 1)), (SEQUENCE,)),
    "Pipeline": Case(lambda L, k: L.Pipeline([L.Rescaling(1 / 255), L.CenterCrop(4, 4)]), (IMAGE,)),
    "RMSNormalization": Case(lambda L, k: L.RMSNormalization(), (SEQUENCE,)),
    "RNN": Case(_cell(lambda L: L.SimpleRNNCell(4)), (SEQUENCE,)),
    "RandAugment": Case(lambda L, k: L.RandAugment(value_range=VALUES), (IMAGE,)),
    "RandomBrightness": Case(lambda L, k: L.RandomBrightness(0.2), (IMAGE,)),
    "RandomColorDegeneration": Case(lambda L, k: L.RandomColorDegeneration(0.5), (IMAGE,)),
    "RandomColorJitter": Case(lambda L, k: L.RandomColorJitter(value_range=VALUES, brightness_factor=0.2),
                              (IMAGE,)),
    "RandomContrast": Case(lambda L, k: L.RandomContrast(0.2), (IMAGE,)),
    "RandomCrop": Case(lambda L, k: L.RandomCrop(4, 6), (IMAGE,)),
    "RandomElasticTransform": Case(lambda L, k: L.RandomElasticTransform(value_range=VALUES), (IMAGE,)),
    "RandomErasing": Case(lambda L, k: L.RandomErasing(value_range=VALUES), (IMAGE,)),
    "RandomFlip": Case(lambda L, k: L.RandomFlip(), (IMAGE,)),
    "RandomGaussianBlur": Case(lambda L, k: L.RandomGaussianBlur(value_range=VALUES), (IMAGE,)),
    "RandomGrayscale": Case(lambda L, k: L.RandomGrayscale(), (IMAGE,)),
    "RandomHeight": Case(lambda L, k: L.RandomHeight(0.2), (IMAGE,)),
    "RandomHue": Case(lambda L, k: L.RandomHue(0.2, value_range=VALUES), (IMAGE,)),
    "RandomInvert": Case(lambda L, k: L.RandomInvert(value_range=VALUES), (IMAGE,)),
    "RandomPerspective": Case(lambda L, k: L.RandomPerspective(), (IMAGE,)),
    "RandomPosterization": Case(lambda L, k: L.RandomPosterization(factor=(1, 8), value_range=VALUES), (IMAGE,)),
    "RandomRotation": Case(lambda L, k: L.RandomRotation(0.1), (IMAGE,)),
    "RandomSaturation": Case(lambda L, k: L.RandomSaturation(0.2, value_range=VALUES), (IMAGE,)),
    "RandomSharpness": Case(lambda L, k: L.RandomSharpness(0.2, value_range=VALUES), (IMAGE,)),
    "RandomShear": Case(lambda L, k: L.RandomShear(x_factor=0.1), (IMAGE,)),
    "RandomTranslation": Case(lambda L, k: L.RandomTranslation(0.1, 0.1), (IMAGE,)),
    "RandomWidth": Case(lambda L, k: L.RandomWidth(0.2), (IMAGE,)),
    "RandomZoom": Case(lambda L, k: L.RandomZoom(0.1), (IMAGE,)),
    "ReLU": Case(lambda L, k: L.ReLU()),
    "RepeatVector": Case(lambda L, k: L.RepeatVector(3)),
    "Rescaling": Case(lambda L, k: L.Rescaling(1 / 255, offset=-0.5), (IMAGE,)),
    "Reshape": Case(lambda L, k: L.Reshape((4, 2))),
    "Resizing": Case(lambda L, k: L.Resizing(5, 11), (IMAGE,)),
    "ReversibleEmbedding": Case(lambda L, k: L.ReversibleEmbedding(10, 4), (((5,), "int32"),)),
    # window=None (rectangular): the default Hann window is made with scipy, which the environments do not have.
    "STFTSpectrogram": Case(lambda L, k: L.STFTSpectrogram(frame_length=32, frame_step=16, fft_length=32,
                                                           window=None), ((256, 1),)),
    "SeparableConv1D": Case(lambda L, k: L.SeparableConv1D(4, 3), (SEQUENCE,)),
    "SeparableConv2D": Case(lambda L, k: L.SeparableConv2D(4, 3), (IMAGE,)),
    "SimpleRNN": Case(lambda L, k: L.SimpleRNN(4), (SEQUENCE,)),
    "SimpleRNNCell": Case(_cell(lambda L: L.SimpleRNNCell(4)), (SEQUENCE,)),
    "Softmax": Case(lambda L, k: L.Softmax(), (SEQUENCE,)),
    "Solarization": Case(lambda L, k: L.Solarization(addition_factor=0.5, value_range=VALUES), (IMAGE,)),
    "SpatialDropout1D": Case(lambda L, k: L.SpatialDropout1D(0.2), (SEQUENCE,)),
    "SpatialDropout2D": Case(lambda L, k: L.SpatialDropout2D(0.2), (IMAGE,)),
    "SpatialDropout3D": Case(lambda L, k: L.SpatialDropout3D(0.2), (VOLUME,)),
    "SpectralNormalization": Case(lambda L, k: L.SpectralNormalization(L.Dense(4))),
    "StackedRNNCells": Case(lambda L, k: L.RNN(L.StackedRNNCells([L.LSTMCell(4), L.GRUCell(3)])), (SEQUENCE,)),
    "StringLookup": Case(lambda L, k: L.StringLookup(vocabulary=["the", "cat", "sat", "on"]), (((4,), "string"),),
                         feed=_words(4)),
    "Subtract": Case(lambda L, k: L.Subtract(), (VECTOR, VECTOR), "list"),
    "TFSMLayer": Case(_tf_saved_model_layer),
    "TextVectorization": Case(lambda L, k: L.TextVectorization(max_tokens=20, output_sequence_length=5),
                              (((1,), "string"),), feed=lambda: {"x": np.array(
                                  [[b"the cat sat"], [b"on the mat, the dog"], [b""]])},
                              adapt=lambda: ["the cat sat on the mat", "a dog sat", "the end"]),
    "ThresholdedReLU": Case(lambda L, k: L.ThresholdedReLU(theta=0.5)),
    "TimeDistributed": Case(lambda L, k: L.TimeDistributed(L.Dense(3)), (SEQUENCE,)),
    "UnitNormalization": Case(lambda L, k: L.UnitNormalization()),
    "UpSampling1D": Case(lambda L, k: L.UpSampling1D(2), (SEQUENCE,)),
    "UpSampling2D": Case(lambda L, k: L.UpSampling2D(2), (IMAGE,)),
    "UpSampling3D": Case(lambda L, k: L.UpSampling3D(2), (VOLUME,)),
    "ZeroPadding1D": Case(lambda L, k: L.ZeroPadding1D(1), (SEQUENCE,)),
    "ZeroPadding2D": Case(lambda L, k: L.ZeroPadding2D(1), (IMAGE,)),
    "ZeroPadding3D": Case(lambda L, k: L.ZeroPadding3D(1), (VOLUME,)),
}

# Public classes that are not one layer a served model can be built of.
NOT_BUILT = {
    "InputLayer": "the model's input itself (every model of the survey has one)",
    "Layer": "the base class of every layer: its call is what a subclass writes",
    "Wrapper": "the base class of the wrappers (Bidirectional, TimeDistributed, SpectralNormalization: surveyed)",
    "AbstractRNNCell": "the base class of RNN cells (each cell is surveyed inside keras.layers.RNN)",
    "FlaxLayer": "wraps a Flax module: the JAX backend's (this survey exports with TensorFlow)",
    "JaxLayer": "wraps a JAX function: the JAX backend's (this survey exports with TensorFlow)",
    "TorchModuleWrapper": "wraps a torch.nn.Module: the PyTorch backend's (this survey exports with TensorFlow)",
    "MaxNumBoundingBoxes": "pads the bounding boxes of a detection data pipeline (a dict of boxes and labels), not "
                           "a tensor a served model computes",
}


def public_layers(keras):
    """The public namespace of layers: Keras 3's keras.layers; Keras 2's tf.keras.layers (its own keras.layers
    package holds internal classes too)."""
    import importlib
    return importlib.import_module("keras.api._v2.keras.layers" if keras.__version__.startswith("2.") else
                                   "keras.layers")


def survey(keras) -> dict:
    """Every public class of keras.layers by name -> its Case, or the reason it is not built."""
    import inspect
    layers = public_layers(keras)
    classes = {n: getattr(layers, n) for n in sorted(dir(layers))
               if not n.startswith("_") and inspect.isclass(getattr(layers, n))}
    # Another name of a class (AvgPool2D, Convolution2D, GRUV2): surveyed under the class's own name.
    own = {c: n for n, c in classes.items() if n == c.__name__}
    result = {}
    for name, cls in classes.items():
        if not issubclass(cls, keras.layers.Layer):
            result[name] = f"not a layer ({cls.__module__}.{cls.__name__})"
        elif own.get(cls, name) != name:
            result[name] = f"another name of {own[cls]} (the same class)"
        elif name in NOT_BUILT:
            result[name] = NOT_BUILT[name]
        elif name in CASES:
            result[name] = CASES[name]
        else:
            result[name] = "the survey has no case for it yet (layer_survey.CASES)"
    return result


def make(name, keras):
    """The model of layer class `name`, seeded, or (None, why not)."""
    case = survey(keras).get(name)
    if case is None:
        return None, f"Keras {keras.__version__} has no keras.layers.{name}"
    if isinstance(case, str):
        return None, case
    keras.utils.set_random_seed(0)
    layer = case.layer(public_layers(keras), keras)
    if case.adapt:
        layer.adapt(case.adapt())
    if case.call == "features":             # DenseFeatures takes a dict of features
        x = {"x": keras.Input(VECTOR, name="x")}
        return keras.Model(x, layer(x)), ""
    specs = [s if isinstance(s[-1], str) else (s, "float32") for s in case.inputs]
    xs = [keras.Input(shape, dtype=dtype, name="x" if len(specs) == 1 else f"x{i}")
          for i, (shape, dtype) in enumerate(specs)]
    y = layer(xs[0]) if case.call == "one" else layer(xs) if case.call == "list" else layer(*xs)
    return keras.Model(xs[0] if len(xs) == 1 else xs, y), ""


def inputs_of(name):
    case = CASES.get(name)
    return case.feed if case is not None else None


def names(keras) -> list:
    return list(survey(keras))


def main(argv=None) -> int:
    import argparse
    import keras
    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.layer_survey",
                                     description="Build one model per public layer class of this Python's Keras.")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("names", nargs="*", help="default: every public class of keras.layers")
    args = parser.parse_args(argv)
    zoo.build(args.names or names(keras), args.out, make=make, inputs=inputs_of, failures_are_results=True,
              log=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
