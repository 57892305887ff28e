"""Typed errors. Each says what was wrong, where, and what was expected.

`kind` is a stable word shared with the Java library (org.tfinterop.TfInteropException.kind()),
so an error means the same thing whichever runtime raised it. Its exit code is error-kinds.txt's, the one
list both languages read: every command that stops on an error exits with its kind's code.
"""

from pathlib import Path

INTERRUPTED = 130        # the exit code of a command stopped by SIGINT (128 + 2, as shells report it)


def _read_kinds(path: Path) -> dict:
    """{kind: exit code} from error-kinds.txt (`kind  exit  cause`, # comments)."""
    codes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            kind, code, _cause = line.split(None, 2)
            codes[kind] = int(code)
    return codes


EXIT_CODES = _read_kinds(Path(__file__).resolve().parents[1] / "shared" / "error-kinds.txt")


class TfInteropError(Exception):
    kind = "error"

    def __init__(self, message, runtime_message=None):
        super().__init__(message)
        # TensorFlow's own words, when TensorFlow produced the error; compared against
        # the known-incompatibilities list.
        self.runtime_message = runtime_message

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.kind, 1)

    def to_json(self):
        return {"kind": self.kind, "message": str(self), "runtime_message": self.runtime_message}


class UsageError(TfInteropError):
    kind = "usage"


class DataNotFoundError(TfInteropError):
    kind = "data-not-found"


class DataIntegrityError(TfInteropError):
    kind = "data-integrity"


class ModelNotFoundError(TfInteropError):
    kind = "model-not-found"


class NotASavedModelError(TfInteropError):
    kind = "not-a-saved-model"


class TagSetNotFoundError(TfInteropError):
    kind = "tag-set-not-found"


class ModelLoadError(TfInteropError):
    kind = "load-failed"


class InvalidInputError(TfInteropError):
    kind = "invalid-input"


class UnknownTensorError(TfInteropError):
    kind = "unknown-tensor"


class RunFailedError(TfInteropError):
    """The inputs passed every check, and TensorFlow still refused to run."""

    kind = "run-failed"


class UnsupportedDataTypeError(TfInteropError):
    kind = "unsupported-dtype"


class ModelClosedError(TfInteropError):
    kind = "closed"


class NpyFormatError(TfInteropError):
    kind = "npy-format"


class SignatureNotFoundError(TfInteropError):
    """No SignatureDef with that key in the MetaGraphDef; the message lists the keys there are."""

    kind = "signature-not-found"


class SignatureKeyNotFoundError(TfInteropError):
    """A signature has no such input/output key (or none was named and it has several); lists its keys."""

    kind = "signature-key-not-found"


class OutputExistsError(TfInteropError):
    kind = "output-exists"


class UnsafeOutputError(TfInteropError):
    """The output would replace or hold something tfinterop cannot prove it wrote: a folder with other files,
    the model being read or a folder holding it, the current directory, an input file."""

    kind = "unsafe-output"


class UntrustedModelError(TfInteropError):
    """The graph holds ops that reach outside the computation (untrusted-ops.txt), not explicitly allowed."""

    kind = "untrusted-model"


class OutputNotWritableError(TfInteropError):
    """The output location cannot be written (read-only, permissions); same word as the Java CLI's."""

    kind = "io-error"


class JavaModuleMissingError(TfInteropError):
    kind = "java-module-missing"


class JarsUnavailableError(TfInteropError):
    """A target's TF Java jars are not in the cache and cannot be fetched (no Maven, offline, not served)."""

    kind = "jars-unavailable"


class WorkerCrashedError(TfInteropError):
    """A consumer process died (a native crash, for example) or hung and was killed; the harness itself
    stays up. `signal` names the signal that ended it (None for an exit status), `hung` says it was killed
    for not answering, `stderr_tail` is the end of what it printed."""

    kind = "crash"

    def __init__(self, message, runtime_message=None, signal=None, hung=False, stderr_tail=""):
        super().__init__(message, runtime_message)
        self.signal, self.hung, self.stderr_tail = signal, hung, stderr_tail


class TargetIncompatibleError(TfInteropError):
    """An export for a target runtime would not load there; nothing was written."""

    kind = "target-incompatible"


_BY_KIND = {cls.kind: cls for cls in list(globals().values())
            if isinstance(cls, type) and issubclass(cls, TfInteropError)}


def from_kind(kind, message, runtime_message=None):
    """Rebuild a typed error from its wire form (worker replies, Java exceptions)."""
    return _BY_KIND.get(kind, TfInteropError)(message, runtime_message)

