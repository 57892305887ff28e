"""The Java consumer: TF Java (1.8.0 by default) through the project's Java library, driven by JPype.

Arrays cross as native-order direct buffers over numpy's own memory: no element-by-element copy
(10,000 x 784 floats: 81 ms as a JArray, 3.6 ms as a direct buffer, measured on these machines).
Never start this in a process that has imported Python TensorFlow (see runtimes/__init__.py).
"""

import faulthandler
import os
import sys

import numpy as np

from tfinterop.contract import signatures
from tfinterop.core import paths
from tfinterop.core.errors import from_kind, TfInteropError, UnsupportedDataTypeError
from tfinterop.runtimes import registry
from tfinterop.runtimes.preflight import float32_batch
from tfinterop.savedmodel import reader as savedmodel


def _start_jvm():
    import jpype
    import jpype.imports  # noqa: F401  (enables `from org.tfinterop import ...`)

    if jpype.isJVMStarted():
        return jpype
    if "tensorflow" in sys.modules:
        raise TfInteropError("Python TensorFlow is already loaded in this process; TF Java must run in a "
                             "process of its own (the two native libraries abort together)")
    jars = registry.worker_classpath()
    # TF 1.8's native library brings its own jemalloc, which by default hands a freed tensor's pages back to
    # the kernel, so every large tensor is page-faulted in afresh (a 10,000x784 feed: ~7,700 faults, most of
    # the time of a round trip). Keep freed pages for reuse instead; this process is a long-lived consumer.
    os.environ.setdefault("JEMALLOC_MALLOC_CONF", "lg_dirty_mult:-1")
    # TF's C++ info logs (five lines a load) stay off stderr, as tf_import does for Python TensorFlow.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The JVM uses SIGSEGV on purpose (null checks, safepoints); Python's faulthandler would take it for a crash.
    faulthandler.disable()
    jpype.startJVM(*registry.worker_jvm_options(), classpath=[str(j) for j in jars], convertStrings=False)
    return jpype


# JPype keeps the numpy array behind a direct buffer alive until the JVM collects the buffer's (tiny) Java
# object, which a JVM with a quiet heap may not do for a long time: 10,000 images a call pinned 31 MB a call.
# So after this many bytes have been lent to Java, ask for a collection (~20-30 ms; releases follow).
COLLECT_AFTER_BYTES = 256 << 20
# What TF Java 1.x feeds and fetches by signature (org.tfinterop.TensorData), as numpy dtype names ("bytes":
# strings, numpy dtype 'S', which cross as byte[][]; the current TF Java's module refuses them, typed).
JAVA_DTYPES = ("float32", "float64", "int32", "int64", "uint8", "bool", "bytes")


