package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A signature has no input (or output) with the requested key, or none was named and it has several;
 * the message lists the keys it has.
 */
public class SignatureKeyNotFoundException extends TfInteropException {
    private static final long serialVersionUID = 1L;
    private final List<String> available;

    public SignatureKeyNotFoundException(String message, List<String> available) {
        super("signature-key-not-found", message);
        this.available = Collections.unmodifiableList(new ArrayList<>(available));
    }

    /** The input (or output) keys the signature has, sorted. */
    public List<String> availableKeys() {
        return available;
    }
}
