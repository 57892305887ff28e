"""The Python TensorFlow consumer. A TF1 graph export is loaded as the seed does:
tf.compat.v1.saved_model.loader.load(sess, tags, dir) and sess.run("myOutput:0", feed_dict={"myInput:0": x}). An
object-based export (tf.saved_model.save, Keras) is loaded as TensorFlow 2 serves it in Python:
tf.saved_model.load(dir, tags) and its signature functions called, with only the variables they capture read from
the checkpoint (object_based.py: Keras 3 writes each weight twice, which TF1's loader restores both of)."""

import numpy as np

from tfinterop.contract import signatures
from tfinterop.contract.signatures import resolve, resolve_keys, signature_tensors
from tfinterop.core.errors import InvalidInputError, ModelLoadError, RunFailedError, UnknownTensorError
from tfinterop.core.tf_import import tensorflow
from tfinterop.runtimes import object_based
from tfinterop.runtimes.preflight import float32_batch, meta_graph_to_load
from tfinterop.savedmodel import reader as savedmodel


def tensor_name(name: str) -> str:
    return name if ":" in name else name + ":0"


class PythonTF:
    def __init__(self):
        tf = tensorflow()
        self.tf = self._tf = tf
        self.version = tf.__version__
        self.name = "python-tf-" + tf.__version__
        self._sessions = {}
        self._objects = {}         # handle -> an object-based export, as tf.saved_model.load returned it
        self._meta_graphs = {}     # handle -> (tags, the MetaGraphDef as savedmodel.py read it)
        self._next = 0

    def tag_sets(self, directory):
        return savedmodel.tag_sets(savedmodel.read(directory))

    def load(self, directory, tags, allow_untrusted=False):
        mg = meta_graph_to_load(directory, tags, allow_untrusted)
        object_based_export = mg.has("object_graph_def")
        try:
            opened = self._load_object_based(directory, mg) if object_based_export else self._load_graph(directory, tags)
        except Exception as e:  # noqa: BLE001 -- whatever TensorFlow raises, it could not load the model
            raise ModelLoadError(f"TensorFlow {self.version} could not load {directory} with tags "
                                 f"[{', '.join(tags)}]: {e}", str(e)) from None
        self._next += 1
        (self._objects if object_based_export else self._sessions)[self._next] = opened
        self._meta_graphs[self._next] = (list(tags), mg)
        return self._next

    def _load_graph(self, directory, tags):
        sess = self._tf.compat.v1.Session(graph=self._tf.Graph())
        try:
            self._tf.compat.v1.saved_model.loader.load(sess, list(tags), str(directory))
        except Exception:
            sess.close()
            raise
        return sess

    def _load_object_based(self, directory, meta_graph):
        keys = [k for k in meta_graph.signature_def if not k.startswith("__")]
        return object_based.load_for_serving(self._tf, directory, list(meta_graph.meta_info_def.tags), keys)

    def run(self, handle, signature_key, inputs: dict, output_keys=None) -> dict:
        """The signature-first call: {input key: array} in, {output key: array} out (None: every output),
        each input checked against the SignatureDef (contract/signatures.py) before TensorFlow sees it."""
        tags, mg = self._meta_graphs[handle]
        key, signature, feed, fetch = signatures.prepare_call(mg, signature_key, inputs, output_keys, tags)
        try:
            if handle in self._objects:
                out = self._call_function(self._objects[handle].signatures[key], signature, feed, fetch)
            else:
                out = self._sessions[handle].run(fetch, feed_dict=feed)
        except self._tf.errors.OpError as e:
            raise RunFailedError(f"TensorFlow {self.version} failed running signature {key!r}: {e.message}",
                                 e.message) from None
        # TensorFlow returns strings as object arrays of bytes; they travel as numpy bytes (dtype 'S').
        return {k: v.astype(np.bytes_) if v.dtype.hasobject else v for k, v in out.items()}

    def _call_function(self, function, signature, feed, fetch) -> dict:
        """A signature function called with the checked feeds (by tensor name) by their input keys."""
        tf = self._tf
        key_of = {info.name: k for k, info in signature.inputs.items()}
        results = function(**{key_of[name]: tf.constant(value) for name, value in feed.items()})
        return {k: results[k].numpy() for k in fetch}

    def predict(self, handle, input_name, output_name, x):
        if handle in self._objects:       # no graph to feed by tensor name: the signature that has both tensors
            key, input_key, output_key = self._signature_with(handle, input_name, output_name)
            x = float32_batch(x, input_name)
            return self.run(handle, key, {input_key: x}, [output_key])[output_key]
        sess = self._sessions[handle]
        x = float32_batch(x, input_name)
        graph = sess.graph
        feed, fetch = tensor_name(input_name), tensor_name(output_name)
        tensors = {}
        for role, name in (("input", feed), ("output", fetch)):
            try:
                tensors[role] = graph.get_tensor_by_name(name)
            except (KeyError, ValueError):
                import difflib
                ops = [op.name for op in graph.get_operations()]
                close = difflib.get_close_matches(name.split(":")[0], ops, n=3, cutoff=0.7)
                placeholders = [op.name for op in graph.get_operations() if op.type == "Placeholder"]
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise UnknownTensorError(f"{role} {name!r} is not in the graph; {hint}its placeholders are: "
                                         f"{', '.join(placeholders) or 'none'}") from None
        expected = tensors["input"].shape
        if tensors["input"].dtype != self._tf.float32:
            raise InvalidInputError(f"input {input_name!r} has dtype {tensors['input'].dtype.name}; only float32 feeds are supported")
        if not expected.is_compatible_with(x.shape):
            raise InvalidInputError(f"input {input_name!r} expects shape {_shape(expected)} (float32), got {list(x.shape)}")
        try:
            return sess.run(fetch, feed_dict={feed: x})
        except self._tf.errors.OpError as e:
            raise RunFailedError(f"TensorFlow {self.version} failed running {input_name} -> {output_name}: {e.message}",
                                 e.message) from None

    def predict_signature(self, handle, key, input_key, output_key, x):
        """predict() by signature, resolved through the SignatureDef the loader returned."""
        tags, mg = self._meta_graphs[handle]
        signatures = signature_tensors(mg)
        if handle in self._objects:
            input_key, output_key = resolve_keys(signatures, key, input_key, output_key, tags)
            return self.run(handle, key, {input_key: float32_batch(x, input_key)}, [output_key])[output_key]
        input_name, output_name = resolve(signatures, key, input_key, output_key, tags)
        return self.predict(handle, input_name, output_name, x)

    def _signature_with(self, handle, input_name, output_name) -> tuple:
        """(signature key, input key, output key) of the signature of an object-based model that feeds input_name
        and fetches output_name."""
        tags, mg = self._meta_graphs[handle]
        for key, (inputs, outputs) in sorted(signature_tensors(mg).items()):
            ins = [k for k, name in inputs.items() if tensor_name(name) == tensor_name(input_name)]
            outs = [k for k, name in outputs.items() if tensor_name(name) == tensor_name(output_name)]
            if ins and outs:
                return key, ins[0], outs[0]
        named = "; ".join(f"{key}: {', '.join(tensor_name(n) for n in ins.values())} -> "
                          f"{', '.join(tensor_name(n) for n in outs.values())}"
                          for key, (ins, outs) in sorted(signature_tensors(mg).items()) if not key.startswith("__"))
        raise UnknownTensorError(f"{input_name!r} -> {output_name!r} is not a signature's input and output of this "
                                 f"object-based model, which is run by its signatures ({named})")

    def session(self, handle):
        """The tf.compat.v1.Session behind a handle (for the benchmark's plain Session.run baseline)."""
        return self._sessions[handle]

    def close(self, handle):
        self._meta_graphs.pop(handle, None)
        self._objects.pop(handle, None)
        sess = self._sessions.pop(handle, None)
        if sess is not None:
            sess.close()


class InThisProcess(PythonTF):
    """PythonTF with a worker client's surface, for verify.Verifier's `workers`: a process that has imported
    TensorFlow anyway (`tfinterop fix` has, to rewrite the model) runs the reference itself instead of
    starting a worker for it (about 4 CPU-seconds fewer)."""

    alive = True

    def close_worker(self):
        for handle in list(self._meta_graphs):
            self.close(handle)


def _shape(shape) -> str:
    if shape.rank is None:
        return "<unknown rank>"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape.as_list()) + "]"
