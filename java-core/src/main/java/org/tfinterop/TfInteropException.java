package org.tfinterop;

/** Base of every error this library reports; {@link #kind()} is stable for scripts and the Python side. */
public class TfInteropException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String kind;
    private final String runtimeMessage;

    public TfInteropException(String kind, String message, String runtimeMessage, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.runtimeMessage = runtimeMessage;
    }

    public TfInteropException(String kind, String message) {
        this(kind, message, null, null);
    }

    /** A stable machine-readable word such as "model-not-found". */
    public String kind() {
        return kind;
    }

    /** TensorFlow's own message when TensorFlow produced the error, else null. */
    public String runtimeMessage() {
        return runtimeMessage;
    }
}
