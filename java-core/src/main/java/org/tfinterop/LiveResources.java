package org.tfinterop;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the native objects this library creates and closes (SavedModelBundles and Tensors), so tests
 * and the resource benchmark can show that nothing stays open after load, run and close. Only objects
 * created through this library are counted; a caller's own Tensors are theirs.
 */
public final class LiveResources {
    private static final AtomicLong BUNDLES_OPENED = new AtomicLong();
    private static final AtomicLong BUNDLES_CLOSED = new AtomicLong();
    private static final AtomicLong TENSORS_OPENED = new AtomicLong();
    private static final AtomicLong TENSORS_CLOSED = new AtomicLong();

    private LiveResources() {
    }

    static void bundleOpened() {
        BUNDLES_OPENED.incrementAndGet();
    }

    static void bundleClosed() {
        BUNDLES_CLOSED.incrementAndGet();
    }

    static void tensorOpened() {
        TENSORS_OPENED.incrementAndGet();
    }

    static void tensorClosed() {
        TENSORS_CLOSED.incrementAndGet();
    }

    /** Bundles loaded and not yet closed. */
    public static long openBundles() {
        return BUNDLES_OPENED.get() - BUNDLES_CLOSED.get();
    }

    /** Tensors (inputs fed, outputs held by a Prediction) created and not yet closed. */
    public static long openTensors() {
        return TENSORS_OPENED.get() - TENSORS_CLOSED.get();
    }

    public static long bundlesOpened() {
        return BUNDLES_OPENED.get();
    }

    public static long tensorsOpened() {
        return TENSORS_OPENED.get();
    }

    public static String summary() {
        return "bundles opened " + BUNDLES_OPENED.get() + ", still open " + openBundles()
                + "; tensors opened " + TENSORS_OPENED.get() + ", still open " + openTensors();
    }
}
