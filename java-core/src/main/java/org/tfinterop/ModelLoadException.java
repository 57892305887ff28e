package org.tfinterop;

/** TensorFlow rejected the SavedModel; {@link #runtimeMessage()} is TensorFlow's message verbatim. */
public class ModelLoadException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message, String runtimeMessage, Throwable cause) {
        super("load-failed", message, runtimeMessage, cause);
    }
}
