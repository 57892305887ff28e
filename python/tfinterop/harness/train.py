"""Training: the seed's recipe (gradient descent 0.5, batches of 100, 1,000 steps), deterministic for
a seed, cached by content so `run` reuses a model trained on the same data with the same settings."""

import hashlib
import inspect
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tfinterop.contract.tolerance import accuracy
from tfinterop.core import paths
from tfinterop.core.tf_import import tensorflow
from tfinterop.harness.data import Mnist
from tfinterop.harness.models import get_model


@dataclass(frozen=True)
class TrainingConfig:
    model: str = "softmax"
    steps: int = 1000
    batch_size: int = 100
    learning_rate: float = 0.5
    seed: int = 0
    optimizer: str = "gd"            # "gd" (the seed's) or "adam"

    @classmethod
    def for_model(cls, model: str, steps: int | None = None, seed: int = 0) -> "TrainingConfig":
        """The model's own recipe (models.py), with the steps and seed a user chose."""
        recipe = dict(get_model(model).training)
        if steps is not None:
            recipe["steps"] = steps
        return cls(model=model, seed=seed, **recipe)


@dataclass
class TrainedModel:
    config: TrainingConfig
    params: list                     # numpy arrays, in the model's variable order
    test_accuracy: float
    data_source: str
    tensorflow_version: str
    from_cache: bool = False
    info: dict = field(default_factory=dict)


def cache_path(mnist: Mnist, config: TrainingConfig, tensorflow_version: str, cache: Path | None = None) -> Path:
    """Where the training of `config` on `mnist` by this TensorFlow is cached. The model's source is part of
    the key: a changed architecture never reuses old weights. Needs no TensorFlow (the matrix's orchestrator
    looks here before it starts a training process)."""
    source = inspect.getsource(type(get_model(config.model)))
    key = hashlib.sha256(json.dumps([config.__dict__, mnist.fingerprint(), tensorflow_version, source],
                                    sort_keys=True).encode()).hexdigest()[:16]
    return (cache or paths.cache_dir()) / "models" / f"{config.model}-{key}.npz"


def train_or_load(mnist: Mnist, config: TrainingConfig, cache: Path | None = None, log=print) -> TrainedModel:
    tf = tensorflow()
    path = cache_path(mnist, config, tf.__version__, cache)
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            params = [z[f"param{i}"] for i in range(int(z["count"]))]
            acc = float(z["test_accuracy"])
        log(f"train: reusing cached {config.model} model {path} (test accuracy {acc:.4f})")
        return TrainedModel(config, params, acc, mnist.source, tf.__version__, from_cache=True)
    trained = train(mnist, config, log)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(fd, "wb") as f:
        np.savez(f, count=len(trained.params), test_accuracy=trained.test_accuracy,
                 **{f"param{i}": p for i, p in enumerate(trained.params)})
    os.replace(tmp, path)
    return trained


def train(mnist: Mnist, config: TrainingConfig, log=print) -> TrainedModel:
    tf = tensorflow()

    model = get_model(config.model)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(config.seed)
        net = model.build(tf)
        labels = tf.compat.v1.placeholder(tf.int64, [None], name="labels")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=net.logits))
        if config.optimizer == "adam":
            optimizer = tf.compat.v1.train.AdamOptimizer(config.learning_rate)
        else:
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(config.learning_rate)
        step = optimizer.minimize(loss)
        init = tf.compat.v1.global_variables_initializer()
    rng = np.random.RandomState(config.seed)
    n = len(mnist.train_images)
    order, pos = rng.permutation(n), 0
    started = time.perf_counter()
    with tf.compat.v1.Session(graph=graph) as sess:
        sess.run(init)
        report_every = max(1, config.steps // 10)
        for i in range(1, config.steps + 1):
            if pos + config.batch_size > n:     # a new epoch, reshuffled as the tutorial's next_batch does
                order, pos = rng.permutation(n), 0
            batch = order[pos:pos + config.batch_size]
            pos += config.batch_size
            feed = {**dict(net.training_feed), net.x: mnist.train_images[batch], labels: mnist.train_labels[batch]}
            _, batch_loss = sess.run([step, loss], feed)
            if i % report_every == 0 or i == config.steps:
                log(f"train: step {i}/{config.steps}  loss {batch_loss:.4f}")
        params = sess.run(net.variables)
        # The logits, not net.y: a model's signature may take more than the image (models.MixedDtypes), and
        # the argmax of the logits is the argmax of the probabilities.
        logits = sess.run(net.logits, {net.x: mnist.test_images})
    acc = accuracy(logits, mnist.test_labels)
    log(f"train: {config.model}, {config.steps} steps in {time.perf_counter() - started:.1f} s; "
        f"test accuracy {acc:.4f} on {len(mnist.test_labels)} images ({mnist.source})")
    return TrainedModel(config, params, acc, mnist.source, tf.__version__)
