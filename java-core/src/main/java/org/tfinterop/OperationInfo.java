package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An operation of the loaded graph: name, type and its outputs. */
public final class OperationInfo {
    private final String name;
    private final String type;
    private final List<TensorInfo> outputs;

    OperationInfo(String name, String type, List<TensorInfo> outputs) {
        this.name = name;
        this.type = type;
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public List<TensorInfo> outputs() {
        return outputs;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + outputs;
    }
}
