"""The Python TensorFlow consumer, loading as the seed does:
tf.compat.v1.saved_model.loader.load(sess, tags, dir) and sess.run("myOutput:0", feed_dict={"myInput:0": x})."""

import numpy as np

from tfinterop.compat import untrusted
from tfinterop.contract import signatures
from tfinterop.contract.signatures import resolve, signature_tensors
from tfinterop.core.errors import (InvalidInputError, ModelLoadError, RunFailedError, TagSetNotFoundError,
                                   UnknownTensorError)
from tfinterop.core.tf_import import tensorflow
from tfinterop.runtimes.preflight import float32_batch, format_tag_sets, variables_present
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
        self._meta_graphs = {}     # handle -> (tags, the MetaGraphDef as savedmodel.py read it)
        self._next = 0

    def tag_sets(self, directory):
        return savedmodel.tag_sets(savedmodel.read(directory))

    def load(self, directory, tags, allow_untrusted=False):
        tf = self._tf
        model = savedmodel.read(directory)
        available = savedmodel.tag_sets(model)
        if sorted(set(tags)) not in [sorted(set(t)) for t in available]:
            raise TagSetNotFoundError(f"{directory}: no MetaGraphDef with tag-set [{', '.join(tags)}]; "
                                      f"the tag-sets it has: {format_tag_sets(available)}")
        if not allow_untrusted:
            untrusted.refuse_if_untrusted(directory, tags, model)
        variables_present(model, directory, tags)
        sess = tf.compat.v1.Session(graph=tf.Graph())
        try:
            tf.compat.v1.saved_model.loader.load(sess, list(tags), str(directory))
        except Exception as e:
            sess.close()
            raise ModelLoadError(f"TensorFlow {self.version} could not load {directory} with tags "
                                 f"[{', '.join(tags)}]: {e}", str(e)) from None
        self._next += 1
        self._sessions[self._next] = sess
        self._meta_graphs[self._next] = (list(tags), signatures.meta_graph(model, tags))
        return self._next

    def run(self, handle, signature_key, inputs: dict, output_keys=None) -> dict:
        """The signature-first call: {input key: array} in, {output key: array} out (None: every output),
        each input checked against the SignatureDef (contract/signatures.py) before TensorFlow sees it."""
        tags, mg = self._meta_graphs[handle]
        key, _, feed, fetch = signatures.prepare_call(mg, signature_key, inputs, output_keys, tags)
        try:
            out = self._sessions[handle].run(fetch, feed_dict=feed)
        except self._tf.errors.OpError as e:
            raise RunFailedError(f"TensorFlow {self.version} failed running signature {key!r}: {e.message}",
                                 e.message) from None
        # TensorFlow returns strings as object arrays of bytes; they travel as numpy bytes (dtype 'S').
        return {k: v.astype(np.bytes_) if v.dtype.hasobject else v for k, v in out.items()}

    def predict(self, handle, input_name, output_name, x):
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
        input_name, output_name = resolve(signatures, key, input_key, output_key, tags)
        return self.predict(handle, input_name, output_name, x)

    def session(self, handle):
        """The tf.compat.v1.Session behind a handle (for the benchmark's plain Session.run baseline)."""
        return self._sessions[handle]

    def close(self, handle):
        self._meta_graphs.pop(handle, None)
        sess = self._sessions.pop(handle, None)
        if sess is not None:
            sess.close()


class InThisProcess(PythonTF):
    """PythonTF with a worker client's surface, for verify.Verifier's `workers`: a process that has imported
    TensorFlow anyway (`tfinterop fix` has, to rewrite the model) runs the reference itself instead of
    starting a worker for it (about 4 CPU-seconds fewer)."""

    alive = True

    def close_worker(self):
        for handle in list(self._sessions):
            self.close(handle)


def _shape(shape) -> str:
    if shape.rank is None:
        return "<unknown rank>"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape.as_list()) + "]"
