package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.opentest4j.AssertionFailedError;

/**
 * The JUnit 5 extension, run by the JUnit Platform launcher and the Jupiter engine on test classes of its own
 * (Gradle 4.4.1 runs this driver as a JUnit 4 test): on a static field it loads the mixed model once for the
 * class's tests and closes it after them; a changed golden fails as opentest4j's AssertionFailedError naming every
 * output that differs, with their values as expected and actual; a model TF Java 1.8 cannot load fails the class.
 */
public class SavedModelExtensionTest {
    static final Path[] GOLDENS = SavedModelAssertTest.goodAndWrong();
    static final Path GOOD = GOLDENS[0];
    static final Path WRONG = GOLDENS[1];
    static final List<LoadedModel> SEEN = new ArrayList<>();

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class TwoTestsOneModel {
        @RegisterExtension
        static final SavedModelExtension MODEL = SavedModelExtension.load(SavedModelAssertTest.model(), "serve");

        @org.junit.jupiter.api.Test
        @Order(1)
        void first() {
            SEEN.add(MODEL.model());
            MODEL.assertMatchesGolden("serving_default", GOOD);
        }

        @org.junit.jupiter.api.Test
        @Order(2)
        void second() {
            SEEN.add(MODEL.model());
            MODEL.assertMatchesGolden(null, GOOD);
        }

        @org.junit.jupiter.api.Test
        @Order(3)
        void changedGolden() {
            MODEL.assertMatchesGolden("serving_default", WRONG);
        }
    }

    static class PerTest {
        @RegisterExtension
        final SavedModelExtension model = SavedModelExtension.load(SavedModelAssertTest.model());

        @org.junit.jupiter.api.Test
        void loadedAroundTheTest() {
            SEEN.add(model.model());
            model.assertMatchesGolden(null, GOOD);
        }
    }

    static class Unloadable {
        @RegisterExtension
        static final SavedModelExtension MODEL = SavedModelExtension.load(
                GoldenFixtureTest.golden().resolve("seed-simple-save"), "serve");

        @org.junit.jupiter.api.Test
        void neverRuns() {
            fail("ran with a model TF Java 1.8 cannot load");
        }
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    @org.junit.Test
    public void aStaticExtensionLoadsOnceHoldsToGoldensAndCloses() {
        SEEN.clear();
        TestExecutionSummary s = run(TwoTestsOneModel.class);
        assertEquals(3, s.getTestsStartedCount());
        assertEquals(2, s.getTestsSucceededCount());
        assertEquals(1, s.getTotalFailureCount());
        Throwable e = s.getFailures().get(0).getException();
        assertTrue(e.getClass().getName(), e instanceof AssertionFailedError);
        SavedModelAssertTest.assertNamesBothChangedOutputs(e.getMessage());
        AssertionFailedError afe = (AssertionFailedError) e;
        assertTrue(afe.isExpectedDefined() && afe.isActualDefined());
        String expected = afe.getExpected().getStringRepresentation();
        String actual = afe.getActual().getStringRepresentation();
        assertThat(expected, containsString("label: int64[20] ["));
        assertThat(expected, containsString("probabilities: float32[20, 10] ["));
        assertTrue("the expected and actual values differ", !expected.equals(actual));
        assertEquals(2, SEEN.size());
        assertSame("one model for the class's tests", SEEN.get(0), SEEN.get(1));
        SavedModelAssertTest.assertClosed(SEEN.get(0));
    }

    @org.junit.Test
    public void anInstanceExtensionLoadsAroundEachTest() {
        SEEN.clear();
        TestExecutionSummary s = run(PerTest.class);
        assertEquals(1, s.getTestsSucceededCount());
        assertEquals(0, s.getTotalFailureCount());
        SavedModelAssertTest.assertClosed(SEEN.get(0));
    }

    @org.junit.Test
    public void aModelTfJavaCannotLoadFailsTheClassWithTensorFlowsReason() {
        TestExecutionSummary s = run(Unloadable.class);
        assertEquals(0, s.getTestsStartedCount());
        assertEquals(1, s.getTotalFailureCount());
        Throwable e = s.getFailures().get(0).getException();
        assertTrue(e.getClass().getName(), e instanceof AssertionFailedError);
        assertThat(e.getMessage(), containsString("cannot be run by TF Java 1.8.0"));
        assertThat(e.getMessage(), containsString("Op type not registered 'StaticRegexFullMatch'"));
    }
}
