"""TensorFlow's early absl records: only INFO ones are dropped, everything else reaches stderr, in order,
even when the process dies inside the import. (The end-to-end case, a new interpreter's `tfinterop
predict` with oneDNN's custom ops forced on, is in test_bad_input.py.)"""

import subprocess
import sys

from tfinterop.tf_import import ABSL_NOTICE, drop_early_info_records

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
              "from tfinterop.tf_import import _early_info_records_dropped\n"
              "with _early_info_records_dropped():\n"
              f"    os.write(2, {NOTICE + ONEDNN_INFO + ERROR!r})\n"
              "    os.abort()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode < 0
    assert done.stderr == ERROR
