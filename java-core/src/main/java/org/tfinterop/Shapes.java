package org.tfinterop;

import java.util.List;

/** Formatting and arithmetic for shapes; -1 marks an unknown dimension, null an unknown rank. */
final class Shapes {
    private Shapes() {
    }

    static String format(long[] shape) {
        if (shape == null) {
            return "<unknown rank>";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }

    /** Whether a concrete shape fits a declared one (null: any rank; -1: any size in that dimension). */
    static boolean compatible(long[] declared, long[] shape) {
        if (declared == null) {
            return true;
        }
        if (declared.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (declared[i] >= 0 && declared[i] != shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** The index of element `flat` (C order) of an array of this shape, e.g. "[1, 2]"; as numpy's unravel_index. */
    static String index(long flat, long[] shape) {
        long[] at = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = shape[d] == 0 ? 0 : rest % shape[d];
            rest = shape[d] == 0 ? 0 : rest / shape[d];
        }
        return java.util.Arrays.toString(at);
    }

    /** Number of elements; -1 if a dimension is negative or the count exceeds what a Java buffer holds. */
    static long elements(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            if (d == 0) {
                return 0;
            }
        }
        long n = 1;
        for (long d : shape) {
            if (n > Integer.MAX_VALUE / d) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    static String formatTagSets(List<List<String>> tagSets) {
        StringBuilder sb = new StringBuilder();
        for (List<String> tags : tagSets) {
            sb.append(sb.length() == 0 ? "" : " ").append(tags);
        }
        return sb.length() == 0 ? "(none)" : sb.toString();
    }
}
