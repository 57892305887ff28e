package org.tfinterop;

/** A model or prediction was used after close(). */
public class ClosedException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super("closed", message);
    }

    public ClosedException(String message, Throwable cause) {
        super("closed", message, null, cause);
    }
}
