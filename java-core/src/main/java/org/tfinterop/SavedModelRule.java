package org.tfinterop;

import java.nio.file.Path;
import org.junit.rules.TestRule;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * JUnit 4: a SavedModel loaded once per test class (as a {@code @ClassRule}) or around each test (as a
 * {@code @Rule}), held to goldens by its tests and closed after them.
 *
 * <pre>
 *   &#64;ClassRule
 *   public static final SavedModelRule MODEL = SavedModelRule.load(Paths.get("build/model"), "serve");
 *
 *   &#64;Test
 *   public void servesPythonsOutputs() {
 *       MODEL.assertMatchesGolden("serving_default", Paths.get("src/test/resources/model-golden.npz"));
 *   }
 * </pre>
 *
 * Failures are AssertionErrors, as JUnit 4's own (opentest4j's AssertionFailedError when it is on the classpath,
 * as with JUnit 5's vintage engine). A model TF Java cannot load fails the class (or the test) with TensorFlow's
 * reason.
 */
public final class SavedModelRule extends SavedModelFixture implements TestRule {
    private SavedModelRule(Path dir, LoadOptions options, String... tags) {
        super(dir, options, tags);
    }

    /** dir loaded with the tag-set (none: serve) in the TF Java module on the classpath. */
    public static SavedModelRule load(Path dir, String... tags) {
        return new SavedModelRule(dir, LoadOptions.defaults(), tags);
    }

    /** The same, for a model whose graph reads or writes files (ops in untrusted-ops.txt). */
    public static SavedModelRule loadAllowingUntrustedOps(Path dir, String... tags) {
        return new SavedModelRule(dir, LoadOptions.allowUntrusted(), tags);
    }

    @Override
    String howToRegister() {
        return "annotate the SavedModelRule field with @ClassRule (static) or @Rule";
    }

    @Override
    public Statement apply(Statement base, Description description) {
        return new Statement() {
            @Override
            public void evaluate() throws Throwable {
                open();
                try {
                    base.evaluate();
                } finally {
                    close();
                }
            }
        };
    }
}
