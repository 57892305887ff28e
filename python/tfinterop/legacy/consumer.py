"""Load SavedModels with an old TensorFlow (1.x), as the seed does, behind tfinterop's worker protocol.

Protocol (tfinterop/runtimes/worker.py): a hello line {"ok": true, "result": {"name", "version"}}, then one
JSON request per stdin line, one JSON reply per line; arrays travel as .npy files.

    {"op": "load", "dir": D, "tags": [..]}  -> {"handle": H}
    {"op": "predict", "handle": H, "input_name", "output_name", "input": X.npy, "output": Y.npy}
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
        self.next = 0

    def load(self, directory, tags):
        if not os.path.isfile(os.path.join(directory, "saved_model.pb")):
            raise Failure("not-a-saved-model", "%s: saved_model.pb is missing" % directory)
        sess = self.tf1.Session(graph=self.tf.Graph())
        try:
            self.tf1.saved_model.loader.load(sess, list(tags), directory)
        except Exception as e:
            sess.close()
            message = str(getattr(e, "message", "") or e)
            raise Failure("load-failed", "TensorFlow %s could not load %s with tags [%s]: %s"
                          % (self.version, directory, ", ".join(tags), message), message)
        self.next += 1
        self.sessions[self.next] = sess
        return self.next

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
    if op == "close":
        consumer.close(request["handle"])
        return {}
    raise Failure("error", "unknown worker request %r" % op)


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
