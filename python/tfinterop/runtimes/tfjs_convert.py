"""The JavaScript consumer's Python half: it reads a SavedModel for the Node worker (runtimes/js/worker.js) and
turns one of its signatures into a TensorFlow.js graph model with the real converter (PyPI tensorflowjs,
`tensorflowjs_converter --input_format=tf_saved_model`), started by that worker and kept for its lifetime.

Protocol (one JSON line each way, as runtimes/worker.py; replies go to a private copy of stdout, since the
converter and TensorFlow print on fd 1):

    {"op": "describe", "dir": D, "tags": [..], "allow_untrusted": false}
        -> {"signatures": {KEY: {"inputs": {K: {"name", "dtype", "shape"}}, "outputs": {...}}}}
           the same checks, in the same words, as the Python consumer makes before TensorFlow loads anything
           (model-not-found, not-a-saved-model, tag-set-not-found, untrusted-model); dtype a numpy name or
           the DataType's own ("DT_VARIANT"); strings are "bytes", as numpy names them, shape null for an unknown rank, -1 for an unknown size
    {"op": "convert", "dir": D, "tags": [..], "signature": KEY}
        -> {"model": FOLDER, "inputs": {K: tfjs tensor name}, "outputs": {K: tfjs tensor name}}
           FOLDER holds model.json and its weights, in the cache, keyed by the SavedModel's content, the tags,
           the signature and the converter's version. An input the converter dropped (frozen away: the graph
           does not use it) has no name. A conversion that fails is load-failed with the converter's words.

Why names, not the converted signature's keys: the converter recovers each key by matching dtype and shape,
and names the tensor instead when two share both (docs/tfjs-research.md, 2d). Here every key is mapped from the
signature function itself: its inputs in the order of its sorted input keys, its outputs in the order of its
sorted output keys (how tf.nest flattens a dict), and each name is checked against the converted graph.

The converter's package is installed without its dependencies beside this project's TensorFlow (TFJS_PATH_ENV;
runtimes/tfjs.py). Its module imports JAX and TensorFlow Decision Forests at import time, for converting JAX
functions and decision forests, which a SavedModel's conversion never reaches; with neither installed (their
pins need another TensorFlow, and a second TensorFlow beside this one breaks both), empty modules stand in.
"""

import hashlib
import json
import os
import sys
import types
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.atomic import staging_folder
from tfinterop.core.errors import ModelLoadError, TfInteropError

TFJS_PATH_ENV = "TFINTEROP_TFJS_CONVERTER_PATH"   # the folder tensorflowjs is installed in (--target)
CONVERTED_ENV = "TFINTEROP_TFJS_CONVERTED"        # where converted graph models are cached


def describe(directory, tags, allow_untrusted=False) -> dict:
    from tfinterop.contract import signatures
    from tfinterop.runtimes.preflight import meta_graph_to_load
    from tfinterop.savedmodel import reader as savedmodel
    mg = meta_graph_to_load(directory, tags, allow_untrusted)

    def tensors(group):
        return {k: {"name": info.name, "dtype": signatures.dtype_label(info),
                    "shape": savedmodel.shape_of(info.tensor_shape)} for k, info in group.items()}
    return {"signatures": {key: {"inputs": tensors(sig.inputs), "outputs": tensors(sig.outputs)}
                           for key, sig in mg.signature_def.items() if not key.startswith("__")}}


def content_key(directory, tags, signature, version) -> str:
    """The SavedModel's files (names and bytes), the tags, the signature and the converter's version."""
    h = hashlib.sha256()
    root = Path(directory)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return paths.content_digest(h.hexdigest(), ",".join(sorted(tags)), signature, version)


