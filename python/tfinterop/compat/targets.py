"""Targets: real TensorFlow runtimes a SavedModel may be meant for, described by what each runtime
itself reports (its op registry, the GraphDef versions it accepts, the data types it knows), dumped into
op_registries/<name>.json.gz beside this file (package data). Adding a target is adding a dumped file; nothing
here lists ops by hand.

    java-tf-1.8.0      TF Java 1.8.0 (the C API loader, TF_LoadSessionFromSavedModel), dumped through
                       `tfinterop-java op-registry` (TensorFlow.registeredOpList() and import probes)
    java-tf-1.X.Y      every other TF Java 1.x release, 1.4.0 .. 1.15.0, the same way (the module on that
                       release's jars, fetched on first use: runtimes/jars.py)
    python-tf-<ver>    the Python TensorFlow in .venv (the producer), dumped in this process
    js-tfjs-<ver>      TensorFlow.js: the ops its converter maps (tensorflowjs/op_list/*.json); not OpDefs, so
                       check holds a model to their names only (check.py, the tfjs-converter loader)

`tfinterop targets --regenerate` (tools/dump_targets.py) writes them again.
"""

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.errors import UsageError
from tfinterop.savedmodel import reader as savedmodel

SUFFIX = ".json.gz"
# How each kind of runtime loads a SavedModel; the checks that depend on the loader key on this.
LOADERS = {
    "java": "c-api",      # TF_LoadSessionFromSavedModel: every NodeDef attr must be in the op's OpDef
    "python": "python",   # tf.compat.v1.saved_model.loader.load: drops unknown default-valued attrs
    "javascript": "tfjs-converter",   # tensorflowjs_converter: each signature frozen, its ops held to the op list
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

    @property
    def runtime_label(self) -> str:
        return ("TensorFlow.js " if self.language == "javascript" else "TensorFlow ") + self.tensorflow_version

    def has_op(self, name) -> bool:
        return name in self.op_dicts

    def op_def(self, name) -> "savedmodel.OpDef":
        """The target's OpDef, as the SavedModel reader's message (no TensorFlow needed)."""
        if name not in self._op_defs:
            self._op_defs[name] = savedmodel.from_json(savedmodel.OpDef, self.op_dicts[name])
        return self._op_defs[name]


def load(name: str) -> Target:
    path = targets_dir() / (name + SUFFIX)
    if not path.is_file():     # the commands check the name against the runtime registry first
        raise UsageError(f"target {name!r} has no dumped op registry, so `check` and `fix` cannot hold a model to "
                         f"it (they know {', '.join(available()) or 'none'}); `verify --target {name}` runs it")
    doc = json.loads(gzip.decompress(path.read_bytes()))
    v = doc["graph_def_versions"]
    return Target(doc["target"], doc["runtime"]["language"], doc["runtime"]["tensorflow_version"],
                  doc["runtime"]["loader"], v["producer"], v["min_producer"], v["consumer"],
                  {int(t["number"]): t["name"] for t in doc["data_types"]},
                  {op["name"]: op for op in doc["ops"]})
