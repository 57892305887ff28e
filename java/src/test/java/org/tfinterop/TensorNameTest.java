package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class TensorNameTest {
    @Test
    public void parsesOpAndOpIndex() {
        assertEquals("myInput:0", TensorName.parse("myInput").toString());
        TensorName t = TensorName.parse("scope/op:2");
        assertEquals("scope/op", t.op());
        assertEquals(2, t.index());
    }

    @Test
    public void rejectsMalformedNames() {
        for (String bad : new String[] {"", ":0", "op:", "op:x", "op:-1", "op:1:2x", "op:99999999999"}) {
            UnknownTensorException e = assertThrows(bad, UnknownTensorException.class, () -> TensorName.parse(bad));
            assertEquals("unknown-tensor", e.kind());
        }
        assertThrows(UnknownTensorException.class, () -> TensorName.parse(null));
    }
}
