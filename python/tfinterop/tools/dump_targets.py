"""`tfinterop targets --regenerate`: each target runtime reports on itself (its op registry, the GraphDef
versions it accepts, the data types it knows), written as compat/op_registries/<name>.json.gz. It imports Python
TensorFlow in this process and runs the Java side as a subprocess: the two runtimes never share a process."""

import base64
import gzip
import json
import os
import subprocess
import tempfile
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.compat.targets import LOADERS, SUFFIX, targets_dir
from tfinterop.core.atomic import write_atomically
from tfinterop.core.errors import TfInteropError
from tfinterop.runtimes import registry
from tfinterop.runtimes.tfjs import TFJS_RELEASES


def dump_java(consumer=None, log=print) -> dict:
    """A TF Java 1.x consumer of the runtime registry (default: TF Java 1.8.0, `make java`'s) reporting on
    itself through `tfinterop-java op-registry`, tfinterop's 1.x module on the release's own jars (fetched from
    Maven Central on first use, runtimes/jars.py)."""
    consumer = consumer or registry.DEFAULT_JAVA
    if consumer.api == "1.x":
        command = consumer.command("org.tfinterop.Cli", ["op-registry", "--out", "OUT"], log=log)
    else:           # the current TF Java's module: the same JSON, through that API (java-current/CurrentRegistry)
        command = consumer.command("org.tfinterop.CurrentRegistry", ["--out", "OUT"], log=log)
    with tempfile.TemporaryDirectory(prefix="tfinterop-op-registry-") as scratch:
        out = Path(scratch) / "java.json"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.run([str(out) if a == "OUT" else a for a in command], capture_output=True, text=True, env=env, timeout=600)
        if proc.returncode != 0:
            raise TfInteropError(f"tfinterop-java op-registry ({consumer.name}) failed (exit {proc.returncode}): "
                                 f"{proc.stderr.strip()}")
        raw = json.loads(out.read_text())
    return {"language": "java", "tensorflow_version": raw["tensorflow_version"],
            "package": f"{consumer.artifact} (Maven Central)",
            "dumped_by": ("tfinterop-java op-registry" if consumer.api == "1.x" else "java-current's CurrentRegistry")
                         + ": TensorFlow.registeredOpList(); versions and data types probed by Graph.importGraphDef",
            "op_list": base64.b64decode(raw["op_list"]), "graph_def_versions": raw["graph_def_versions"],
            "data_types": raw["data_types"]}


def dump_python() -> dict:
    """This process's Python TensorFlow (imports it: never call this in a process that runs a JVM)."""
    from tfinterop.core.tf_import import tensorflow
    tf = tensorflow()
    from tensorflow.core.framework import attr_value_pb2, graph_pb2
    from tensorflow.python.client import pywrap_tf_session as c_api

    def accepts(graph_def) -> bool:
        try:
            with tf.Graph().as_default():
                tf.graph_util.import_graph_def(graph_def, name="")
            return True
        except Exception:   # noqa: BLE001 -- any refusal is a "no"; the probe asks only whether it imports
            return False

    data_types = []
    for number in range(1, 100):
        g = graph_pb2.GraphDef()
        node = g.node.add(name="probe", op="Placeholder")
        node.attr["dtype"].CopyFrom(attr_value_pb2.AttrValue(type=number))
        if accepts(g):
            data_types.append(number)
    buffer = c_api.TF_GetAllOpList()
    return {"language": "python", "tensorflow_version": tf.__version__,
            "package": f"tensorflow-cpu=={tf.__version__} (PyPI)",
            "dumped_by": "tfinterop targets --regenerate: TF_GetAllOpList() through pywrap_tf_session; versions "
                         "from tf.version; data types probed by tf.graph_util.import_graph_def",
            "op_list": c_api.TF_GetBuffer(buffer),
            "graph_def_versions": {"producer": tf.version.GRAPH_DEF_VERSION,
                                   "min_consumer": tf.version.GRAPH_DEF_VERSION_MIN_CONSUMER,
                                   "min_producer": tf.version.GRAPH_DEF_VERSION_MIN_PRODUCER,
                                   "consumer": tf.version.GRAPH_DEF_VERSION},
            "data_types": data_types}


