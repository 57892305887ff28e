"""Export trained weights as SavedModel variants with an old TensorFlow (1.x), as the seed does; and, with TF 1.15,
the object-based variants too (tf.saved_model.save of a tf.Module, Keras' save_format="tf"), which need eager
execution: they are made by a second process of this script (--object-based), since eager execution can only be
switched on as a process starts.

Protocol (shared with tfinterop.harness.producer_worker): first line on stdout {"version": tf.__version__};
then stdin holds one JSON object {"jobs": [{"model", "variant", "weights", "out"}, ...]} and each job
gets one line {"out", "ok", "unsupported", "message"}. A model or variant this script does not know is
reported as unsupported (the matrix shows a skip), never guessed.

Python 3.6 syntax, TensorFlow and numpy only: this runs in the old TensorFlow's own environment.
"""

import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

INPUT_NAME = "myInput"
OUTPUT_NAME = "myOutput"
ASSET_NAME = "labels.txt"

# variant -> ([(tags, signature key), ...] in the order the MetaGraphDefs are added, compat?)
# Mirrors tfinterop/export.py's default variants (tests/harness/test_matrix.py holds the two tables to each other);
# "compat" = written so TF 1.8's C API loads it.
VARIANTS = {
    "seed-simple-save": ([(["serve"], "serving_default")], False),
    "seed-builder": ([(["myTag"], "predict"), (["serve"], "serving_default")], False),
    "compat-serve": ([(["serve"], "serving_default")], True),
    "compat-mytag": ([(["myTag"], "predict"), (["serve"], "serving_default")], True),
}


# Variants of TF 2.x's object-based export, which TF 1.15 has (its v2 API); exported by serving_default.
OBJECT_BASED = ("saved-model", "keras")


def v1(tf):
    """TF 1.15 has tf.compat.v1; TF 1.8 has the same calls at the top level."""
    compat = getattr(tf, "compat", None)
    return getattr(compat, "v1", None) or tf


def build_softmax(tf, zeros=None):
    tf1 = v1(tf)
    x = tf1.placeholder(tf.float32, [None, 784], name=INPUT_NAME)
    W = tf1.Variable((zeros or tf.zeros)([784, 10]))   # ref variables: the TF 1.x default
    b = tf1.Variable((zeros or tf.zeros)([10]))
    y = tf.nn.softmax(tf.matmul(x, W) + b, name=OUTPUT_NAME)
    return {INPUT_NAME: x}, {OUTPUT_NAME: y}, [W, b]


