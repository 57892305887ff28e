package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;

/**
 * The JUnit 4 rule, run by JUnit 4 itself (JUnitCore) on test classes of its own: as a @ClassRule it loads the
 * mixed model once for the class's tests and closes it after them; a changed golden fails its test naming every
 * output that differs; a model TF Java 1.8 cannot load fails the class with TensorFlow's reason.
 */
public class SavedModelRuleTest {
    static final Path[] GOLDENS = SavedModelAssertTest.goodAndWrong();
    static final Path GOOD = GOLDENS[0];
    static final Path WRONG = GOLDENS[1];
    static final List<LoadedModel> SEEN = new ArrayList<>();

    public static class TwoTestsOneModel {
        @ClassRule
        public static final SavedModelRule MODEL = SavedModelRule.load(SavedModelAssertTest.model(), "serve");

        @Test
        public void first() {
            SEEN.add(MODEL.model());
            MODEL.assertMatchesGolden("serving_default", GOOD);
        }

        @Test
        public void second() {
            SEEN.add(MODEL.model());
            MODEL.assertMatchesGolden(null, GOOD);
            assertEquals("1.8.0", MODEL.tensorflowVersion());
        }

        @Test
        public void changedGolden() {
            MODEL.assertMatchesGolden("serving_default", WRONG);
        }
    }

    public static class Unloadable {
        @ClassRule
        public static final SavedModelRule MODEL = SavedModelRule.load(
                GoldenFixtureTest.golden().resolve("seed-simple-save"));

        @Test
        public void neverRuns() {
            fail("ran with a model TF Java 1.8 cannot load");
        }
    }

    @Test
    public void aClassRuleLoadsOnceHoldsToGoldensAndCloses() {
        SEEN.clear();
        Result r = JUnitCore.runClasses(TwoTestsOneModel.class);
        assertEquals(3, r.getRunCount());
        assertEquals(1, r.getFailureCount());
        Failure f = r.getFailures().get(0);
        assertEquals("changedGolden", f.getDescription().getMethodName());
        assertThat(f.getException().getClass().getName(), f.getException() instanceof AssertionError);
        SavedModelAssertTest.assertNamesBothChangedOutputs(f.getMessage());
        assertThat(f.getMessage(), containsString("signature 'serving_default' in TF Java 1.8.0 does not match"));
        assertEquals(2, SEEN.size());
        assertSame("one model for the class's tests", SEEN.get(0), SEEN.get(1));
        try {
            TwoTestsOneModel.MODEL.model();
            fail("the rule left the model open after the class");
        } catch (IllegalStateException e) {
            assertThat(e.getMessage(), containsString("@ClassRule"));
        }
        SavedModelAssertTest.assertClosed(SEEN.get(0));
    }

    @Test
    public void aModelTfJavaCannotLoadFailsTheClassWithTensorFlowsReason() {
        Result r = JUnitCore.runClasses(Unloadable.class);
        assertEquals(1, r.getFailureCount());
        assertThat(r.getFailures().get(0).getMessage(), containsString("cannot be run by TF Java 1.8.0"));
        assertThat(r.getFailures().get(0).getMessage(), containsString("Op type not registered 'StaticRegexFullMatch'"));
    }
}
