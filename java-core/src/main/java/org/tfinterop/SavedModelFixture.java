package org.tfinterop;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A SavedModel loaded once in the TF Java module on the classpath and held to any number of goldens, then closed:
 * what {@link SavedModelExtension} (JUnit 5) and {@link SavedModelRule} (JUnit 4) share. The framework opens and
 * closes it; a test calls {@link #assertMatchesGolden}, or {@link #model()} for its own calls.
 */
public abstract class SavedModelFixture {
    private final Path dir;
    private final String[] tags;
    private final LoadOptions options;
    private TfJava runtime;
    private LoadedModel model;

    /** tags: the tag-set to load (none: serve). */
    SavedModelFixture(Path dir, LoadOptions options, String... tags) {
        this.dir = dir;
        this.tags = tags.length == 0 ? new String[] {"serve"} : tags.clone();
        this.options = options;
    }

    /** How a test registers this fixture so that the framework loads it (said when a test uses it unloaded). */
    abstract String howToRegister();

    /** The loaded model (for calls of a test's own); it stays open until the framework closes the fixture. */
    public final LoadedModel model() {
        if (model == null) {
            throw new IllegalStateException(dir + " " + Arrays.toString(tags) + " is not loaded: " + howToRegister());
        }
        return model;
    }

    /** Version of the TensorFlow that runs the model, e.g. "1.8.0". */
    public final String tensorflowVersion() {
        model();
        return runtime.tensorflowVersion();
    }

    /**
     * {@link SavedModelAssert#assertMatchesGolden(Path, java.util.List, String, Path)} on the loaded model:
     * signatureKey (null: serving_default, else the only one) on the golden's inputs, every output held to it.
     */
    public final void assertMatchesGolden(String signatureKey, Path goldenNpz) {
        SavedModelAssert.assertMatchesGolden(model(), where(), runtime, signatureKey, goldenNpz);
    }

    final boolean isOpen() {
        return model != null;
    }

    /** Loads the model; a model TF Java cannot load fails as an assertion, with TensorFlow's reason. */
    final void open() {
        TfJava found = TfJava.onTheClasspath();
        try {
            model = found.load(dir, options, tags);
        } catch (TfInteropException e) {
            throw SavedModelAssert.cannotRun(where(), found, e);
        }
        runtime = found;
    }

    final void close() {
        LoadedModel m = model;
        model = null;
        if (m != null) {
            m.close();
        }
    }

    private String where() {
        return dir + " " + Arrays.toString(tags);
    }
}