def dump_tfjs(js, log=print) -> dict:
    """A TensorFlow.js release of the registry: the ops its converter maps (tensorflowjs/op_list/*.json, the list the
    converter itself holds every graph to before converting it), from the converter the consumer installs. The
    versions are this project's TensorFlow's, which the converter reads SavedModels with; the data types are the ones
    JavaScript consumer feeds and fetches (tfjs's float32, int32 and bool: its converter narrows int64 and float64, and
    tfjs's string and complex64 are not crossed yet)."""
    from tfinterop.core.tf_import import tensorflow
    tf = tensorflow()
    from tensorflow.core.framework import types_pb2
    folder = js.converter_packages(log) / "tensorflowjs" / "op_list"
    entries = sorted((entry for f in sorted(folder.glob("*.json")) for entry in json.loads(f.read_text())),
                     key=lambda e: e["tfOpName"])
    if not entries:
        raise TfInteropError(f"no op list in {folder}: is the TensorFlow.js converter installed there?")
    ops = [{"name": e["tfOpName"], "tfjs": e} for e in entries]
    return {"language": "javascript", "tensorflow_version": js.version, "name": js.name,
            "package": f"@tensorflow/tfjs@{js.version} (npm), tensorflowjs=={js.version} (PyPI)",
            "dumped_by": "tfinterop targets --regenerate: the converter's op list (tensorflowjs/op_list/*.json)",
            "ops": ops,
            "graph_def_versions": {"producer": tf.version.GRAPH_DEF_VERSION,
                                   "min_consumer": tf.version.GRAPH_DEF_VERSION_MIN_CONSUMER,
                                   "min_producer": tf.version.GRAPH_DEF_VERSION_MIN_PRODUCER,
                                   "consumer": tf.version.GRAPH_DEF_VERSION},
            "data_types": [types_pb2.DT_FLOAT, types_pb2.DT_INT32, types_pb2.DT_BOOL]}


def render(dump: dict) -> tuple[str, bytes]:
    """A dump as the committed file: the OpList as JSON (docs dropped), sorted, gzip without a timestamp."""
    from google.protobuf import json_format
    from tensorflow.core.framework import op_def_pb2, types_pb2

    op_list = op_def_pb2.OpList()
    if "op_list" in dump:
        op_list.ParseFromString(dump["op_list"])
    ops = list(dump.get("ops", ()))     # a TensorFlow.js converter's list is not OpDefs
    for op in sorted(op_list.op, key=lambda o: o.name):
        op.ClearField("summary")
        op.ClearField("description")
        for arg in list(op.input_arg) + list(op.output_arg):
            arg.ClearField("description")
        for attr in op.attr:
            attr.ClearField("description")
        ops.append(json_format.MessageToDict(op, preserving_proto_field_name=True))
    names = {v.number: v.name for v in types_pb2.DataType.DESCRIPTOR.values}
    name = dump.get("name") or f"{dump['language']}-tf-{dump['tensorflow_version']}"
    doc = {"target": name,
           "runtime": {"language": dump["language"], "tensorflow_version": dump["tensorflow_version"],
                       "package": dump["package"], "loader": LOADERS[dump["language"]]},
           "dumped_by": dump["dumped_by"],
           "graph_def_versions": dump["graph_def_versions"],
           "data_types": [{"number": n, "name": names.get(n, f"DT_{n}")} for n in dump["data_types"]],
           "ops": ops}
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    return name, gzip.compress(text.encode(), mtime=0)


def regenerate(out_dir: Path | None = None, log=print) -> list[Path]:
    out_dir = Path(out_dir or targets_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    java = list(registry.JAVA_TENSORFLOWS)      # each by its own module (1.x: op-registry; current: CurrentRegistry)
    # The JVMs run in subprocesses; Python TensorFlow in this one.
    for dump in [dump_java(c, log) for c in java] + [dump_python()] + [dump_tfjs(js, log) for js in TFJS_RELEASES]:
        name, blob = render(dump)
        path = out_dir / (name + SUFFIX)
        outputs.check_output_file(path, True, "--out")      # a dump of its own name, meant to be regenerated
        write_atomically(path, lambda f: f.write(blob), "--out")
        log(f"targets: {name}: {len(dump['data_types'])} data types, GraphDef versions {dump['graph_def_versions']} "
            f"-> {path}")
        written.append(path)
    return written
