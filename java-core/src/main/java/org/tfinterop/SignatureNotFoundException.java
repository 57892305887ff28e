package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The MetaGraphDef has no SignatureDef with the requested key; the message lists the keys it has. */
public class SignatureNotFoundException extends TfInteropException {
    private static final long serialVersionUID = 1L;
    private final List<String> available;

    public SignatureNotFoundException(String message, List<String> available) {
        super("signature-not-found", message);
        this.available = Collections.unmodifiableList(new ArrayList<>(available));
    }

    /** The signature keys there are, sorted. */
    public List<String> availableKeys() {
        return available;
    }
}
