"""tfinterop: does a SavedModel exported by Python TensorFlow load in TF Java, and give the same numbers?

Two wings over shared layers (docs/harness.md, "How it is built"): the tool a team points at its own model
(savedmodel -> contract -> compat -> runtimes -> commands, with the faces cli/ and pytest_plugin.py) and the
harness that proves it (harness/: MNIST data -> train -> export variants -> matrix -> reports). "The seed" is the
blog post the harness replays (a TensorFlow 1.x model saved with simple_save and SavedModelBuilder, loaded by TF
Java 1.8 through SavedModelBundle): its calls are the seed-* export variants. Python TensorFlow and the JVM never
share a process (runtimes/worker.py).
"""

__version__ = "0.1.0"
