package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
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
        ToleranceContract t = ToleranceContract.load();
        assertTrue(t.rtol("float32") > 0 && t.atol("float32") > 0);
    }

    @Test
    public void toleranceReportsWorstErrorsArgmaxAndNaN() {
        ToleranceContract t = ToleranceContract.load();
        long[] s = {2, 3};
        float[] want = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
        assertNull(t.disagreement(s, want, s, want.clone()));
        float[] near = want.clone();
        near[1] += 1e-6f;
        assertNull(t.disagreement(s, want, s, near));
        float[] off = want.clone();
        off[4] = 0.6f;
        String r = t.disagreement(s, want, s, off);
        assertThat(r, containsString("1 of 6 elements beyond rtol=1.00000e-05, atol=1.00000e-06"));
        assertThat(r, containsString("max abs error 0.300 at [1, 1] (expected 0.30000001192092896, got 0.6000000238418579)"));
        assertThat(r, containsString("argmax differs on 1 of 2 rows (first: row 1)"));
        float[] nan = want.clone();
        nan[2] = Float.NaN;
        assertThat(t.disagreement(s, want, s, nan), containsString("max abs error NaN at [0, 2]"));
        // NaN where the reference has NaN agrees, as in Python's contract (numpy.isclose(equal_nan=True)).
        assertNull(t.disagreement(s, nan, s, nan.clone()));
        // So does the same infinity (inf - inf is NaN), and not the other one.
        float[] inf = want.clone();
        inf[3] = Float.POSITIVE_INFINITY;
        assertNull(t.disagreement(s, inf, s, inf.clone()));
        float[] minusInf = inf.clone();
        minusInf[3] = Float.NEGATIVE_INFINITY;
        assertThat(t.disagreement(s, inf, s, minusInf), containsString("1 of 6 elements beyond"));
        assertThat(t.disagreement(s, want, new long[] {3, 2}, want), containsString("got float32[3, 2]"));
    }
}
