"""The MNIST models. Each builds its inference graph in the current tf.Graph, with the seed's names
for the input and output, so every export variant and every runtime uses the same tensor names.

`variable_kind` picks how variables are stored: "default" is what TensorFlow does today (resource
variables in TF 2.x), "ref" gives the VariableV2 ops that TensorFlow 1.8 understands.
"""

from dataclasses import dataclass, field

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
    training_feed: dict = field(default_factory=dict)   # fed while training only (e.g. dropout's keep probability)


def variable(tf, initial_value, variable_kind):
    if variable_kind == "ref":
        return tf.compat.v1.Variable(initial_value, use_resource=False)
    return tf.Variable(initial_value)   # as the seed writes it


class SoftmaxRegression:
    """The seed's model: y = softmax(x W + b), from the MNIST beginners' tutorial."""

    name = "softmax"
    # The seed's recipe: gradient descent 0.5, 1,000 steps of 100.
    training = {"steps": 1000, "learning_rate": 0.5, "optimizer": "gd"}

    def build(self, tf, variable_kind="default") -> InferenceGraph:
        x = tf.compat.v1.placeholder(tf.float32, [None, IMAGE_PIXELS], name=INPUT_NAME)
        W = variable(tf, tf.zeros([IMAGE_PIXELS, CLASSES]), variable_kind)
        b = variable(tf, tf.zeros([CLASSES]), variable_kind)
        logits = tf.matmul(x, W) + b
        y = tf.nn.softmax(logits, name=OUTPUT_NAME)
        return InferenceGraph(x, logits, y, [W, b])


class SmallConvNet:
    """A small convolutional network: 5x5 convolution (8 filters) + ReLU, 2x2 max pooling, dropout, dense
    layer to the 10 classes, softmax. Dropout's keep probability is a placeholder_with_default of 1.0:
    training feeds 0.75, inference feeds nothing and dropout is off (and exact: the kept values are
    divided by 1.0). Small enough to train in seconds on two cores."""

    name = "cnn"
    filters = 8
    training = {"steps": 300, "learning_rate": 0.002, "optimizer": "adam"}
    keep_prob_training = 0.75

    def build(self, tf, variable_kind="default") -> InferenceGraph:
        x = tf.compat.v1.placeholder(tf.float32, [None, IMAGE_PIXELS], name=INPUT_NAME)
        keep_prob = tf.compat.v1.placeholder_with_default(1.0, [], name="keep_prob")
        image = tf.reshape(x, [-1, 28, 28, 1])
        kernel = variable(tf, tf.random.truncated_normal([5, 5, 1, self.filters], stddev=0.1), variable_kind)
        conv_bias = variable(tf, tf.fill([self.filters], 0.1), variable_kind)
        conv = tf.nn.relu(tf.nn.conv2d(image, kernel, strides=[1, 1, 1, 1], padding="SAME") + conv_bias)
        pooled = tf.nn.max_pool2d(conv, ksize=2, strides=2, padding="SAME")
        flat = tf.reshape(pooled, [-1, 14 * 14 * self.filters])
        dropped = tf.nn.dropout(flat, rate=1.0 - keep_prob)
        W = variable(tf, tf.random.truncated_normal([14 * 14 * self.filters, CLASSES], stddev=0.01), variable_kind)
        b = variable(tf, tf.zeros([CLASSES]), variable_kind)
        logits = tf.matmul(dropped, W) + b
        y = tf.nn.softmax(logits, name=OUTPUT_NAME)
        return InferenceGraph(x, logits, y, [kernel, conv_bias, W, b],
                              training_feed={keep_prob: self.keep_prob_training})


MODELS = {m.name: m for m in (SoftmaxRegression(), SmallConvNet())}


def get_model(name):
    try:
        return MODELS[name]
    except KeyError:
        from tfinterop.errors import UsageError
        raise UsageError(f"unknown model {name!r}; the models are: {', '.join(MODELS)}") from None
