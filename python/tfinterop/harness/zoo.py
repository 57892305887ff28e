"""Models no one here wrote: the architectures of `keras.applications` (weights=None, small inputs, 10 classes) and
models composed from Keras' own layers (attention, recurrent, resizing, every activation, lookups), each built and
exported by the Keras of this process (Keras 3 with TF 2.21, Keras 2 with TF 2.12) as a user exports it:
model.export() in Keras 3, model.save(save_format="tf") in Keras 2. `make corpus` (harness/zoo_run.py) fixes each
for every TF Java 1.x target and verifies it there.

    python -m tfinterop.harness.zoo --out DIR [NAME ...]

writes DIR/NAME (a SavedModel) for each (and DIR/NAME.inputs.npz where synthesized inputs would prove little), and
DIR/zoo.json: {name: {"built": bool, "why": ..., "parameters": n}}
(an application this Keras lacks, or one above the size limit, is not built and says why).
"""

import contextlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

# keras.applications: the name in this corpus -> (the constructor, the input's height and width). The smallest
# input each accepts without weights; 10 classes. One constructor of every family (RegNet is exported by neither
# Keras 2.12's nor Keras 3's keras.applications namespace: its rows say so).
APPLICATIONS = {
    "convnext-tiny": ("ConvNeXtTiny", 64), "densenet121": ("DenseNet121", 64),
    "efficientnet-b0": ("EfficientNetB0", 64), "efficientnet-v2-b0": ("EfficientNetV2B0", 64),
    "inception-resnet-v2": ("InceptionResNetV2", 75), "inception-v3": ("InceptionV3", 75),
    "mobilenet": ("MobileNet", 64), "mobilenet-v2": ("MobileNetV2", 64),
    "mobilenet-v3-small": ("MobileNetV3Small", 64), "mobilenet-v3-large": ("MobileNetV3Large", 64),
    "nasnet-mobile": ("NASNetMobile", 64), "regnet-x002": ("RegNetX002", 64), "resnet50": ("ResNet50", 64),
    "resnet50-v2": ("ResNet50V2", 64), "vgg16": ("VGG16", 64), "xception": ("Xception", 71),
}
# Larger models of these families are the same blocks, more of them (ResNet101, EfficientNetB7, ...).
MAX_PARAMETERS = 60_000_000
SEQUENCE = 12          # tokens per example of the text models
VOCABULARY = 50


def _composed(keras):
    """name -> a function making the model, from Keras' own layers."""
    layers = keras.layers

    def tokens():
        return keras.Input((SEQUENCE,), dtype="int32", name="tokens")

    def text(body):
        def make():
            x = tokens()
            h = layers.Embedding(VOCABULARY, 16)(x)
            return keras.Model(x, layers.Dense(10, activation="softmax")(body(h)))
        return make

    def transformer():
        x = tokens()
        h = layers.Embedding(VOCABULARY, 32)(x)
        attended = layers.MultiHeadAttention(num_heads=4, key_dim=8)(h, h)
        h = layers.LayerNormalization()(h + attended)
        ffn = layers.Dense(32)(layers.Dense(64, activation="gelu")(h))
        h = layers.LayerNormalization()(h + ffn)
        return keras.Model(x, layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling1D()(h)))

    def unet():
        x = keras.Input((32, 32, 3), name="image")
        d1 = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        d2 = layers.Conv2D(16, 3, padding="same", activation="relu")(layers.MaxPooling2D()(d1))
        bottom = layers.Conv2D(32, 3, padding="same", activation="relu")(layers.MaxPooling2D()(d2))
        u2 = layers.Conv2DTranspose(16, 2, strides=2)(bottom)
        u2 = layers.Conv2D(16, 3, padding="same", activation="relu")(layers.Concatenate()([u2, d2]))
        u1 = layers.UpSampling2D(2, interpolation="bilinear")(u2)
        u1 = layers.Conv2D(8, 3, padding="same", activation="relu")(layers.Concatenate()([u1, d1]))
        return keras.Model(x, layers.Conv2D(10, 1, activation="softmax")(u1))

    def gan_generator():
        z = keras.Input((16,), name="z")
        h = layers.LeakyReLU(0.2)(layers.Dense(4 * 4 * 16)(z))
        h = layers.Reshape((4, 4, 16))(h)
        h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Conv2DTranspose(8, 4, strides=2, padding="same")(h)))
        return keras.Model(z, layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(h))

    def activations():
        x = keras.Input((8,), name="x")
        names = [n for n in _activation_names(keras)]
        branches = [layers.Activation(n, name=f"activation_{n}")(layers.Dense(4)(x)) for n in names]
        return keras.Model(x, layers.Concatenate()(branches))

    def string_lookup():
        words = keras.Input((4,), dtype="string", name="words")
        ids = layers.StringLookup(vocabulary=["the", "cat", "sat", "on", "mat"])(words)
        h = layers.GlobalAveragePooling1D()(layers.Embedding(7, 8)(ids))
        return keras.Model(words, layers.Dense(10, activation="softmax")(h))

    return {
        "transformer-encoder": transformer,
        "lstm-text": text(lambda h: layers.LSTM(16)(h)),
        "gru-text-sequences": text(lambda h: layers.GRU(8)(layers.GRU(16, return_sequences=True)(h))),
        "bidirectional-lstm": text(lambda h: layers.GlobalMaxPooling1D()(
            layers.Bidirectional(layers.LSTM(8, return_sequences=True))(h))),
        "simple-rnn": text(lambda h: layers.SimpleRNN(16)(h)),
        "unet": unet,
        "gan-generator": gan_generator,
        "activations": activations,
        "string-lookup": string_lookup,
    }


