package org.tfinterop;

/** The directory has no readable saved_model.pb. */
public class NotASavedModelException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public NotASavedModelException(String message) {
        super("not-a-saved-model", message);
    }

    public NotASavedModelException(String message, Throwable cause) {
        super("not-a-saved-model", message, null, cause);
    }
}
