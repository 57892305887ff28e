"""The MNIST models. Each builds its inference graph in the current tf.Graph, with fixed names for its
inputs and outputs (the seed's myInput/myOutput for softmax and cnn), so every export variant and every
runtime uses the same tensor names and signature keys.

  softmax  the seed's model: one float32 input, one float32 output
  cnn      a small convolutional network, same signature
  mixed    the softmax regression behind a signature of five inputs and five outputs of five dtypes
           (float32, float64, int32, int64, bool): what a call by signature must carry in every runtime

`variable_kind` picks how variables are stored: "default" is what TensorFlow does today (resource
variables in TF 2.x), "ref" gives the VariableV2 ops that TensorFlow 1.8 understands, and TrainedValues
creates each holding its trained value (what a TF2 function needs: export.py's `saved-model` variant).

`keras_model(keras, params)` is the same model as a Keras model holding the trained values, with the same
input and output keys (export.py's `keras` variant).
"""

from dataclasses import dataclass, field

INPUT_NAME = "myInput"
OUTPUT_NAME = "myOutput"
IMAGE_PIXELS = 784
CLASSES = 10


@dataclass
class InferenceGraph:
    x: object            # the image placeholder, [None, 784] float32: what training feeds
    logits: object       # what training's loss and accuracy read (argmax of the logits = argmax of y)
    y: object            # the class probabilities, [None, 10] float32
    variables: list      # in a fixed order: trained values are stored and restored by position
    # fed while training only (e.g. dropout's keep probability): (tensor, value) pairs, as a TF2 function's
    # graph tensors cannot be dict keys
    training_feed: list = field(default_factory=list)
    inputs: dict = None  # the signature: {input key: placeholder}, {output key: tensor}; default the seed's
    outputs: dict = None

    def __post_init__(self):
        self.inputs = self.inputs or {INPUT_NAME: self.x}
        self.outputs = self.outputs or {OUTPUT_NAME: self.y}


class SeedSignature:
    """One float32 image batch in (myInput), one float32 probability batch out (myOutput)."""

    input_keys = (INPUT_NAME,)
    output_keys = (OUTPUT_NAME,)
    probabilities_key = OUTPUT_NAME

    def example_inputs(self, images, labels) -> dict:
        """The inputs a matrix cell feeds for these images and labels, by signature key."""
        return {INPUT_NAME: images}


class TrainedValues:
    """A variable_kind: each variable the model creates holds the next of `params` (its variable order).
    A numpy value, unlike the graph tensor the builder passes, can be lifted out of a TF2 function's graph
    (tf.compat.v1.wrap_function), where the variable then lives."""

    def __init__(self, params):
        self._next = iter(params)


def variable(tf, initial_value, variable_kind):
    if isinstance(variable_kind, TrainedValues):
        return tf.Variable(next(variable_kind._next))    # noqa: SLF001 -- its own iterator
    if variable_kind == "ref":
        return tf.compat.v1.Variable(initial_value, use_resource=False)
    return tf.Variable(initial_value)   # as the seed writes it


class SoftmaxRegression(SeedSignature):
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

    def keras_model(self, keras, params):
        x = keras.Input((IMAGE_PIXELS,), name=INPUT_NAME)
        dense = keras.layers.Dense(CLASSES, activation="softmax", name=OUTPUT_NAME)
        model = keras.Model({INPUT_NAME: x}, {OUTPUT_NAME: dense(x)})
        dense.set_weights(params)
        return model


class SmallConvNet(SeedSignature):
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
                              training_feed=[(keep_prob, self.keep_prob_training)])

    def keras_model(self, keras, params):
        layers = keras.layers
        x = keras.Input((IMAGE_PIXELS,), name=INPUT_NAME)
        conv = layers.Conv2D(self.filters, 5, padding="same", activation="relu")
        dense = layers.Dense(CLASSES, activation="softmax", name=OUTPUT_NAME)
        h = layers.MaxPooling2D(2, strides=2, padding="same")(conv(layers.Reshape((28, 28, 1))(x)))
        y = dense(layers.Flatten()(layers.Dropout(1.0 - self.keep_prob_training)(h)))   # NHWC, as the graph's
        model = keras.Model({INPUT_NAME: x}, {OUTPUT_NAME: y})
        conv.set_weights(params[:2])
        dense.set_weights(params[2:])
        return model


