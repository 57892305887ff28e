package org.tfinterop;

/** `tfinterop-java-current`: prints the TensorFlow version this module runs (a smoke test of the install). */
public final class CurrentVersion {
    private CurrentVersion() {
    }

    public static void main(String[] args) {
        System.out.println(Model.tensorflowVersion());
    }
}
