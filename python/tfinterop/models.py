"""The MNIST models. Each builds its inference graph in the current tf.Graph, with the seed's names
for the input and output, so every export variant and every runtime uses the same tensor names.

`variable_kind` picks how variables are stored: "default" is what TensorFlow does today (resource
variables in TF 2.x), "ref" gives the VariableV2 ops that TensorFlow 1.8 understands.
"""

from dataclasses import dataclass

INPUT_NAME = "myInput"
OUTPUT_NAME = "myOutput"
IMAGE_PIXELS = 784
CLASSES = 10


@dataclass
class InferenceGraph:
    x: object            # the input placeholder, [None, 784] float32
    logits: object
    y: object            # softmax probabilities, named OUTPUT_NAME
    variables: list      # in a fixed order: trained values are stored and restored by position


def variable(tf, initial_value, variable_kind):
    if variable_kind == "ref":
        return tf.compat.v1.Variable(initial_value, use_resource=False)
    return tf.Variable(initial_value)   # as the seed writes it


class SoftmaxRegression:
    """The seed's model: y = softmax(x W + b), from the MNIST beginners' tutorial."""

    name = "softmax"

    def build(self, tf, variable_kind="default") -> InferenceGraph:
        x = tf.compat.v1.placeholder(tf.float32, [None, IMAGE_PIXELS], name=INPUT_NAME)
        W = variable(tf, tf.zeros([IMAGE_PIXELS, CLASSES]), variable_kind)
        b = variable(tf, tf.zeros([CLASSES]), variable_kind)
        logits = tf.matmul(x, W) + b
        y = tf.nn.softmax(logits, name=OUTPUT_NAME)
        return InferenceGraph(x, logits, y, [W, b])


MODELS = {m.name: m for m in (SoftmaxRegression(),)}


def get_model(name):
    try:
        return MODELS[name]
    except KeyError:
        from tfinterop.errors import UsageError
        raise UsageError(f"unknown model {name!r}; the models are: {', '.join(MODELS)}") from None
