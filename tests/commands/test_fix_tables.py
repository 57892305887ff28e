"""`tfinterop fix` rebuilds the lookup tables of object-based exports as TF1 tables, filled by the model's main
op (which every TF1 loader runs), proven in the real TF Java 1.8 and 1.15: a StaticHashTable from tensors, a
StaticVocabularyTable from a vocabulary file (a tf.saved_model.Asset, carried into the fixed model's assets/),
with out-of-vocabulary buckets, and the SelectV2 an embedding's lookup leaves, whose shapes are known only at
run time. The inputs hold words in and out of the vocabularies, so the tables' contents are what is compared."""

import json

import numpy as np
import pytest

from conftest import cli, python_run

BUILD = r'''
import sys
from pathlib import Path
import tensorflow as tf

out = Path(sys.argv[1])
vocabulary = out / "vocabulary.txt"
vocabulary.write_text("the\ncat\nsat\non\nmat\n")


class Tables(tf.Module):
    def __init__(self):
        self.colours = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(["red", "green", "blue"], tf.constant([3, 5, 7], tf.int64)), -1)
        self.words = tf.lookup.StaticVocabularyTable(
            tf.lookup.TextFileInitializer(str(vocabulary), tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                                          tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER), num_oov_buckets=3)
        self.embedding = tf.Variable(tf.reshape(tf.range(24, dtype=tf.float32), [8, 3]))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([None, 4], tf.string)])
    def serve(self, colour, words):
        ids = self.words.lookup(words)
        vectors = tf.gather(self.embedding, ids)
        found = self.colours.lookup(colour)
        return {"colour_id": found, "word_ids": ids, "sentence": tf.reduce_sum(vectors, 1),
                "known": tf.where(found >= 0, tf.cast(found, tf.float32), -0.5)}


module = Tables()
tf.saved_model.save(module, str(out / "model"), signatures={"serving_default": module.serve})
vocabulary.unlink()          # the model's own copy is its asset
'''


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    built = python_run("-c", BUILD, folder)
    assert built.returncode == 0, built.stderr[-3000:]
    np.savez(folder / "inputs.npz", colour=np.array([b"red", b"blue", b"mauve", b""], dtype=np.bytes_),
             words=np.array([[b"the", b"cat", b"sat", b"on"], [b"a", b"dog", b"on", b"mat"],
                             [b"mat", b"mat", b"zebra", b"\xc3\xa9"], [b"", b"the", b"the", b"cat"]], dtype=np.bytes_))
    return folder


def test_a_table_read_from_a_file_makes_the_model_untrusted_until_the_user_says_otherwise(tables, tmp_path):
    """Loading runs the table's initialiser, which reads a file at a path the graph gives (here the model's own
    vocabulary asset): the untrusted-op scan stops fix before anything runs, and names the op."""
    r = cli("fix", tables / "model", "--out", tmp_path / "fixed")
    assert r.returncode == 1 and "untrusted-model" in r.stderr and "InitializeTableFromTextFileV2" in r.stderr
    assert "--allow-untrusted" in r.stderr and not (tmp_path / "fixed").exists()


@pytest.mark.parametrize("target", ["java-tf-1.8.0", "java-tf-1.15.0"])
def test_lookup_tables_are_rebuilt_for_tf_java_1x_and_agree(tables, tmp_path, target, java_built):
    r = cli("fix", tables / "model", "--out", tmp_path / "fixed", "--target", target, "--allow-untrusted",
            "--inputs", tables / "inputs.npz", "--json", tmp_path / "report.json")
    assert r.returncode == 0 and "FIXED and verified" in r.stdout, (r.stdout + r.stderr)[-3000:]
    [signature] = json.loads((tmp_path / "report.json").read_text())["signatures"]
    assert signature["rewrites"]["tables-initialised-by-main-op"] == 2
    outputs = {o["key"]: o for o in signature["verification"]["outputs"]}
    assert sorted(outputs) == ["colour_id", "known", "sentence", "word_ids"] and all(o["agree"] for o in
                                                                                    outputs.values()), outputs
    assert (tmp_path / "fixed" / "assets" / "vocabulary.txt").read_text() == "the\ncat\nsat\non\nmat\n"
