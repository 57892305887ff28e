package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The SavedModel has no MetaGraphDef with the requested tag-set; the message lists those it has. */
public class TagSetNotFoundException extends TfInteropException {
    private static final long serialVersionUID = 1L;
    private final List<List<String>> available;

    public TagSetNotFoundException(String message, List<List<String>> available) {
        super("tag-set-not-found", message);
        List<List<String>> copy = new ArrayList<>();
        for (List<String> tags : available) {
            copy.add(Collections.unmodifiableList(new ArrayList<>(tags)));
        }
        this.available = Collections.unmodifiableList(copy);
    }

    /** The tag-sets the model has, in file order. */
    public List<List<String>> availableTagSets() {
        return available;
    }
}
