"""tfinterop: does a SavedModel exported by Python TensorFlow load in TF Java, and give the same numbers?

The data flows one way: data -> train -> export -> consume (Python, Java) -> compare -> report.
Python TensorFlow and the JVM never share a process (see runtimes/worker.py).
"""

__version__ = "0.1.0"