class Converter:
    def __init__(self):
        self._tf = self._convert = self.version = None

    def _import(self):
        if self._convert is not None:
            return
        from tfinterop.core.tf_import import tensorflow
        self._tf = tensorflow()
        import keras  # noqa: F401 -- before the stand-ins below: Keras 3 probes for a real JAX
        for name in ("jax", "jax.experimental", "jax.experimental.jax2tf", "tensorflow_decision_forests"):
            sys.modules.setdefault(name, types.ModuleType(name))
        sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]
        try:
            import tensorflowjs
            from tensorflowjs.converters.tf_saved_model_conversion_v2 import convert_tf_saved_model
        except ImportError as e:
            raise TfInteropError(f"the TensorFlow.js converter is not installed ({e}); `tfinterop verify --target "
                                 f"js-tfjs-<version>` installs it on first use") from None
        self._convert, self.version = convert_tf_saved_model, tensorflowjs.__version__

    def convert(self, directory, tags, signature) -> dict:
        self._import()
        root = Path(os.environ.get(CONVERTED_ENV) or paths.cache_dir() / f"tfjs-{self.version}" / "graph-models")
        folder = root / content_key(directory, tags, signature, self.version)
        names_file = folder / "tfinterop-names.json"
        if names_file.is_file():
            return {"model": str(folder), **json.loads(names_file.read_text())}
        names = self._signature_names(directory, tags, signature)
        # Staged beside its place and renamed in only when complete; a killed conversion's staging folder is removed
        # by the next one (core.atomic: its name says which process owns it).
        with staging_folder(folder) as work:
            try:
                self._convert(str(directory), str(work), signature_def=signature, saved_model_tags=",".join(tags))
            except Exception as e:  # noqa: BLE001 -- whatever the converter raises, it did not convert the model
                words = f"{type(e).__name__}: {e}".strip()
                one_line = "; ".join(line.strip() for line in words.splitlines() if line.strip())
                raise ModelLoadError(f"the TensorFlow.js converter {self.version} could not convert {directory} "
                                     f"with tags [{', '.join(tags)}], signature {signature!r}: {one_line}",
                                     words) from None
            graph = json.loads((work / "model.json").read_text())
            nodes = {n["name"] for n in graph["modelTopology"].get("node", [])}
            kept = {"inputs": {k: v for k, v in names["inputs"].items() if v.split(":")[0] in nodes},
                    "outputs": names["outputs"]}
            lost = [k for k, v in kept["outputs"].items() if v.split(":")[0] not in nodes]
            if lost:
                raise TfInteropError(f"the converted graph of {directory} (signature {signature!r}) has no node for "
                                     f"output(s) {', '.join(lost)} ({', '.join(names['outputs'][k] for k in lost)})")
            (work / "tfinterop-names.json").write_text(json.dumps(kept, sort_keys=True))
            try:
                os.replace(work, folder)          # complete, or not there: never half a graph model
            except OSError:
                if not names_file.is_file():      # another worker's rename got there first: use its copy
                    raise
        return {"model": str(folder), **json.loads(names_file.read_text())}

    def _signature_names(self, directory, tags, signature) -> dict:
        tf = self._tf
        try:
            loaded = tf.saved_model.load(str(directory), tags=list(tags))
            function = loaded.signatures[signature]
        except Exception as e:  # noqa: BLE001
            words = f"{type(e).__name__}: {e}".strip()
            raise ModelLoadError(f"TensorFlow {tf.__version__} could not load {directory} with tags "
                                 f"[{', '.join(tags)}] for the TensorFlow.js converter: {words}", words) from None
        _, kwargs = function.structured_input_signature
        outputs = function.structured_outputs
        return {"inputs": {k: function.inputs[i].name for i, k in enumerate(sorted(kwargs))},
                "outputs": {k: function.outputs[i].name for i, k in enumerate(sorted(outputs))}}


def serve() -> int:
    from tfinterop.runtimes.worker import reply_channel
    replies = reply_channel()
    extra = os.environ.get(TFJS_PATH_ENV)
    if extra:
        sys.path.insert(0, extra)
    converter = Converter()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "describe":
                result = describe(request["dir"], request["tags"], bool(request.get("allow_untrusted")))
            elif request["op"] == "convert":
                result = converter.convert(request["dir"], request["tags"], request["signature"])
            else:
                raise TfInteropError(f"unknown converter request {request['op']!r}")
            reply = {"ok": True, "result": result}
        except TfInteropError as e:
            reply = {"ok": False, "error": e.to_json()}
        except Exception as e:  # noqa: BLE001 -- an unforeseen error is still an answer
            reply = {"ok": False, "error": {"kind": "error", "message": f"{type(e).__name__}: {e}"}}
        replies.write(json.dumps(reply) + "\n")
    replies.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve())
