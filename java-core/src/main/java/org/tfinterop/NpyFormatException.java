package org.tfinterop;

/** A .npy file that is not float32 C-order, or is malformed. */
public class NpyFormatException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super("npy-format", message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super("npy-format", message, null, cause);
    }
}
