"""`tfinterop fix` of a signature that writes a variable (Keras 3's augmentation layers advance their
SeedGenerator's state on every call): freezing makes every variable a constant, so a write is dropped only where
no output of any signature reads the variable, which makes it invisible to a caller (fix then proves the outputs
in TF Java 1.8); a write an output reads, or another signature does, is state, and is refused saying so."""

import pytest

from conftest import cli, python_run

BUILD = r'''
import sys
from pathlib import Path
import tensorflow as tf


class Counted(tf.Module):
    """Counts its calls; `reads` says who reads the count: nobody, its own output, or a signature of its own."""

    def __init__(self, reads):
        self.reads, self.calls = reads, tf.Variable(0, dtype=tf.int64)
        self.scale = tf.Variable([[1.5, -2.0], [0.5, 3.0]])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def serve(self, x):
        self.calls.assign_add(1)
        y = tf.matmul(x, self.scale)
        return {"y": y * tf.cast(self.calls, tf.float32) if self.reads == "output" else y}

    @tf.function(input_signature=[])
    def count(self):
        return {"calls": self.calls.read_value()}


for reads in ("nobody", "output", "signature"):
    m = Counted(reads)
    signatures = {"serving_default": m.serve, **({"count": m.count} if reads == "signature" else {})}
    tf.saved_model.save(m, str(Path(sys.argv[1]) / reads), signatures=signatures)
'''


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counted")
    built = python_run("-c", BUILD, folder)
    assert built.returncode == 0, built.stderr[-3000:]
    return folder


def test_a_write_no_output_reads_is_dropped_and_the_outputs_agree_in_tf_java_1_8(counted, tmp_path, java_built):
    r = cli("fix", counted / "nobody", "--out", tmp_path / "fixed")
    assert r.returncode == 0 and "FIXED and verified" in r.stdout, (r.stdout + r.stderr)[-3000:]
    assert "dropped-writes-no-output-reads 1" in r.stdout and "agree" in r.stdout


@pytest.mark.parametrize("reads, said", [
    ("output", "signature 'serving_default': it writes variable(s) Variable and its outputs read them: a model with "
               "state, which a frozen graph does not keep; nothing was written"),
    ("signature", "signature 'serving_default' writes a variable that signature 'count' reads: a model with state, "
                  "which a frozen graph does not keep; nothing was written")])
def test_a_write_an_output_reads_is_state_and_refused(counted, tmp_path, reads, said, java_built):
    r = cli("fix", counted / reads, "--out", tmp_path / "fixed")
    assert r.returncode == 1 and not (tmp_path / "fixed").exists(), r.stdout + r.stderr
    assert said in " ".join(r.stdout.split()), r.stdout
