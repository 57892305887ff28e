package org.tfinterop;

/** The model directory is missing or is not a directory. */
public class ModelNotFoundException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public ModelNotFoundException(String message) {
        super("model-not-found", message);
    }

    public ModelNotFoundException(String message, Throwable cause) {
        super("model-not-found", message, null, cause);
    }
}
