"""Real model shapes that users bring, built and exported by the TensorFlow (and Keras) of this process on the
committed MNIST subset: what `tfinterop fix` is held to (tests/commands/test_fix.py).

  keras-mlp         Keras Dense/ReLU/softmax, model.export()
  keras-cnn         Keras Conv2D, BatchNormalization, MaxPooling, Dropout, Dense, model.export()
  keras-gru         Keras GRU over the image's 28 rows, model.export()
  keras-gru-unrolled  the same with unroll=True: 28 steps in the graph, no loop and no TensorList
  module-loop       a tf.Module whose tf.function has a tf.while_loop (a step count input, int32 scalar) and a
                    tf.cond, tf.saved_model.save
  module-gather     a tf.Module with image float32 and prior_id int64 (through a gather) in, and float32,
                    int64, bool, float64 (and a tf.where, i.e. SelectV2) out, tf.saved_model.save
  seed-simple-save  the seed's TF1 graph calls (export.py's variants of the five-dtype `mixed` model), as TF 2.x
  seed-builder      exports them: the ones TF 1.8 rejects today

Each is trained briefly (the numbers need to be a model's, not to be good) and written with the inputs to
verify it with (`NAME.inputs.npz`: real MNIST images, ids in range) and the producer's own outputs on them
(`NAME.expected.npz`, its default signature, computed in this process).
"""

import contextlib
import sys
from pathlib import Path

import numpy as np

from tfinterop.core.tf_import import tensorflow
from tfinterop.harness import data

EXAMPLES = 16
# The corpus models that are rows of the compatibility matrix (the seed's variants are its own rows there),
# with the export form each is: the matrix's variant name for it.
FORMS = {"keras-mlp": "keras", "keras-cnn": "keras", "keras-gru": "keras", "keras-gru-unrolled": "keras",
         "module-loop": "saved-model", "module-gather": "saved-model"}
MATRIX_ROWS = list(FORMS)


def example_inputs(name, images) -> dict:
    """What a corpus model is run on, by its signature's input keys: the images, and for the modules a step
    count (3) or prior ids in range (0-4)."""
    x = {"image": images}
    if name == "module-loop":
        x["steps"] = np.array(3, np.int32)
    elif name == "module-gather":
        x["prior_id"] = (np.arange(len(images)) % 5).astype(np.int64)
    return x


def _keras_model(kind):
    import keras
    layers = keras.layers
    body = {
        "keras-mlp": [layers.Dense(32, activation="relu")],
        "keras-cnn": [layers.Reshape((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"),
                      layers.BatchNormalization(), layers.MaxPooling2D(), layers.Dropout(0.25), layers.Flatten()],
        "keras-gru": [layers.Reshape((28, 28)), layers.GRU(16)],
        "keras-gru-unrolled": [layers.Reshape((28, 28)), layers.GRU(16, unroll=True)],
    }[kind]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,), name="image"), *body, layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def export_keras(model, directory: Path):
    """As this Keras exports: model.export() in Keras 3, model.save(save_format="tf") in Keras 2."""
    import keras
    if keras.__version__.startswith("2."):
        model.save(str(directory), save_format="tf")
        return
    with contextlib.redirect_stdout(sys.stderr):      # model.export() prints what it wrote
        model.export(str(directory))


def export_untrained(kind, directory: Path):
    """The Keras model `kind`, as built, exported: the export step alone (the benchmark times it)."""
    export_keras(_keras_model(kind), directory)


def build_keras(kind, out: Path, images, labels):
    model = _keras_model(kind)
    model.fit(images, labels, epochs=1, batch_size=100, verbose=0)
    export_keras(model, out / kind)
    x = example_inputs(kind, images[:EXAMPLES])
    # Keyed as the export's signature keys them (Keras 3: output_0; Keras 2: the last layer's name).
    serve = tensorflow().saved_model.load(str(out / kind)).signatures["serving_default"]
    return x, {k: v.numpy() for k, v in serve(**x).items()}


