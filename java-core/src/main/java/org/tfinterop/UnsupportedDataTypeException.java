package org.tfinterop;

/** A fetched tensor is not float32, the only type this harness compares. */
public class UnsupportedDataTypeException extends TfInteropException {
    private static final long serialVersionUID = 1L;

    public UnsupportedDataTypeException(String message) {
        super("unsupported-dtype", message);
    }

    public UnsupportedDataTypeException(String message, Throwable cause) {
        super("unsupported-dtype", message, null, cause);
    }
}
