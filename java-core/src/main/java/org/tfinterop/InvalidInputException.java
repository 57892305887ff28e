package org.tfinterop;

/** The input does not fit the graph: rank, shape, dtype or data length. */
public class InvalidInputException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super("invalid-input", message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super("invalid-input", message, null, cause);
    }
}
