package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Paths;
import org.junit.Test;

/**
 * The golden tests' helpers: the repository's list parses, and the tolerance check. (The list's grammar:
 * KnownIncompatibilitiesGrammarTest.)
 */
public class ContractHelpersTest {
    @Test
    public void theRepositorysListParses() throws IOException {
        assertTrue(KnownIncompatibilities.read(GoldenFixtureTest.fixtures().resolve("known-incompatibilities.txt"))
                .size() > 0);
        Tolerance t = Tolerance.read(Paths.get(System.getProperty("tfinterop.tolerance")));
        assertTrue(t.rtol > 0 && t.atol > 0);
    }

    @Test
    public void toleranceReportsWorstErrorsAndArgmax() {
        Tolerance t = new Tolerance(1e-5, 1e-6, true);
        long[] s = {2, 3};
        float[] want = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
        assertNull(t.check(s, want, s, want.clone()));
        float[] near = want.clone();
        near[1] += 1e-6f;
        assertNull(t.check(s, want, s, near));
        float[] off = want.clone();
        off[4] = 0.6f;
        String r = t.check(s, want, s, off);
        assertThat(r, containsString("1 of 6 elements"));
        assertThat(r, containsString("max abs error 0.300000 at (1, 1)"));
        assertThat(r, containsString("argmax differs on 1 rows, first row 1 (expected 0, got 1)"));
        float[] nan = want.clone();
        nan[2] = Float.NaN;
        assertThat(t.check(s, want, s, nan), containsString("max abs error NaN at (0, 2)"));
        assertThat(t.check(s, want, new long[] {3, 2}, want), containsString("shape [3, 2] differs"));
    }
}
