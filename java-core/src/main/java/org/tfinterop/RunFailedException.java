package org.tfinterop;

/** TensorFlow failed while running the graph; {@link #runtimeMessage()} is TensorFlow's message verbatim. */
public class RunFailedException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public RunFailedException(String message, String runtimeMessage, Throwable cause) {
        super("run-failed", message, runtimeMessage, cause);
    }
}