class MixedDtypes:
    """The softmax regression (trained alike) behind five inputs and five outputs of five dtypes:

        image float32 [?, 784], temperature float64 [?], mask bool [?, 10], class_offset int32 [?],
        expected int64 [?]
      ->
        probabilities float32 [?, 10]  softmax of the logits over the classes the mask allows, / temperature
        label int64 [?]                argmax of probabilities
        score float64 [?]              the top probability (float64) x temperature
        shifted int32 [?]              (label + class_offset) mod 10
        correct bool [?]               label == expected

    Only ops TensorFlow 1.8 registers, as in the seed's model (no tf.where: TF 2's SelectV2 is newer)."""

    name = "mixed"
    training = SoftmaxRegression.training
    probabilities_key = "probabilities"
    input_keys = ("image", "temperature", "mask", "class_offset", "expected")
    output_keys = ("probabilities", "label", "score", "shifted", "correct")

    def build(self, tf, variable_kind="default") -> InferenceGraph:
        v1 = tf.compat.v1
        x = v1.placeholder(tf.float32, [None, IMAGE_PIXELS], name="image")
        temperature = v1.placeholder(tf.float64, [None], name="temperature")
        mask = v1.placeholder(tf.bool, [None, CLASSES], name="mask")
        class_offset = v1.placeholder(tf.int32, [None], name="class_offset")
        expected = v1.placeholder(tf.int64, [None], name="expected")
        W = variable(tf, tf.zeros([IMAGE_PIXELS, CLASSES]), variable_kind)
        b = variable(tf, tf.zeros([CLASSES]), variable_kind)
        return self._graph(tf, x, temperature, mask, class_offset, expected, W, b)

    def _graph(self, tf, x, temperature, mask, class_offset, expected, W, b) -> InferenceGraph:
        logits = tf.matmul(x, W) + b
        # A masked class gets -1e4 added: far below any logit, so its probability is exactly 0.
        allowed = logits - 1e4 * (1.0 - tf.cast(mask, tf.float32))
        y = tf.nn.softmax(allowed / tf.expand_dims(tf.cast(temperature, tf.float32), 1), name="probabilities")
        label = tf.argmax(y, axis=1, output_type=tf.int64, name="label")
        score = tf.multiply(tf.cast(tf.reduce_max(y, axis=1), tf.float64), temperature, name="score")
        shifted = tf.math.floormod(tf.cast(label, tf.int32) + class_offset, CLASSES, name="shifted")
        correct = tf.equal(label, expected, name="correct")
        return InferenceGraph(x, logits, y, [W, b],
                              inputs={"image": x, "temperature": temperature, "mask": mask,
                                      "class_offset": class_offset, "expected": expected},
                              outputs={"probabilities": y, "label": label, "score": score, "shifted": shifted,
                                       "correct": correct})

    def keras_model(self, keras, params):
        """The five inputs as keras.Inputs of their dtypes, and the computation of _graph as one layer (its
        ops are TensorFlow's: Keras layers have no int64 argmax or floormod of their own in Keras 2)."""
        from tfinterop.core.tf_import import tensorflow
        tf, spec = tensorflow(), self

        class MixedHead(keras.layers.Layer):
            def build(self, input_shape):
                self.W = self.add_weight(name="W", shape=(IMAGE_PIXELS, CLASSES), initializer="zeros")
                self.b = self.add_weight(name="b", shape=(CLASSES,), initializer="zeros")

            def call(self, inputs):
                return spec._graph(tf, *(inputs[k] for k in spec.input_keys), self.W, self.b).outputs

        dtypes = {"image": ("float32", (IMAGE_PIXELS,)), "temperature": ("float64", ()), "mask": ("bool", (CLASSES,)),
                  "class_offset": ("int32", ()), "expected": ("int64", ())}
        class Named(keras.layers.Layer):      # Keras 2 keys a model's outputs by the name of their last layer
            def call(self, x):
                return tf.identity(x)

        inputs = {k: keras.Input(dtypes[k][1], dtype=dtypes[k][0], name=k) for k in self.input_keys}
        head = MixedHead(name="mixed", autocast=False)     # temperature stays float64
        outputs = head(inputs)
        model = keras.Model(inputs, {k: Named(name=k, autocast=False)(outputs[k]) for k in self.output_keys})
        head.set_weights(params)
        return model

    def example_inputs(self, images, labels) -> dict:
        """Deterministic in the row number: four temperatures, one class masked in every fourth row, offsets
        0-9, and the true labels as `expected` (so `correct` is the model's hit or miss)."""
        import numpy as np
        rows = np.arange(len(images))
        mask = np.ones((len(images), CLASSES), dtype=bool)
        masked = rows[rows % 4 == 0]
        mask[masked, (masked * 3) % CLASSES] = False
        return {"image": images, "temperature": 0.5 + (rows % 4) * 0.5, "mask": mask,
                "class_offset": (rows % CLASSES).astype(np.int32), "expected": np.asarray(labels, dtype=np.int64)}


MODELS = {m.name: m for m in (SoftmaxRegression(), SmallConvNet(), MixedDtypes())}


def get_model(name):
    try:
        return MODELS[name]
    except KeyError:
        from tfinterop.core.errors import UsageError
        raise UsageError(f"unknown model {name!r}; the models are: {', '.join(MODELS)}") from None
