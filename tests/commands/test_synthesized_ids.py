"""Ids synthesized for a signature stay under the rows of the table they index (contract/gather_bounds.py, read
from the graph without TensorFlow): an embedding of 4 rows in a Keras 3 export (through its calls and the select
that wraps negative ids) and tf.gather of a 5-row variable in a tf.Module. With ids in [0, 10) both refused to run
("indices[0,0] = 5 is not in [0, 4)"); now fix verifies the Keras model on synthesized inputs in TF Java 1.8."""

from conftest import cli, python_run
from tfinterop.contract import signatures
from tfinterop.savedmodel import reader as savedmodel

BUILD = r'''
import sys
import keras
import numpy as np
import tensorflow as tf

keras.utils.set_random_seed(0)
ids = keras.Input((3,), dtype="int32", name="ids")
embedded = keras.layers.Flatten()(keras.layers.Embedding(4, 2)(ids))
keras.Model(ids, keras.layers.Dense(2)(embedded)).export(sys.argv[1] + "/keras")


class Rows(tf.Module):
    def __init__(self):
        self.table = tf.Variable(np.arange(15, dtype=np.float32).reshape(5, 3))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64)])
    def serve(self, prior_id):
        return {"row": tf.gather(self.table, prior_id)}


rows = Rows()
tf.saved_model.save(rows, sys.argv[1] + "/module", signatures={"serving_default": rows.serve})
'''


def test_synthesized_ids_stay_in_the_table_they_index_and_the_model_runs(tmp_path, java_built):
    built = python_run("-c", BUILD, tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    for name, key, rows in (("keras", "ids", 4), ("module", "prior_id", 5)):
        mg = savedmodel.read(tmp_path / name).meta_graphs[0]
        ids = signatures.synthesize(mg.signature_def["serving_default"], 64, 0, mg.graph_def)[key]
        assert ids.min() == 0 and ids.max() == rows - 1, (name, ids)
        unbound = signatures.synthesize(mg.signature_def["serving_default"], 64, 0)[key]   # no graph: 0-9
        assert unbound.max() == 9
    r = cli("fix", tmp_path / "keras", "--out", tmp_path / "fixed")
    assert r.returncode == 0 and "FIXED and verified" in r.stdout, (r.stdout + r.stderr)[-3000:]
    assert "synthesized from the signature" in r.stderr
