package org.tfinterop;

import java.util.Collections;

/** A tensor name, "op" or "op:index", as TensorFlow spells it. */
public final class TensorName {
    private final String op;
    private final int index;

    private TensorName(String op, int index) {
        this.op = op;
        this.index = index;
    }

    /** Parses "op" (index 0) or "op:index"; op names never contain ':' so the last one splits. */
    public static TensorName parse(String name) {
        if (name == null || name.isEmpty()) {
            throw bad(String.valueOf(name));
        }
        int colon = name.lastIndexOf(':');
        if (colon < 0) {
            return new TensorName(name, 0);
        }
        String op = name.substring(0, colon);
        String idx = name.substring(colon + 1);
        if (op.isEmpty() || idx.isEmpty() || idx.length() > 9 || !idx.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(name);
        }
        return new TensorName(op, Integer.parseInt(idx));
    }

    private static UnknownTensorException bad(String name) {
        return new UnknownTensorException(
                "'" + name + "' is not a tensor name; expected 'op' or 'op:index'", Collections.<String>emptyList());
    }

    public String op() {
        return op;
    }

    public int index() {
        return index;
    }

    @Override
    public String toString() {
        return op + ":" + index;
    }
}
