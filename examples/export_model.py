"""A user's export script, in miniature: a small Keras classifier, exported twice.

    python export_model.py OUT

  OUT/keras  what Keras 3 writes (model.export): TensorFlow 2's object graph, one call into its function
             library. TF Java 1.8 cannot load it (Op type not registered 'StatefulPartitionedCall').
  OUT/tf1    the same weights as a TF1 graph, written the way TF Java 1.8 loads (the fixes `tfinterop check`
             names): ref variables, a non-sharded saver, default-valued attrs stripped.

The weights come from seeded initializers, not training, so every machine exports the same model (a real
project trains here).
"""

import sys
from pathlib import Path

import keras
import tensorflow as tf


def build():
    """Three outputs, as a serving model often has: the class probabilities, the logits and the embedding."""
    init = keras.initializers.GlorotUniform(seed=7)
    pixels = keras.Input((784,), name="pixels")
    hidden = keras.layers.Dense(16, activation="relu", kernel_initializer=init, name="hidden")(pixels)
    logits = keras.layers.Dense(10, kernel_initializer=init, name="logits")(hidden)
    digits = keras.layers.Softmax(name="digits")(logits)
    return keras.Model(pixels, {"digits": digits, "logits": logits, "hidden": hidden})


def export_tf1(model, out: Path):
    (w1, b1), (w2, b2) = (layer.get_weights() for layer in model.layers[1:3])
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as sess:
        pixels = v1.placeholder(tf.float32, [None, 784], name="pixels")
        weights = [v1.Variable(w, use_resource=False) for w in (w1, b1, w2, b2)]
        sess.run([w.initializer for w in weights])
        hidden = tf.nn.relu(tf.matmul(pixels, weights[0]) + weights[1])
        digits = tf.nn.softmax(tf.matmul(hidden, weights[2]) + weights[3], name="digits")
        signature = v1.saved_model.predict_signature_def(inputs={"pixels": pixels}, outputs={"digits": digits})
        builder = v1.saved_model.Builder(str(out))
        builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": signature},
                                             strip_default_attrs=True, saver=v1.train.Saver(sharded=False))
        builder.save()


def main(out: Path):
    model = build()
    model.export(str(out / "keras"), verbose=False)
    export_tf1(model, out / "tf1")
    print(f"exported {out / 'keras'} and {out / 'tf1'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/model"))
