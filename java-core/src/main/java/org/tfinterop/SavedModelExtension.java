package org.tfinterop;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 (Jupiter): a SavedModel loaded once per test class, held to goldens by its tests, closed after them.
 *
 * <pre>
 *   &#64;RegisterExtension
 *   static final SavedModelExtension MODEL = SavedModelExtension.load(Paths.get("build/model"), "serve");
 *
 *   &#64;Test
 *   void servesPythonsOutputs() {
 *       MODEL.assertMatchesGolden("serving_default", Paths.get("src/test/resources/model-golden.npz"));
 *   }
 * </pre>
 *
 * On a static field it loads before the class's first test and closes after its last; on an instance field,
 * around each test. Failures are opentest4j's AssertionFailedError, with the differing outputs as expected and
 * actual values. A model TF Java cannot load fails every test of the class with TensorFlow's reason.
 */
public final class SavedModelExtension extends SavedModelFixture
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private boolean perTest;

    private SavedModelExtension(Path dir, LoadOptions options, String... tags) {
        super(dir, options, tags);
    }

    /** dir loaded with the tag-set (none: serve) in the TF Java module on the classpath. */
    public static SavedModelExtension load(Path dir, String... tags) {
        return new SavedModelExtension(dir, LoadOptions.defaults(), tags);
    }

    /** The same, for a model whose graph reads or writes files (ops in untrusted-ops.txt). */
    public static SavedModelExtension loadAllowingUntrustedOps(Path dir, String... tags) {
        return new SavedModelExtension(dir, LoadOptions.allowUntrusted(), tags);
    }

    @Override
    String howToRegister() {
        return "register the SavedModelExtension with @RegisterExtension on a field of the test class";
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        open();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!isOpen()) {          // an instance field: Jupiter calls no class-level callback on it
            open();
            perTest = true;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            perTest = false;
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