class JavaTF:
    def __init__(self):
        self._jpype = jpype = _start_jvm()
        # The module's org.tfinterop.TfJava: TF Java 1.x (java/) or the current TF Java (java-current/).
        self._runtime = jpype.JClass("org.tfinterop.TfJavaRuntime")()
        self._Buffers = jpype.JClass("org.tfinterop.Buffers")
        # Looked up once, not per call: predict is on the hot path.
        self._floats = self._Buffers.floats
        self._direct = jpype.nio.convertToDirectBuffer
        self._System = jpype.JClass("java.lang.System")
        self._lent_bytes = 0
        self._last_input = (None, None)     # (array, its FloatBuffer): see _input_buffer
        self._LoadOptions = jpype.JClass("org.tfinterop.LoadOptions")
        # A module that cannot scan a graph for untrusted ops (java-current/: no 1.x protos) says so; for it,
        # the same scan runs here, before Java loads anything.
        self._java_scans = bool(self._runtime.refusesUntrustedModels())
        self._Paths = jpype.JClass("java.nio.file.Paths")
        self._JString = jpype.JString
        self._JLongArray = jpype.JArray(jpype.JLong)
        self._Error = jpype.JClass("org.tfinterop.TfInteropException")
        self._TensorData = jpype.JClass("org.tfinterop.TensorData")
        self._HashMap, self._ArrayList = jpype.JClass("java.util.HashMap"), jpype.JClass("java.util.ArrayList")
        self.version = str(self._runtime.tensorflowVersion())
        self.name = "java-tf-" + self.version
        self._models = {}
        self._meta_graphs = {}     # handle -> (tags, dir, the MetaGraphDef as savedmodel.py read it, or None)
        self._next = 0

    def _translate(self, e):
        runtime = e.runtimeMessage()
        return from_kind(str(e.kind()), str(e.getMessage()), None if runtime is None else str(runtime))

    def load(self, directory, tags, allow_untrusted=False):
        tag_array = self._jpype.JArray(self._JString)([self._JString(t) for t in tags])
        path = self._Paths.get(str(directory))
        read = None       # saved_model.pb as savedmodel.py reads it: only when needed (the scan, run())
        if not allow_untrusted and not self._java_scans:
            from tfinterop.compat import untrusted
            read = savedmodel.read(directory)
            untrusted.refuse_if_untrusted(directory, tags, read)
        options = self._LoadOptions.allowUntrusted() if allow_untrusted else self._LoadOptions.defaults()
        try:
            model = self._runtime.load(path, options, tag_array)
        except self._Error as e:
            raise self._translate(e) from None
        self._next += 1
        self._models[self._next] = model
        mg = None if read is None else signatures.meta_graph(read, tags)
        self._meta_graphs[self._next] = (list(tags), directory, mg)
        return self._next

    def _meta_graph(self, handle):
        """(tags, the loaded MetaGraphDef as savedmodel.py reads it), read on the first call by signature."""
        tags, directory, mg = self._meta_graphs[handle]
        if mg is None:
            mg = signatures.meta_graph(savedmodel.read(directory), tags)
            self._meta_graphs[handle] = (tags, directory, mg)
        return tags, mg

    def run(self, handle, signature_key, inputs: dict, output_keys=None) -> dict:
        """The signature-first call. Inputs are checked against the SignatureDef here (contract/signatures.py, as for
        Python) and again by the Java library; each crosses as a TensorData over the array's own memory (a
        direct buffer: no element-by-element copy) and each output is copied out once into a new array.
        Strings (numpy bytes, dtype 'S') cross as byte[][], one array per element: they are not numbers, and
        TF Java 1.x copies each into the tensor anyway. Other dtypes are refused, named."""
        tags, mg = self._meta_graph(handle)
        key, signature, feed, fetch = signatures.prepare_call(mg, signature_key, inputs, output_keys, tags)
        by_name = {info.name: k for k, info in signature.inputs.items()}
        for role, group, keys in (("input", signature.inputs, signature.inputs), ("output", signature.outputs, fetch)):
            for k in keys:
                name = savedmodel.dtype_name(group[k].dtype)
                if signatures.numpy_dtype(group[k]).name not in JAVA_DTYPES:
                    raise UnsupportedDataTypeError(f"{self.name} cannot feed or fetch {name} by signature: {role} "
                                                   f"{k!r} of signature {key!r} (it has: {', '.join(JAVA_DTYPES)})")
        jinputs = self._HashMap()
        for name, x in feed.items():
            jinputs.put(self._JString(by_name[name]), self.tensor_data(x))
        jkeys = self._ArrayList()
        for k in fetch:
            jkeys.add(self._JString(k))
        try:
            result = self._models[handle].runSignature(self._JString(key), jinputs, jkeys)
        except self._Error as e:
            raise self._translate(e) from None
        out = {}
        for k in fetch:
            td = result.get(self._JString(k))
            # np.asarray reads the long[] in one piece; iterating it would cross into Java per element
            shape = tuple(np.asarray(td.shape()).tolist())
            if str(td.dtype()) == "string":
                values = [bytes(b) for b in td.strings()]
                out[k] = np.array(values, dtype=np.bytes_).reshape(shape) if values else np.empty(shape, np.bytes_)
                continue
            y = np.empty(shape, dtype=np.dtype(str(td.dtype())))
            if y.size:
                td.copyTo(self._lend(y))
            out[k] = y
        return out

    def tensor_data(self, x: np.ndarray):
        """An org.tfinterop.TensorData over x's own memory (C-contiguous; copied only if not writable), or, for
        strings, over a byte[][] of its elements (what numpy's 'S' holds: an element cannot end in NUL bytes)."""
        if x.dtype.kind == "S":
            JByteArray = self._jpype.JArray(self._jpype.JByte)
            values = self._jpype.JArray(JByteArray)([JByteArray(bytes(v)) for v in x.reshape(-1)])
            return self._TensorData.ofStrings(self._JLongArray(x.shape), values)
        if not x.flags.writeable:       # a direct buffer needs writable memory; it is never written through
            x = x.copy()
        if x.size:
            data = self._lend(x)
        else:
            data = self._jpype.JClass("java.nio.ByteBuffer").allocateDirect(0)
        return self._TensorData.of(self._JString(x.dtype.name), self._JLongArray(x.shape), data)

    def predict(self, handle, input_name, output_name, x):
        return self._run(handle, x, input_name, lambda model, data, shape: model.run(input_name, data, shape, output_name))

    def predict_signature(self, handle, key, input_key, output_key, x):
        """predict() by signature: the Java library resolves the keys through the SignatureDef."""
        jstr = lambda s: None if s is None else self._JString(s)   # noqa: E731
        return self._run(handle, x, input_key or key, lambda model, data, shape: model.runSignature(
            jstr(key), jstr(input_key), data, shape, jstr(output_key)))

    def _run(self, handle, x, input_label, call):
        model = self._models[handle]
        x = float32_batch(x, input_label)
        if not x.flags.writeable:      # a direct buffer needs writable memory; never write through it
            x = x.copy()
        try:
            with call(model, self._input_buffer(x), self._JLongArray(x.shape)) as prediction:
                out = np.empty(tuple(np.asarray(prediction.shape()).tolist()), dtype=np.float32)
                if out.size:
                    prediction.writeTo(self.float_buffer(out))
        except self._Error as e:
            raise self._translate(e) from None
        return out

    def _input_buffer(self, x: np.ndarray):
        """float_buffer(x), reused while the caller feeds the same array (the worker's mapped input file, a
        benchmark's batch): the buffer reads x's memory as it is at each call, whereas lending x afresh every
        call counts its bytes again toward the System.gc that _lend asks for (15-25 ms per 256 MB lent: about
        2-3 ms a call for 10,000 images). It holds x until a call with another array, or close()."""
        if self._last_input[0] is not x:
            self._last_input = (x, self.float_buffer(x))
        return self._last_input[1]

    def float_buffer(self, a: np.ndarray):
        """A Java FloatBuffer over a C-contiguous float32 array's own memory (no copy)."""
        return self._floats(self._lend(a))

    def _lend(self, a: np.ndarray):
        """A direct ByteBuffer over a C-contiguous array's own memory (no copy)."""
        self._lent_bytes += a.nbytes
        if self._lent_bytes > COLLECT_AFTER_BYTES:
            self._lent_bytes = 0
            self._System.gc()
        return self._direct(a.reshape(-1).view(np.uint8))

    @property
    def jpype(self):
        return self._jpype

    def java_model(self, handle):
        """The org.tfinterop.Model behind a handle (for the benchmark's Java-side loop)."""
        return self._models[handle]

    def operations(self, handle):
        return [(str(op.name()), str(op.type()), [str(o) for o in op.outputs()])
                for op in self._models[handle].operations()]

    def close(self, handle):
        self._last_input = (None, None)
        self._meta_graphs.pop(handle, None)
        model = self._models.pop(handle, None)
        if model is not None:
            model.close()
