package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.assertFalse;

import java.util.Arrays;
import org.junit.Test;

public class ValidationTest {
    private static final long[] MNIST = {-1, 784};

    @Test
    public void acceptsMatchingFeeds() {
        Model.validateFeed("myInput", "float32", MNIST, new long[] {3, 784}, 3 * 784);
        Model.validateFeed("myInput", "float32", MNIST, new long[] {0, 784}, 0);
        Model.validateFeed("x", "float32", null, new long[] {2, 2, 2}, 8);
    }

    @Test
    public void messagesSayWhatWasExpected() {
        assertEquals("input 'myInput' expects shape [?, 784] (float32), got [3, 783]",
                message("float32", MNIST, new long[] {3, 783}, 3 * 783));
        assertEquals("input 'myInput' expects shape [?, 784] (float32), got [784] (rank 1, expected rank 2)",
                message("float32", MNIST, new long[] {784}, 784));
        assertEquals("input 'myInput' expects shape [?, 784] (float32), got [-1, 784], which has a negative dimension",
                message("float32", MNIST, new long[] {-1, 784}, 784));
        assertEquals("input 'myInput' expects shape [?, 784] (int32), but only float32 data can be fed",
                message("int32", MNIST, new long[] {1, 784}, 784));
        assertEquals("input 'myInput': shape [2, 784] needs 1568 floats, got 1567",
                message("float32", MNIST, new long[] {2, 784}, 1567));
        assertEquals("input 'myInput' expects shape <unknown rank> (float32), got [65536, 65536], "
                        + "which has more elements than a buffer can hold",
                message("float32", null, new long[] {65536, 65536}, 0));
    }

    @Test
    public void shapeHelpers() {
        assertEquals("[?, 784]", Shapes.format(MNIST));
        assertEquals("[]", Shapes.format(new long[0]));
        assertEquals(1, Shapes.elements(new long[0]));
        assertEquals(0, Shapes.elements(new long[] {Long.MAX_VALUE, 0}));
        assertEquals(-1, Shapes.elements(new long[] {2, -1}));
        assertEquals("[serve] [myTag, extra]",
                Shapes.formatTagSets(Arrays.asList(Arrays.asList("serve"), Arrays.asList("myTag", "extra"))));
    }

    @Test
    public void closeNames() {
        assertTrue(Model.closeName("myInpt", "myInput"));
        assertTrue(Model.closeName("MYINPUT", "myInput"));
        assertTrue(Model.closeName("input", "myInput"));
        assertFalse(Model.closeName("x", "MatMul"));
        assertFalse(Model.closeName("zzzzzz", "myInput"));
    }

    @Test
    public void dtypeNamesCoverCodesTfJavaLacks() {
        assertEquals("float32_ref", DTypes.ofCode(101));
        assertEquals("resource", DTypes.ofCode(20));
        assertEquals("float16", DTypes.ofCode(19));
        assertEquals("float64", DTypes.ofCode(2));
    }

    private static String message(String dtype, long[] expected, long[] shape, long remaining) {
        return assertThrows(InvalidInputException.class,
                () -> Model.validateFeed("myInput", dtype, expected, shape, remaining)).getMessage();
    }
}
