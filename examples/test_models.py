"""A user's tests, in miniature: the tfinterop pytest plugin holds the exports of export_model.py to TF Java
1.8 (the plugin's default target; add --tfinterop-target NAME for others).

    python export_model.py build/model
    tfinterop fix build/model/keras --out build/model/keras-for-java
    pytest test_models.py

test_models/test_fixed_keras_export_serves_in_java.npz (and the tf1 one) are the goldens: the inputs and Python
TensorFlow's outputs, written by `pytest --tfinterop-regen`; the JVM projects (maven/, gradle/) hold TF Java to
the same files.
"""

from pathlib import Path

MODEL = Path(__file__).resolve().parent / "build" / "model"


def test_fixed_keras_export_serves_in_java(tfinterop):
    """model.export(), then `tfinterop fix` for TF Java 1.8: its three outputs agree there."""
    tfinterop.assert_same_outputs(MODEL / "keras-for-java")


def test_tf1_export_serves_in_java(tfinterop):
    tfinterop.assert_same_outputs(MODEL / "tf1")


def test_keras_export_does_not_load_in_tf_java_1_8(tfinterop):
    """Known, and asserted: the day it loads (a newer target, or a fixed model), this test says so."""
    result = tfinterop.verify(MODEL / "keras")
    assert result.status == "target-failed"
    assert result.runtime_message.startswith("Op type not registered 'StatefulPartitionedCall'")
    assert "op-not-registered" in {f["kind"] for f in result.findings}
