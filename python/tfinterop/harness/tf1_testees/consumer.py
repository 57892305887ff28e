"""Load SavedModels with an old TensorFlow (1.x), as the seed does, behind tfinterop's worker protocol.

Protocol (tfinterop/runtimes/worker.py): a hello line {"ok": true, "result": {"name", "version"}}, then one
JSON request per stdin line, one JSON reply per line; arrays travel as .npy files.

    {"op": "load", "dir": D, "tags": [..]}  -> {"handle": H}
    {"op": "predict", "handle": H, "input_name", "output_name", "input": X.npy, "output": Y.npy}
    {"op": "run", "handle": H, "signature": KEY|null, "input_files": {K: X.npy}, "output_keys": [K..]|null,
     "outputs": Y.npz}
    {"op": "close", "handle": H}
    errors: {"ok": false, "error": {"kind", "message", "runtime_message"}}

Python 3.6 syntax, TensorFlow and numpy only: this runs in the old TensorFlow's own environment.
"""

import json
import os
import sys


class Consumer(object):
    def __init__(self, tf):
        self.tf = tf
        compat = getattr(tf, "compat", None)
        self.tf1 = getattr(compat, "v1", None) or tf
        self.version = tf.__version__
        self.name = "python-tf-" + tf.__version__
        self.sessions = {}
        self.meta_graphs = {}
        self.next = 0

    def load(self, directory, tags):
        if not os.path.isfile(os.path.join(directory, "saved_model.pb")):
            raise Failure("not-a-saved-model", "%s: saved_model.pb is missing" % directory)
        sess = self.tf1.Session(graph=self.tf.Graph())
        try:
            meta_graph = self.tf1.saved_model.loader.load(sess, list(tags), directory)
        except Exception as e:
            sess.close()
            message = str(getattr(e, "message", "") or e)
            raise Failure("load-failed", "TensorFlow %s could not load %s with tags [%s]: %s"
                          % (self.version, directory, ", ".join(tags), message), message)
        self.next += 1
        self.sessions[self.next] = sess
        self.meta_graphs[self.next] = meta_graph
        return self.next

    def run(self, handle, key, inputs, output_keys):
        """The signature-first call: {input key: array} -> {output key: array}, the tensors named by the
        SignatureDef the loader returned. Checks only what the matrix needs told apart (the keys); tfinterop's
        own adapters hold the full input checks (tfinterop/feeds.py)."""
        signatures = self.meta_graphs[handle].signature_def
        callable_keys = sorted(k for k in signatures if not k.startswith("__"))
        if key is None:
            if "serving_default" in callable_keys or len(callable_keys) != 1:
                key = "serving_default"
            else:
                key = callable_keys[0]
        if key not in signatures:
            raise Failure("signature-not-found", "no signature %r; the signatures: %s" % (key, ", ".join(callable_keys)))
        signature = signatures[key]
        want = sorted(signature.inputs)
        if sorted(inputs) != want:
            raise Failure("invalid-input", "signature %r takes the inputs %s; got %s"
                          % (key, ", ".join(want), ", ".join(sorted(inputs))))
        keys = sorted(signature.outputs) if output_keys is None else list(output_keys)
        unknown = [k for k in keys if k not in signature.outputs]
        if unknown:
            raise Failure("signature-key-not-found", "signature %r has no output %s; its output keys: %s"
                          % (key, ", ".join(unknown), ", ".join(sorted(signature.outputs))))
        feed = {signature.inputs[k].name: v for k, v in inputs.items()}
        try:
            values = self.sessions[handle].run([signature.outputs[k].name for k in keys], feed_dict=feed)
        except Exception as e:
            message = str(getattr(e, "message", "") or e)
            raise Failure("run-failed", "TensorFlow %s rejected the run: %s" % (self.version, message), message)
        return dict(zip(keys, values))

    def predict(self, handle, input_name, output_name, x):
        sess = self.sessions[handle]

        def name(n):
            return n if ":" in n else n + ":0"
        try:
            return sess.run(name(output_name), feed_dict={name(input_name): x})
        except Exception as e:
            message = str(getattr(e, "message", "") or e)
            raise Failure("run-failed", "TensorFlow %s rejected the run: %s" % (self.version, message), message)

    def close(self, handle):
        sess = self.sessions.pop(handle, None)
        self.meta_graphs.pop(handle, None)
        if sess is not None:
            sess.close()


class Failure(Exception):
    def __init__(self, kind, message, runtime_message=None):
        Exception.__init__(self, message)
        self.kind = kind
        self.runtime_message = runtime_message


def handle(consumer, request):
    import numpy as np
    op = request["op"]
    if op == "info":
        return {"name": consumer.name, "version": consumer.version}
    if op == "load":
        return {"handle": consumer.load(request["dir"], request["tags"])}
    if op == "predict":
        x = np.load(request["input"], allow_pickle=False)
        y = consumer.predict(request["handle"], request["input_name"], request["output_name"], x)
        np.save(request["output"], y, allow_pickle=False)
        return {"shape": list(y.shape)}
    if op == "run":
        # One .npy per input key; the optional fields of tfinterop's own worker (kept inputs, an output buffer)
        # are not spoken here: the outputs go to the .npz file, which the client then reads.
        inputs = dict((k, np.load(path, allow_pickle=False)) for k, path in request["input_files"].items())
        outputs = consumer.run(request["handle"], request["signature"], inputs, request["output_keys"])
        write_npz(request["outputs"], outputs)
        return {"outputs": dict((k, {"dtype": str(v.dtype), "shape": list(v.shape)}) for k, v in outputs.items())}
    if op == "close":
        consumer.close(request["handle"])
        return {}
    raise Failure("error", "unknown worker request %r" % op)


def write_npz(path, arrays):
    """arrays as an .npz, keys as given (numpy.savez's keywords could collide with them), renamed into place."""
    import zipfile
    import numpy as np
    partial = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        for key, a in arrays.items():
            a = np.asanyarray(a)
            if a.dtype == object:       # TensorFlow's strings come back as an object array of bytes
                a = a.astype(np.bytes_)
            with z.open(key + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, a, allow_pickle=False)
    os.rename(partial, path)


def main():
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)   # whatever TensorFlow prints must not corrupt the protocol
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    consumer = Consumer(tf)
    replies.write(json.dumps({"ok": True, "result": {"name": consumer.name, "version": consumer.version}}) + "\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = {"ok": True, "result": handle(consumer, request)}
        except Failure as e:
            reply = {"ok": False, "error": {"kind": e.kind, "message": str(e), "runtime_message": e.runtime_message}}
        except Exception as e:  # an unforeseen error is still an answer, not a dead worker
            reply = {"ok": False, "error": {"kind": "error", "message": "%s: %s" % (type(e).__name__, e)}}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
