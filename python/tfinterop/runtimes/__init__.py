"""One adapter per runtime, all with the same small interface (a Consumer):

    name                         e.g. "python-tf-2.21.0", "java-tf-1.8.0"
    load(dir, tags, allow_untrusted=False) -> handle
                                 raises a typed TfInteropError (core/errors.py) on failure; refuses a model
                                 with ops that reach outside the computation (compat/untrusted.py) unless allowed
    predict(handle, input_name, output_name, x) -> ndarray
    predict_signature(handle, signature_key, input_key, output_key, x) -> ndarray
                                 keys as `inspect` shows them; None = the signature's only input/output
    run(handle, signature_key, inputs, output_keys=None) -> {output key: ndarray}
                                 the signature-first call: {input key: ndarray} of any dtype the
                                 signature declares (contract/signatures.py checks them); signature_key None =
                                 serving_default, else the only one; output_keys None = every output
    close(handle)

`open_consumer(runtime)` gives one in this process; `worker.WorkerClient(runtime)` gives the same
interface backed by a process of its own. The harness always uses workers: Python TensorFlow 2.x
and the TF 1.x native library abort when loaded into one process (RTLD_GLOBAL protobuf clash), and a
native crash in a consumer must become a result, not the end of the run.
"""

import importlib

# The in-process adapter of each kind of runtime: module and class, imported only when that kind is opened (the
# Python adapter imports TensorFlow, the Java one starts a JVM).
ADAPTERS = {"python": ("tfinterop.runtimes.python_tf", "PythonTF"), "java": ("tfinterop.runtimes.java_tf", "JavaTF")}
RUNTIMES = tuple(ADAPTERS)


def open_consumer(runtime: str):
    if runtime not in ADAPTERS:
        from tfinterop.core.errors import UsageError
        raise UsageError(f"unknown runtime {runtime!r}; expected one of: {', '.join(RUNTIMES)}")
    module, cls = ADAPTERS[runtime]
    return getattr(importlib.import_module(module), cls)()
