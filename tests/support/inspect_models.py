"""Run as a process of its own (it imports Python TensorFlow; the pytest process must not):

    python tests/support/inspect_models.py OUT_DIR MODEL_DIR...

Writes two more SavedModels into OUT_DIR -- `tf2` (tf.saved_model.save: an object graph, a function
library, `__saved_model_init_op`, an asset_file_def, a signature with two outputs) and `odd` (written
as a protobuf: every DataType TensorFlow 2.21 has, unknown rank, scalars, a composite tensor, tags that
need quoting, several tags in a set, a MetaGraphDef with no signature and no ops, assets in
subfolders) -- then prints JSON: for each model directory (those given and the two new ones) the text
of tfinterop's Python `inspect` and of saved_model_cli's `show --all` (its own function, called as the
command calls it, stdout captured), and TF 2.21's DataType names by number.
"""

import contextlib
import io
import json
import sys
from pathlib import Path


def make_tf2(tf, out: Path) -> Path:
    vocab = out / "vocab.txt"
    vocab.write_text("a\nb\n")

    class Scorer(tf.Module):
        def __init__(self):
            self.w = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32) / 10.0, [4, 3]))
            self.vocab = tf.saved_model.Asset(str(vocab))

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
        def __call__(self, x):
            return {"probs": tf.nn.softmax(tf.matmul(x, self.w)), "idx": tf.argmax(x, axis=1)}

    m = Scorer()
    target = out / "tf2"
    tf.saved_model.save(m, str(target), signatures={"serving_default": m.__call__,
                                                   "second": m.__call__.get_concrete_function()})
    return target


def make_odd(out: Path) -> Path:
    from tensorflow.core.framework import types_pb2
    from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

    model = saved_model_pb2.SavedModel(saved_model_schema_version=1)

    mg = model.meta_graphs.add()
    mg.meta_info_def.tags.extend(["serve", "gpu"])
    sig = mg.signature_def["all_dtypes"]
    sig.method_name = "tensorflow/serving/predict"
    for name, value in types_pb2.DataType.items():
        t = sig.inputs[f"in_{value:03d}"]
        t.name, t.dtype = f"{name.lower()}:0", value
        t.tensor_shape.dim.add().size = -1
    shapes = sig.outputs
    shapes["unknown_rank"].name = "u:0"
    shapes["unknown_rank"].tensor_shape.unknown_rank = True
    shapes["scalar"].name = "s:0"
    shapes["scalar"].tensor_shape.SetInParent()
    big = shapes["big"]
    big.name, big.dtype = "b:1", types_pb2.DT_INT64
    for d in (2**40, 1, 0, -1):
        big.tensor_shape.dim.add().size = d
    sparse = shapes["sparse"]
    sparse.dtype = types_pb2.DT_FLOAT
    sparse.coo_sparse.values_tensor_name = "v:0"
    mg.graph_def.node.add(name="a", op="Placeholder")
    mg.graph_def.node.add(name="b", op="Identity")
    asset = meta_graph_pb2.AssetFileDef(filename="deep/file.txt")
    asset.tensor_info.name = "asset:0"
    mg.asset_file_def.append(asset)

    quoted = model.meta_graphs.add()
    quoted.meta_info_def.tags.extend(["it's", 'say "hi"', "tab\there", "caf\u00e9", "\u00a0nbsp", "zero\x00"])
    q = quoted.signature_def["z last"]
    q.inputs["b"].name = "b:0"
    q.inputs["a"].name = "a:0"
    quoted.signature_def["A first"].method_name = "tensorflow/serving/classify"

    empty = model.meta_graphs.add()
    empty.meta_info_def.tags.append("bare")

    target = out / "odd"
    (target / "assets" / "deep").mkdir(parents=True)
    (target / "assets" / "deep" / "file.txt").write_text("x" * 7)
    (target / "assets" / "B.txt").write_text("")
    (target / "assets.extra").mkdir()
    (target / "saved_model.pb").write_bytes(model.SerializeToString())
    return target


def main(argv):
    out = Path(argv[1])
    from tfinterop.core.tf_import import tensorflow
    tf = tensorflow()
    from tensorflow.core.framework import types_pb2
    from tensorflow.python.tools import saved_model_cli

    from tfinterop.commands.inspect import describe

    dirs = [Path(d) for d in argv[2:]] + [make_tf2(tf, out), make_odd(out)]
    texts = {}
    for d in dirs:
        real = io.StringIO()
        with contextlib.redirect_stdout(real):
            saved_model_cli._show_all(str(d))    # what `saved_model_cli show --dir D --all` runs
        texts[str(d)] = {"python": describe(d), "saved_model_cli": real.getvalue()}
    print(json.dumps({"models": texts, "dtypes": {v: n for n, v in types_pb2.DataType.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
