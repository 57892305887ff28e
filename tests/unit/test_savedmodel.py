"""The SavedModel reader (savedmodel.py) against TensorFlow's own protobuf classes, on TF1 graph exports
and a TF2 object-based export (test_signatures_any_dtype.py's), and its typed errors. The comparison runs
where TensorFlow may be imported: a fork of the fork server."""

import pytest

from conftest import python_run
from tfinterop.core import paths
from tfinterop.core.errors import ModelNotFoundError, NotASavedModelError
from tfinterop.savedmodel import reader as savedmodel

AGREE = r'''
import math, sys
from pathlib import Path
from tfinterop.core.tf_import import tensorflow
tf = tensorflow()
from tensorflow.core.protobuf import saved_model_pb2
from tfinterop.savedmodel import reader as sm

def same(ours, theirs, where):
    if isinstance(ours, sm.Message):
        for name, kind, _ in ours.FIELDS.values():
            if kind == "bytes" and name in ("coo_sparse", "composite_tensor", "object_graph_def"):
                assert (len(getattr(ours, name)) > 0) == theirs.HasField(name), where + "." + name
                continue
            same(getattr(ours, name), getattr(theirs, name), where + "." + name)
    elif isinstance(ours, dict):
        assert sorted(ours) == sorted(theirs), where
        for k in ours:
            same(ours[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs or (isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs)), \
            f"{where}: {ours!r} != {theirs!r}"

count = 0
for d in sys.argv[1:]:
    data = (Path(d) / "saved_model.pb").read_bytes()
    theirs = saved_model_pb2.SavedModel()
    theirs.ParseFromString(data)
    same(sm.read(d), theirs, d)
    count += 1
print(f"{count} agree")
'''


def test_the_reader_agrees_with_tensorflows_protobuf_classes(any_dtype_models):
    """The golden TF1 exports, and two TF2-era ones: a tf.Module saved with tf.saved_model.save (function
    library, resource variables, saver functions) and a TF1 graph of five dtypes."""
    tf2 = [any_dtype_models / "module", any_dtype_models / "five"]
    golden = sorted(p.parent for p in paths.GOLDEN.glob("*/saved_model.pb"))
    r = python_run("-c", AGREE, *tf2, *golden)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == f"{len(golden) + 2} agree"


def test_what_check_and_inspect_read_is_there():
    model = savedmodel.read(paths.GOLDEN / "compat-mytag")
    assert savedmodel.tag_sets(model) == [["myTag"], ["serve"]]
    mg = model.meta_graphs[0]
    sig = mg.signature_def["predict"]
    assert sig.inputs["myInput"].name == "myInput:0" and savedmodel.dtype_name(sig.inputs["myInput"].dtype) == "DT_FLOAT"
    assert savedmodel.shape_of(sig.inputs["myInput"].tensor_shape) == [-1, 784]
    matmul = next(n for n in mg.graph_def.node if n.op == "MatMul")
    assert matmul.attr["T"].which(*savedmodel.ATTR_VALUE_ONEOF) == "type" and matmul.attr["T"].type == 1
    assert [a.filename for a in savedmodel.collection_assets(mg)] == ["labels.txt"]
    assert not mg.has("object_graph_def") and mg.graph_def.versions.producer > 0


@pytest.mark.parametrize("content, words", [(b"", "holds no MetaGraphDef"),
                                            (b"\xff\xff\xff not a protobuf", "cannot be parsed as a SavedModel"),
                                            (b"\x12\x05\x0a\x03\x22\x01\xff", "not UTF-8")])
def test_bytes_that_are_not_a_saved_model(tmp_path, content, words):
    (tmp_path / "saved_model.pb").write_bytes(content)
    with pytest.raises(NotASavedModelError, match=words):
        savedmodel.read(tmp_path)


def test_a_missing_model(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no such directory"):
        savedmodel.read(tmp_path / "nope")
    with pytest.raises(NotASavedModelError, match="saved_model.pb is missing"):
        savedmodel.read(tmp_path)
