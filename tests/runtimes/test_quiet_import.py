"""TensorFlow's early absl records: only INFO ones are dropped, everything else reaches stderr, in order,
even when the process dies inside the import; and, end to end, `tfinterop predict` in a new interpreter
says exactly its one line on stderr, with oneDNN's custom ops as this CPU has them and forced on."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import cli_fresh
from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.core.tf_import import ABSL_NOTICE, drop_early_info_records

NOTICE = ABSL_NOTICE + b"\n"
ONEDNN_INFO = (b"I0000 00:00:1796152801.712525    4927 port.cc:153] oneDNN custom operations are on. You may see "
               b"slightly different numerical results due to floating-point round-off errors.\n")
WARNING = b"W0000 00:00:1796152801.812525    4927 cpu_allocator_impl.cc:83] Allocation exceeds 10% of free memory.\n"
ERROR = b"E0000 00:00:1796152801.912525    4927 cuda_dnn.cc:8579] Unable to register cuDNN factory\n"


def test_info_records_and_their_notice_are_dropped():
    assert list(drop_early_info_records([NOTICE, ONEDNN_INFO, NOTICE, ONEDNN_INFO])) == []


def test_warnings_errors_and_other_text_pass_in_order():
    lines = [b"before\n", NOTICE, WARNING, ONEDNN_INFO, ERROR, b"Traceback (most recent call last):\n",
             b"I said: port.cc:153] oneDNN, but this is not a record\n", NOTICE]
    assert list(drop_early_info_records(lines)) == [b"before\n", NOTICE, WARNING, ERROR, lines[5], lines[6], NOTICE]


def test_a_crash_inside_the_import_still_gets_its_message_out():
    script = ("import os\n"
              "from tfinterop.core.tf_import import _early_info_records_dropped\n"
              "with _early_info_records_dropped():\n"
              f"    os.write(2, {NOTICE + ONEDNN_INFO + ERROR!r})\n"
              "    os.abort()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode < 0
    assert done.stderr == ERROR


# oneDNN's custom ops: as TensorFlow picks them for this CPU (off on AMD, on for Intel with AVX-512), and forced
# on, which is what an Intel machine does and makes TF 2.21's import print absl's early INFO records anywhere.
# Only Python TensorFlow has them: `predict --runtime java` never imports it (the JVM's TF 1.8 has no oneDNN).
ONEDNN = {"cpu-default": None, "onednn-on": "1"}


def predict_in_a_new_interpreter(tmp_path, runtime, onednn):
    """The job (each case's, started early: a new interpreter's TensorFlow import is about 5 CPU-seconds)."""
    out = tmp_path / "y.npy"
    env = dict(os.environ)
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if ONEDNN[onednn]:
        env["TF_ENABLE_ONEDNN_OPTS"] = ONEDNN[onednn]
    return cli_fresh("predict", paths.GOLDEN / "compat-serve", "--runtime", runtime, "--input",
                     paths.GOLDEN / "input.npy", "--output", out, env=env)


@pytest.mark.early(job=predict_in_a_new_interpreter)
@pytest.mark.parametrize("runtime,onednn", [("python", "cpu-default"), ("python", "onednn-on"), ("java", "cpu-default")])
def test_cli_predict_matches_the_golden_output(runtime, onednn, java_built, early_result):
    """In a new interpreter, as a user starts it (the other command-line tests fork a process that has
    imported TensorFlow already): the import, and TensorFlow's own start-up messages kept off stderr."""
    r, tmp_path = early_result
    out = tmp_path / "y.npy"
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(said) == 1 and said[0].endswith(f"[serve] 1 input(s) -> myOutput float32[100, 10] written to {out}"), r.stderr
    result = compare(np.load(paths.GOLDEN / "expected" / "compat-serve__serve.npy"), np.load(out))
    assert result.agree, result.reason
