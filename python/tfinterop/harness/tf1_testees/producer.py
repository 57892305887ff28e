"""Export trained weights as SavedModel variants with an old TensorFlow (1.x), as the seed does.

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


def v1(tf):
    """TF 1.15 has tf.compat.v1; TF 1.8 has the same calls at the top level."""
    compat = getattr(tf, "compat", None)
    return getattr(compat, "v1", None) or tf


def build_softmax(tf):
    tf1 = v1(tf)
    x = tf1.placeholder(tf.float32, [None, 784], name=INPUT_NAME)
    W = tf1.Variable(tf.zeros([784, 10]))   # ref variables: the TF 1.x default
    b = tf1.Variable(tf.zeros([10]))
    y = tf.nn.softmax(tf.matmul(x, W) + b, name=OUTPUT_NAME)
    return {INPUT_NAME: x}, {OUTPUT_NAME: y}, [W, b]


def build_cnn(tf):
    """tfinterop/models.py's SmallConvNet in the TF 1.x API: the same ops, shapes, names and variable order,
    so the same trained weights load into it. Dropout is off at inference (keep_prob defaults to 1.0)."""
    tf1 = v1(tf)
    filters = 8
    x = tf1.placeholder(tf.float32, [None, 784], name=INPUT_NAME)
    keep_prob = tf1.placeholder_with_default(1.0, [], name="keep_prob")
    image = tf.reshape(x, [-1, 28, 28, 1])
    kernel = tf1.Variable(tf.zeros([5, 5, 1, filters]))
    conv_bias = tf1.Variable(tf.zeros([filters]))
    conv = tf.nn.relu(tf.nn.conv2d(image, kernel, strides=[1, 1, 1, 1], padding="SAME") + conv_bias)
    pooled = tf.nn.max_pool(conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    flat = tf.reshape(pooled, [-1, 14 * 14 * filters])
    dropped = tf.nn.dropout(flat, keep_prob=keep_prob)
    W = tf1.Variable(tf.zeros([14 * 14 * filters, 10]))
    b = tf1.Variable(tf.zeros([10]))
    y = tf.nn.softmax(tf.matmul(dropped, W) + b, name=OUTPUT_NAME)
    return {INPUT_NAME: x}, {OUTPUT_NAME: y}, [kernel, conv_bias, W, b]


def build_mixed(tf):
    """tfinterop/models.py's MixedDtypes in the TF 1.x API: five inputs and five outputs of five dtypes around
    the softmax regression, the same ops, names and variable order."""
    tf1 = v1(tf)
    x = tf1.placeholder(tf.float32, [None, 784], name="image")
    temperature = tf1.placeholder(tf.float64, [None], name="temperature")
    mask = tf1.placeholder(tf.bool, [None, 10], name="mask")
    class_offset = tf1.placeholder(tf.int32, [None], name="class_offset")
    expected = tf1.placeholder(tf.int64, [None], name="expected")
    W = tf1.Variable(tf.zeros([784, 10]))
    b = tf1.Variable(tf.zeros([10]))
    allowed = tf.matmul(x, W) + b - 1e4 * (1.0 - tf.cast(mask, tf.float32))
    y = tf.nn.softmax(allowed / tf.expand_dims(tf.cast(temperature, tf.float32), 1), name="probabilities")
    label = tf.argmax(y, axis=1, output_type=tf.int64, name="label")
    score = tf.multiply(tf.cast(tf.reduce_max(y, axis=1), tf.float64), temperature, name="score")
    floormod = getattr(tf, "floormod", None) or tf.math.floormod     # top level in 1.8, tf.math later
    shifted = floormod(tf.cast(label, tf.int32) + class_offset, 10, name="shifted")
    correct = tf.equal(label, expected, name="correct")
    return ({"image": x, "temperature": temperature, "mask": mask, "class_offset": class_offset,
             "expected": expected},
            {"probabilities": y, "label": label, "score": score, "shifted": shifted, "correct": correct}, [W, b])


# Mirrors tfinterop/models.py's MODELS (tests/harness/test_matrix.py holds the two tables to each other).
MODELS = {"softmax": build_softmax, "cnn": build_cnn, "mixed": build_mixed}


def export(tf, job):
    import numpy as np
    tf1 = v1(tf)
    if job["model"] not in MODELS:
        return {"unsupported": True, "message": "the legacy producer has no model %r (it knows: %s)"
                % (job["model"], ", ".join(sorted(MODELS)))}
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
    replies.write(json.dumps({"version": tf.__version__}) + "\n")
    replies.flush()
    request = json.loads(sys.stdin.read())
    for job in request["jobs"]:
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