def build_cnn(tf, zeros=None):
    """tfinterop/models.py's SmallConvNet in the TF 1.x API: the same ops, shapes, names and variable order,
    so the same trained weights load into it. Dropout is off at inference (keep_prob defaults to 1.0)."""
    tf1 = v1(tf)
    filters = 8
    x = tf1.placeholder(tf.float32, [None, 784], name=INPUT_NAME)
    keep_prob = tf1.placeholder_with_default(1.0, [], name="keep_prob")
    image = tf.reshape(x, [-1, 28, 28, 1])
    kernel = tf1.Variable((zeros or tf.zeros)([5, 5, 1, filters]))
    conv_bias = tf1.Variable((zeros or tf.zeros)([filters]))
    conv = tf.nn.relu(tf.nn.conv2d(image, kernel, strides=[1, 1, 1, 1], padding="SAME") + conv_bias)
    pooled = tf.nn.max_pool(conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    flat = tf.reshape(pooled, [-1, 14 * 14 * filters])
    dropped = tf.nn.dropout(flat, keep_prob=keep_prob)
    W = tf1.Variable((zeros or tf.zeros)([14 * 14 * filters, 10]))
    b = tf1.Variable((zeros or tf.zeros)([10]))
    y = tf.nn.softmax(tf.matmul(dropped, W) + b, name=OUTPUT_NAME)
    return {INPUT_NAME: x}, {OUTPUT_NAME: y}, [kernel, conv_bias, W, b]


def build_mixed(tf, zeros=None):
    """tfinterop/models.py's MixedDtypes in the TF 1.x API: five inputs and five outputs of five dtypes around
    the softmax regression, the same ops, names and variable order."""
    tf1 = v1(tf)
    x = tf1.placeholder(tf.float32, [None, 784], name="image")
    temperature = tf1.placeholder(tf.float64, [None], name="temperature")
    mask = tf1.placeholder(tf.bool, [None, 10], name="mask")
    class_offset = tf1.placeholder(tf.int32, [None], name="class_offset")
    expected = tf1.placeholder(tf.int64, [None], name="expected")
    W = tf1.Variable((zeros or tf.zeros)([784, 10]))
    b = tf1.Variable((zeros or tf.zeros)([10]))
    return ({"image": x, "temperature": temperature, "mask": mask, "class_offset": class_offset,
             "expected": expected}, mixed_outputs(tf, x, temperature, mask, class_offset, expected, W, b), [W, b])


def mixed_outputs(tf, x, temperature, mask, class_offset, expected, W, b):
    allowed = tf.matmul(x, W) + b - 1e4 * (1.0 - tf.cast(mask, tf.float32))
    y = tf.nn.softmax(allowed / tf.expand_dims(tf.cast(temperature, tf.float32), 1), name="probabilities")
    label = tf.argmax(y, axis=1, output_type=tf.int64, name="label")
    score = tf.multiply(tf.cast(tf.reduce_max(y, axis=1), tf.float64), temperature, name="score")
    floormod = getattr(tf, "floormod", None) or tf.math.floormod     # top level in 1.8, tf.math later
    shifted = floormod(tf.cast(label, tf.int32) + class_offset, 10, name="shifted")
    correct = tf.equal(label, expected, name="correct")
    return {"probabilities": y, "label": label, "score": score, "shifted": shifted, "correct": correct}


# Mirrors tfinterop/models.py's MODELS (tests/harness/test_matrix.py holds the two tables to each other).
MODELS = {"softmax": build_softmax, "cnn": build_cnn, "mixed": build_mixed}


def export(tf, job):
    import numpy as np
    tf1 = v1(tf)
    if job["model"] not in MODELS:
        return {"unsupported": True, "message": "the legacy producer has no model %r (it knows: %s)"
                % (job["model"], ", ".join(sorted(MODELS)))}
    if job["variant"] in OBJECT_BASED:
        return export_object_based(tf, job)
    if job["variant"] not in VARIANTS:
        return {"unsupported": True, "message": "the legacy producer has no variant %r (it knows: %s)"
                % (job["variant"], ", ".join(sorted(VARIANTS)))}
    signatures, compat = VARIANTS[job["variant"]]
    with np.load(job["weights"]) as z:
        params = [z["param%d" % i] for i in range(int(z["count"]))]
    target = job["out"]
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    staging = tempfile.mkdtemp(prefix=".partial-", dir=parent)
    previous = os.getcwd()
    try:
        export_dir = os.path.join(staging, "model")
        with open(os.path.join(staging, ASSET_NAME), "w") as f:
            f.write("".join("%d\n" % d for d in range(10)))
        graph = tf.Graph()
        with graph.as_default(), tf1.Session(graph=graph) as sess:
            inputs, outputs, variables = MODELS[job["model"]](tf)
            if len(variables) != len(params):
                raise ValueError("the weights hold %d arrays, the model has %d variables" % (len(params), len(variables)))
            sess.run([v.initializer for v in variables], {v.initial_value: p for v, p in zip(variables, params)})
            if job["variant"] == "seed-simple-save":
                tf1.saved_model.simple_save(sess, export_dir, inputs=inputs, outputs=outputs)
            else:
                os.chdir(staging)   # the asset path stays in the graph: a bare name keeps exports reproducible
                build(tf, sess, inputs, outputs, signatures, compat, export_dir)
        if len(signatures) > 1:     # the variants with a second MetaGraphDef also carry assets, as in export.py
            extra = os.path.join(export_dir, "assets.extra")
            if not os.path.isdir(extra):
                os.makedirs(extra)
            with open(os.path.join(extra, "tfinterop.json"), "w") as f:
                json.dump({"producer": "tensorflow " + tf.__version__, "model": job["model"],
                           "variant": job["variant"]}, f, indent=2)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.rename(export_dir, target)
    finally:
        os.chdir(previous)
        shutil.rmtree(staging, ignore_errors=True)
    return {}


def has_object_based_export(tf):
    version = tuple(int(p) for p in tf.__version__.split(".")[:2])
    return version >= (1, 15)


def export_object_based(tf, job):
    """In the --object-based process (eager): the model as a tf.Module whose serving function is the TF1 graph
    (wrap_function, pruned to its inputs and outputs), or as tf.keras layers, saved with their weights."""
    import numpy as np
    if not has_object_based_export(tf):
        return {"unsupported": True, "message": "TensorFlow %s has no object-based export (tf.saved_model.save "
                "and Keras' save_format='tf' came with 1.15)" % tf.__version__}
    with np.load(job["weights"]) as z:
        params = [z["param%d" % i] for i in range(int(z["count"]))]
    staging = tempfile.mkdtemp(prefix=".partial-", dir=ensure_parent(job["out"]))
    try:
        export_dir = os.path.join(staging, "model")
        if job["variant"] == "keras":
            keras_model(tf, job["model"], params).save(export_dir, save_format="tf")
        else:
            built = {}

            def graph():      # variables made inside a function take their initial values from a callable
                built["net"] = MODELS[job["model"]](tf, zeros=lambda shape: lambda: tf.zeros(shape))
            wrapped = tf.compat.v1.wrap_function(graph, [])
            inputs, outputs, variables = built["net"]      # lifted out of the function: eager variables
            for variable, value in zip(variables, params):
                if tuple(variable.shape.as_list()) != value.shape:
                    raise ValueError("the weights do not fit the variables (%s against %s)"
                                     % (value.shape, variable.shape))
                variable.assign(value)
            g = wrapped.graph
            serve = wrapped.prune([g.get_tensor_by_name(t.name) for t in inputs.values()],
                                  {k: g.get_tensor_by_name(t.name) for k, t in outputs.items()})
            module = tf.Module()
            module.weights = variables              # tracked, so tf.saved_model.save writes them
            module.serve = serve
            tf.saved_model.save(module, export_dir, signatures={"serving_default": serve})
        if os.path.exists(job["out"]):
            shutil.rmtree(job["out"])
        os.rename(export_dir, job["out"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {}


def keras_model(tf, model, params):
    """tfinterop/models.py's keras_model of each model, in TF 1.15's tf.keras: the same layers, names and keys."""
    keras, layers = tf.keras, tf.keras.layers
    if model == "softmax":
        x = keras.Input((784,), name=INPUT_NAME)
        dense = layers.Dense(10, activation="softmax", name=OUTPUT_NAME)
        net = keras.Model(x, dense(x))
        dense.set_weights(params)
        return net
    if model == "cnn":
        x = keras.Input((784,), name=INPUT_NAME)
        conv = layers.Conv2D(8, 5, padding="same", activation="relu")
        dense = layers.Dense(10, activation="softmax", name=OUTPUT_NAME)
        h = layers.MaxPooling2D(2, strides=2, padding="same")(conv(layers.Reshape((28, 28, 1))(x)))
        net = keras.Model(x, dense(layers.Flatten()(layers.Dropout(0.25)(h))))
        conv.set_weights(params[:2])
        dense.set_weights(params[2:])
        return net
    keys = ("image", "temperature", "mask", "class_offset", "expected")
    shapes = {"image": ((784,), "float32"), "temperature": ((), "float64"), "mask": ((10,), "bool"),
              "class_offset": ((), "int32"), "expected": ((), "int64")}

    class MixedHead(layers.Layer):
        def build(self, input_shape):
            self.W = self.add_weight(name="W", shape=(784, 10), initializer="zeros")
            self.b = self.add_weight(name="b", shape=(10,), initializer="zeros")

        def call(self, inputs):
            out = mixed_outputs(tf, *(inputs[i] for i in range(len(keys))), W=self.W, b=self.b)
            return [out[k] for k in ("probabilities", "label", "score", "shifted", "correct")]

    inputs = [keras.Input(shapes[k][0], dtype=shapes[k][1], name=k) for k in keys]
    head = MixedHead(name="mixed", dtype="float32")
    outputs = head(inputs)
    named = [layers.Lambda(tf.identity, name=k)(t) for k, t in zip(("probabilities", "label", "score", "shifted",
                                                                     "correct"), outputs)]
    net = keras.Model(inputs, named)
    head.set_weights(params)
    return net


def ensure_parent(path):
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    return parent


def build(tf, sess, inputs, outputs, signatures, compat, export_dir):
    tf1 = v1(tf)
    signature = tf1.saved_model.signature_def_utils.predict_signature_def(inputs=inputs, outputs=outputs)
    assets = None
    if len(signatures) > 1:
        asset = tf.constant(ASSET_NAME, name="labels_file")
        tf1.add_to_collection(tf1.GraphKeys.ASSET_FILEPATHS, asset)
        assets = tf1.get_collection(tf1.GraphKeys.ASSET_FILEPATHS)
    builder = tf1.saved_model.builder.SavedModelBuilder(export_dir)
    options = {}
    if compat:
        options = {"strip_default_attrs": True}
        # The builder takes a saver from TF 1.9 on; before that its own (sharded) saver is the only one,
        # and harmless: only TF >= 1.14's sharded saver uses StaticRegexFullMatch.
        if "saver" in inspect.signature(builder.add_meta_graph_and_variables).parameters:
            options["saver"] = tf1.train.Saver(sharded=False)
    (tags, key) = signatures[0]
    builder.add_meta_graph_and_variables(sess, tags, signature_def_map={key: signature},
                                         assets_collection=assets, **options)
    for tags, key in signatures[1:]:
        if compat:
            # as tfinterop/export.py: a second add_meta_graph would list the asset twice
            sess.graph.clear_collection(tf1.saved_model.constants.ASSETS_KEY)
        builder.add_meta_graph(tags, signature_def_map={key: signature}, assets_collection=assets, **options)
    builder.save()


def main():
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)   # whatever TensorFlow prints must not corrupt the protocol
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    object_based = "--object-based" in sys.argv[1:]
    if object_based:
        tf.compat.v1.enable_eager_execution()
    else:
        replies.write(json.dumps({"version": tf.__version__}) + "\n")
        replies.flush()
    request = json.loads(sys.stdin.read())
    jobs = request["jobs"]
    later = [job for job in jobs if job["variant"] in OBJECT_BASED and has_object_based_export(tf)]
    if later and not object_based:
        jobs = [job for job in jobs if job not in later]
        child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--object-based"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
        answered, _ = child.communicate(json.dumps({"jobs": later}))
        for line in answered.splitlines():
            if line.strip():
                replies.write(line + "\n")
        replies.flush()
    for job in jobs:
        result = {"out": job["out"], "ok": False, "unsupported": False, "message": ""}
        try:
            outcome = export(tf, job)
            result.update(outcome)
            result["ok"] = not outcome
        except Exception as e:  # one failed export is that cell's result, not the end of the others
            traceback.print_exc()
            result["message"] = "%s: %s" % (type(e).__name__, e)
        replies.write(json.dumps(result) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
