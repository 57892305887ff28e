"""Import Python TensorFlow quietly. Only producer and Python-consumer processes call this: a process
that imports TensorFlow must never start the JVM (see runtimes/__init__.py)."""

import os


def tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # keep C++ info logs out of reports
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")                     # the tf.compat.v1 deprecation notices are expected
    return tf