def _activation_names(keras) -> list:
    """Every activation of keras.activations that takes a tensor alone (by its documented names)."""
    import inspect
    names = []
    for name in sorted(dir(keras.activations)):
        fn = getattr(keras.activations, name)
        if name.startswith("_") or name in ("get", "serialize", "deserialize") or not inspect.isfunction(fn):
            continue
        required = [p for p in inspect.signature(fn).parameters.values()
                    if p.default is inspect.Parameter.empty and p.kind == p.POSITIONAL_OR_KEYWORD]
        if len(required) == 1:
            names.append(name)
    return names


# Inputs for models whose synthesized ones would prove little (strings a vocabulary never holds); the others are
# verified on inputs synthesized from their signatures.
INPUTS = {"string-lookup": lambda: {"words": np.array([[b"the", b"cat", b"sat", b"on"], [b"mat", b"dog", b"the", b""],
                                                       [b"cat", b"cat", b"on", b"\xc3\xa9"]], dtype=np.bytes_)}}

NAMES = list(APPLICATIONS) + ["transformer-encoder", "lstm-text", "gru-text-sequences", "bidirectional-lstm",
                              "simple-rnn", "unet", "gan-generator", "activations", "string-lookup"]


def make(name, keras):
    """The Keras model `name`, seeded, or (None, why) where this Keras has no such application."""
    keras.utils.set_random_seed(0)
    if name in APPLICATIONS:
        constructor, size = APPLICATIONS[name]
        if not hasattr(keras.applications, constructor):
            return None, f"Keras {keras.__version__} has no keras.applications.{constructor}"
        return getattr(keras.applications, constructor)(weights=None, input_shape=(size, size, 3), classes=10), ""
    return _composed(keras)[name](), ""


def export(model, directory: Path):
    import keras
    if keras.__version__.startswith("2."):
        model.save(str(directory), save_format="tf")
        return
    with contextlib.redirect_stdout(sys.stderr):      # model.export() prints what it wrote
        model.export(str(directory))


def build(names, out: Path, log=print, make=make, inputs=INPUTS.get, failures_are_results=False) -> dict:
    """Builds and exports each model: make(name, keras) -> (model, "") or (None, why not); inputs(name) -> None or a
    function giving the inputs to verify it on. `failures_are_results`: a model whose build or export raises is
    recorded as not built, with the exception (the layer survey's), instead of ending the build."""
    import keras
    import keras.applications  # noqa: F401 -- Keras 2.12's package imports it only when asked
    out.mkdir(parents=True, exist_ok=True)
    record = {}
    for name in names:
        stage = "building it"
        existed = (out / name).exists()    # a failed export removes only the folder it began
        try:
            model, why = make(name, keras)
            if model is not None and model.count_params() <= MAX_PARAMETERS:
                stage = "exporting it"
                export(model, out / name)
        except Exception as e:  # noqa: BLE001 -- with failures_are_results, one layer's failure is its result
            if not failures_are_results:
                raise
            if not existed:
                shutil.rmtree(out / name, ignore_errors=True)
            model, why = None, f"{stage} failed: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
        if model is None:
            record[name] = {"built": False, "why": why}
        elif model.count_params() > MAX_PARAMETERS:
            record[name] = {"built": False, "parameters": model.count_params(),
                            "why": f"{model.count_params():,} parameters, above the corpus' {MAX_PARAMETERS:,}"}
        else:
            record[name] = {"built": True, "why": "", "parameters": model.count_params()}
            if inputs(name):
                np.savez(out / f"{name}.inputs.npz", **inputs(name)())
        log(f"zoo: {name}: " + ("built" if record[name]["built"] else record[name]["why"]))
    (out / "zoo.json").write_text(json.dumps({"keras": keras.__version__, "models": record}, indent=1) + "\n")
    return record


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.zoo",
                                     description="Build the models no one here wrote, with this Python's Keras.")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("names", nargs="*", default=NAMES, help=f"default: all ({', '.join(NAMES)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; they are: {', '.join(NAMES)}")
    build(args.names, args.out, log=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
