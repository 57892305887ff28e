"""Ctrl-C that is never lost. Python turns SIGINT into a KeyboardInterrupt wherever the main thread is; raised
inside a finalizer (TensorFlow frees its functions in __del__), it is printed as "Exception ignored" and the
work goes on. The command line's handler also remembers the interrupt, and the points after which something
would be written (a stage of fix, a commit) call `check()`, so an interrupted command never writes its output."""

import signal
import sys

_interrupted = False


def _on_sigint(signum, frame):
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _quiet_about_interrupts(unraisable, _default=sys.unraisablehook):
    """Once interrupted, what finalizers raise is not printed as tracebacks: a KeyboardInterrupt swallowed in one is
    remembered (check() raises it again), and the objects the interrupt left half-built fail in theirs as the
    process ends (a TensorFlow Session interrupted in its constructor: measured). Before an interrupt, an
    unraisable exception is reported as Python reports it."""
    if not _interrupted:
        _default(unraisable)


def install() -> None:
    """Called by the command line's main (in the main thread), unless SIGINT is ignored (a background job)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _quiet_about_interrupts


def happened() -> bool:
    return _interrupted


def check() -> None:
    """Raises KeyboardInterrupt if SIGINT came, even if its first KeyboardInterrupt was swallowed."""
    if _interrupted:
        raise KeyboardInterrupt
