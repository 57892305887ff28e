package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A tensor name that is malformed or not in the graph; carries close names or the placeholders. */
public class UnknownTensorException extends TfInteropException {
    private static final long serialVersionUID = 1L;
    private final List<String> suggestions;

    public UnknownTensorException(String message, List<String> suggestions) {
        super("unknown-tensor", message);
        this.suggestions = Collections.unmodifiableList(new ArrayList<>(suggestions));
    }

    /** Names the caller may have meant; possibly empty. */
    public List<String> suggestions() {
        return suggestions;
    }
}
