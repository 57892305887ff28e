"""Targets: real TensorFlow runtimes a SavedModel may be meant for, described by what each runtime
itself reports (its op registry, the GraphDef versions it accepts, the data types it knows), dumped into
registries/<name>.json.gz beside this file (package data). Adding a target is adding a dumped file; nothing here lists ops by hand.

    java-tf-1.8.0      TF Java 1.8.0 (the C API loader, TF_LoadSessionFromSavedModel), dumped through
                       `tfinterop-java op-registry` (TensorFlow.registeredOpList() and import probes)
    java-tf-1.15.0     TF Java 1.15.0, the same way (its module built by Gradle into its own folder)
    python-tf-<ver>    the Python TensorFlow in .venv (the producer), dumped in this process

`regenerate()` (`tfinterop targets --regenerate`) writes them again. It imports Python TensorFlow in
this process and runs the Java side as a subprocess: the two runtimes never share a process.
"""

import base64
import gzip
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tfinterop import outputs, paths, savedmodel
from tfinterop.errors import JavaModuleMissingError, TfInteropError, UsageError

SUFFIX = ".json.gz"
# How each kind of runtime loads a SavedModel; the checks that depend on the loader key on this.
LOADERS = {
    "java": "c-api",      # TF_LoadSessionFromSavedModel: every NodeDef attr must be in the op's OpDef
    "python": "python",   # tf.compat.v1.saved_model.loader.load: drops unknown default-valued attrs
}


def targets_dir() -> Path:
    return paths.TARGETS


def available() -> list[str]:
    return sorted(p.name[:-len(SUFFIX)] for p in targets_dir().glob("*" + SUFFIX))


@dataclass
class Target:
    name: str
    language: str
    tensorflow_version: str
    loader: str
    producer: int              # the GraphDef version this runtime writes
    min_producer: int          # the oldest GraphDef producer it accepts
    consumer: int              # the largest min_consumer it accepts
    data_types: dict           # DataType number -> name
    op_dicts: dict             # op name -> OpDef as a dict (json_format)
    _op_defs: dict = field(default_factory=dict, repr=False)

    def has_op(self, name) -> bool:
        return name in self.op_dicts

    def op_def(self, name) -> "savedmodel.OpDef":
        """The target's OpDef, as the SavedModel reader's message (no TensorFlow needed)."""
        if name not in self._op_defs:
            self._op_defs[name] = savedmodel.from_json(savedmodel.OpDef, self.op_dicts[name])
        return self._op_defs[name]


def load(name: str) -> Target:
    path = targets_dir() / (name + SUFFIX)
    if not path.is_file():
        from tfinterop.runtimes import registry
        if name not in registry.CONSUMERS:
            raise registry.unknown_target(name)
        raise UsageError(f"target {name!r} has no dumped op registry, so `check` and `fix` cannot hold a model to "
                         f"it (they know {', '.join(available()) or 'none'}); `verify --target {name}` runs it")
    doc = json.loads(gzip.decompress(path.read_bytes()))
    v = doc["graph_def_versions"]
    return Target(doc["target"], doc["runtime"]["language"], doc["runtime"]["tensorflow_version"],
                  doc["runtime"]["loader"], v["producer"], v["min_producer"], v["consumer"],
                  {int(t["number"]): t["name"] for t in doc["data_types"]},
                  {op["name"]: op for op in doc["ops"]})


# --- regeneration: each runtime reports on itself -------------------------------------------------

def dump_java(consumer=None, log=print) -> dict:
    """A TF Java 1.x consumer of the runtime registry (default: TF Java 1.8.0, `make java`'s) reporting on
    itself through `tfinterop-java op-registry`; another version's module is built first (Gradle)."""
    from tfinterop.runtimes import registry
    consumer = consumer or registry.DEFAULT_JAVA
    if consumer.is_default and not any(consumer.lib.glob("*.jar")):
        raise JavaModuleMissingError(f"the Java module is not built: no jars in {consumer.lib}; run `make java`")
    consumer.prepare(log)
    with tempfile.TemporaryDirectory(prefix="tfinterop-op-registry-") as scratch:
        out = Path(scratch) / "java.json"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.run(consumer.command("org.tfinterop.Cli", ["op-registry", "--out", out]),
                              capture_output=True, text=True, env=env, timeout=600)
        if proc.returncode != 0:
            raise TfInteropError(f"tfinterop-java op-registry ({consumer.name}) failed (exit {proc.returncode}): "
                                 f"{proc.stderr.strip()}")
        raw = json.loads(out.read_text())
    return {"language": "java", "tensorflow_version": raw["tensorflow_version"],
            "package": f"org.tensorflow:tensorflow:{raw['tensorflow_version']} (Maven Central, through Gradle)",
            "dumped_by": "tfinterop-java op-registry: TensorFlow.registeredOpList(); versions and data types "
                         "probed by Graph.importGraphDef",
            "op_list": base64.b64decode(raw["op_list"]), "graph_def_versions": raw["graph_def_versions"],
            "data_types": raw["data_types"]}


def dump_python() -> dict:
    """This process's Python TensorFlow (imports it: never call this in a process that runs a JVM)."""
    from tfinterop.tf_import import tensorflow
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


def render(dump: dict) -> tuple[str, bytes]:
    """A dump as the committed file: the OpList as JSON (docs dropped), sorted, gzip without a timestamp."""
    from google.protobuf import json_format
    from tensorflow.core.framework import op_def_pb2, types_pb2

    op_list = op_def_pb2.OpList()
    op_list.ParseFromString(dump["op_list"])
    ops = []
    for op in sorted(op_list.op, key=lambda o: o.name):
        op.ClearField("summary")
        op.ClearField("description")
        for arg in list(op.input_arg) + list(op.output_arg):
            arg.ClearField("description")
        for attr in op.attr:
            attr.ClearField("description")
        ops.append(json_format.MessageToDict(op, preserving_proto_field_name=True))
    names = {v.number: v.name for v in types_pb2.DataType.DESCRIPTOR.values}
    name = f"{dump['language']}-tf-{dump['tensorflow_version']}"
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
    from tfinterop.runtimes import registry
    java = [c for c in registry.JAVA_TENSORFLOWS if c.artifact.startswith("org.tensorflow:tensorflow:1.")]
    # The JVMs run in subprocesses; Python TensorFlow in this one.
    for dump in [dump_java(c, log) for c in java] + [dump_python()]:
        name, blob = render(dump)
        path = out_dir / (name + SUFFIX)
        outputs.check_output_file(path, True, "--out")      # a dump of its own name, meant to be regenerated
        outputs.write_atomically(path, lambda f: f.write(blob), "--out")
        log(f"targets: {name}: {len(dump['data_types'])} data types, GraphDef versions {dump['graph_def_versions']} "
            f"-> {path}")
        written.append(path)
    return written
