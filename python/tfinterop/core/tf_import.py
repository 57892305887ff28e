"""Import Python TensorFlow quietly. Only producer and Python-consumer processes call this: a process
that imports TensorFlow must never start the JVM (see runtimes/__init__.py).

Why a filter: TensorFlow 2.x logs through absl, and absl writes every record made before
absl::InitializeLog() to stderr whatever TF_CPP_MIN_LOG_LEVEL says (tensorflow/tensorflow#100442).
Where oneDNN's custom ops are on (the default on Intel CPUs with AVX-512; `TF_ENABLE_ONEDNN_OPTS=1`
anywhere) each import prints such INFO records, and absl's notice before them. So, when
TF_CPP_MIN_LOG_LEVEL asks for no INFO logs (tfinterop's default), the import runs with its stderr through
a filter that applies that level to those early records: it drops single-line INFO records and the
notice that introduces them, and passes everything else (warnings, errors, Python's own output)
through unchanged and in order. The filter is a forked process, so a crash inside the import still
gets its last words out. oneDNN itself is left as TensorFlow chose for the CPU: numerics are not changed.
"""

import os
import re
import sys

ABSL_NOTICE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# absl's record prefix: severity, MMDD, hh:mm:ss.micros (before InitializeLog: "I0000 00:00:<epoch seconds>"),
# thread id, file:line]. Only severity I (INFO) is dropped.
INFO_RECORD = re.compile(rb"^I\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.-]+:\d+\] ")


def tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # keep C++ info logs out of reports
    if "tensorflow" not in sys.modules and _min_log_level() >= 1:
        with _early_info_records_dropped():
            import tensorflow as tf
    else:
        import tensorflow as tf
    tf.get_logger().setLevel("ERROR")                     # the tf.compat.v1 deprecation notices are expected
    return tf


def _min_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def drop_early_info_records(lines):
    """The filter itself, over an iterable of byte lines (each with its newline): yields what stays.
    absl's notice is held back until the record after it shows whether that record is dropped."""
    held = None
    for line in lines:
        if held is not None and not INFO_RECORD.match(line):
            yield held
        held = None
        if line.rstrip(b"\r\n") == ABSL_NOTICE:
            held = line
        elif not INFO_RECORD.match(line):
            yield line
    if held is not None:
        yield held


class _early_info_records_dropped:
    """stderr (fd 2, so C++ writes too) goes through `drop_early_info_records` in a forked process
    for the duration of the block; on exit fd 2 is restored and the filter has written everything."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:                         # the filter: reads until every write end is closed
            try:
                os.close(write_end)
                with os.fdopen(read_end, "rb") as lines:
                    for line in drop_early_info_records(lines):
                        _write_all(self.saved, line)
            finally:
                os._exit(0)
        os.close(read_end)
        os.dup2(write_end, 2)
        os.close(write_end)
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved, 2)                    # the last write end closes: the filter sees EOF
        os.close(self.saved)
        os.waitpid(self.pid, 0)
        return False


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]