def build_module(kind, out: Path, images, labels):
    tf = tensorflow()
    rng = np.random.RandomState(0)
    w = (rng.randn(784, 10) * 0.05).astype(np.float32)
    for step in range(50):     # a few steps of softmax regression, in numpy: weights a model would have
        batch = rng.randint(0, len(images), 100)
        logits = images[batch] @ w
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(100), labels[batch]] -= 1
        w -= 0.5 * images[batch].T @ p / 100

    if kind == "module-loop":
        class Loop(tf.Module):
            def __init__(self):
                self.w = tf.Variable(w)

            @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32), tf.TensorSpec([], tf.int32)])
            def __call__(self, image, steps):
                logits = tf.matmul(image, self.w)
                _, logits = tf.while_loop(lambda i, h: i < steps, lambda i, h: (i + 1, h * 0.9 + 0.1),
                                          [tf.constant(0), logits])
                p = tf.cond(tf.reduce_sum(logits) > 0, lambda: tf.nn.softmax(logits), lambda: tf.nn.softmax(-logits))
                return {"probabilities": p}

        module = Loop()
    else:
        class Gather(tf.Module):
            def __init__(self):
                self.w = tf.Variable(w)
                self.prior = tf.Variable(rng.rand(5, 10).astype(np.float32))

            @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32), tf.TensorSpec([None], tf.int64)])
            def __call__(self, image, prior_id):
                logits = tf.matmul(image, self.w) + tf.gather(self.prior, prior_id)
                p = tf.nn.softmax(logits)
                return {"probabilities": p, "label": tf.argmax(p, 1), "confident": tf.reduce_max(p, 1) > 0.5,
                        "score": tf.cast(tf.reduce_max(logits, 1), tf.float64),
                        "kept": tf.where(p > 0.1, p, tf.zeros_like(p))}

        module = Gather()
    x = example_inputs(kind, images[:EXAMPLES])
    tf.saved_model.save(module, str(out / kind), signatures=module.__call__)
    return x, {k: v.numpy() for k, v in module(**x).items()}


def build_seed(kind, out: Path, images, labels):
    from tfinterop.harness import export, models, train
    mnist = data.Mnist(images, labels, images, labels, "the committed MNIST subset")
    trained = train.train(mnist, train.TrainingConfig.for_model("mixed", steps=100), log=lambda m: None)
    export.export_variant(trained, export.get_variant(kind), out / kind)
    x = models.get_model("mixed").example_inputs(images[:EXAMPLES], labels[:EXAMPLES])
    expected = _run_tf1(out / kind, "serving_default", x)
    return x, expected


def _run_tf1(directory, key, x):
    from tfinterop.runtimes.python_tf import PythonTF
    runtime = PythonTF()
    handle = runtime.load(directory, ["serve"])
    try:
        return runtime.run(handle, key, x)
    finally:
        runtime.close(handle)


BUILDERS = {"keras-mlp": build_keras, "keras-cnn": build_keras, "keras-gru": build_keras,
            "keras-gru-unrolled": build_keras,
            "module-loop": build_module, "module-gather": build_module,
            "seed-simple-save": build_seed, "seed-builder": build_seed}


def build(names, out: Path, log=print) -> dict:
    """{name: its SavedModel folder}, with NAME.inputs.npz and NAME.expected.npz beside each."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    images, labels = data.load_subset()
    built = {}
    for name in names:
        x, expected = BUILDERS[name](name, out, images, labels)
        np.savez(out / f"{name}.inputs.npz", **x)
        np.savez(out / f"{name}.expected.npz", **expected)
        built[name] = out / name
        log(f"corpus: built {name}")
    return built


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.corpus",
                                     description="Build the corpus with this Python's TensorFlow and Keras.")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("names", nargs="*", default=list(BUILDERS), help=f"default: all ({', '.join(BUILDERS)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown corpus model(s) {', '.join(unknown)}; they are: {', '.join(BUILDERS)}")
    build(args.names, args.out, log=lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
