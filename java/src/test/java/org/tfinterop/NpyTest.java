package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class NpyTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void roundTripsThroughAFile() throws Exception {
        float[] data = {1.5f, -2f, Float.NaN, Float.POSITIVE_INFINITY, 0f, -0f};
        Path f = tmp.getRoot().toPath().resolve("a.npy");
        new Npy(new long[] {2, 3}, data).write(f);
        Npy back = Npy.read(f);
        assertArrayEquals(new long[] {2, 3}, back.shape());
        assertArrayEquals(data, back.data(), 0f);
    }

    @Test
    public void roundTripsOddShapes() {
        for (long[] shape : new long[][] {{}, {5}, {0, 784}, {2, 1, 3}}) {
            float[] data = new float[(int) Shapes.elements(shape)];
            Arrays.fill(data, 0.25f);
            Npy back = Npy.parse(Npy.toBytes(shape, FloatBuffer.wrap(data)), "mem");
            assertArrayEquals(shape, back.shape());
            assertArrayEquals(data, back.data(), 0f);
        }
    }

    @Test
    public void writesNumpysExactVersion1Header() {
        byte[] b = Npy.toBytes(new long[] {100, 784}, FloatBuffer.allocate(78400));
        assertEquals(0x93, b[0] & 0xff);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.ISO_8859_1));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64);
        String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertThat(header, containsString("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 784), }"));
        assertEquals('\n', header.charAt(header.length() - 1));
        assertEquals(10 + headerLen + 78400 * 4, b.length);
        String oneD = new String(Npy.toBytes(new long[] {3}, FloatBuffer.allocate(3)), StandardCharsets.ISO_8859_1);
        assertThat(oneD, containsString("'shape': (3,), }"));
    }

    @Test
    public void readsVersions2And3() {
        for (int major : new int[] {2, 3}) {
            Npy a = Npy.parse(file(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8), "v" + major);
            assertArrayEquals(new long[] {2}, a.shape());
        }
    }

    @Test
    public void rejectsOtherDtypesSayingWhatWasFound() {
        for (String descr : new String[] {"<f8", "<i4", "|u1", ">f4", "<f2"}) {
            NpyFormatException e = assertThrows(NpyFormatException.class, () ->
                    Npy.parse(file(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }", 8), "x.npy"));
            assertThat(e.getMessage(), containsString("dtype is '" + descr + "'"));
            assertThat(e.getMessage(), containsString("float32 C-order"));
            assertEquals("npy-format", e.kind());
        }
        assertThat(failure(file(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8)),
                containsString("structured"));
    }

    @Test
    public void rejectsFortranOrder() {
        assertThat(failure(file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16)),
                containsString("Fortran order"));
    }

    @Test
    public void rejectsTruncatedOrTrailingData() {
        assertThat(failure(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 23)),
                containsString("truncated data: shape [2, 3] needs 24 bytes, 23 follow"));
        assertThat(failure(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12)),
                containsString("trailing bytes"));
    }

    @Test
    public void rejectsBadMagicVersionAndHeaders() {
        assertThat(failure("PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1)), containsString("bad magic"));
        assertThat(failure(new byte[] {(byte) 0x93, 'N'}), containsString("too short"));
        byte[] v4 = file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
        v4[6] = 4;
        assertThat(failure(v4), containsString("unsupported format version 4.0"));
        byte[] cut = Arrays.copyOf(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 0), 30);
        assertThat(failure(cut), containsString("truncated header"));
        assertThat(failure(file(1, "{'descr': '<f4', 'fortran_order': False, }", 0)), containsString("no shape"));
        assertThat(failure(file(1, "{'descr': '<f4', 'shape': (1,), }", 4)), containsString("fortran_order"));
        assertThat(failure(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }", 4)), containsString("bad shape"));
    }

    @Test
    public void constructorAndWriterCheckLengths() {
        assertThrows(InvalidInputException.class, () -> new Npy(new long[] {2, 2}, new float[3]));
        assertThrows(InvalidInputException.class, () -> Npy.toBytes(new long[] {-1}, FloatBuffer.allocate(0)));
    }

    private static String failure(byte[] bytes) {
        return assertThrows(NpyFormatException.class, () -> Npy.parse(bytes, "x.npy")).getMessage();
    }

    /** A .npy image with the given version and header (padded like numpy) and dataBytes of data. */
    private static byte[] file(int major, String dict, int dataBytes) {
        int lenBytes = major == 1 ? 2 : 4;
        StringBuilder h = new StringBuilder(dict);
        while ((6 + 2 + lenBytes + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + hb.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) hb.length);
        } else {
            b.putInt(hb.length);
        }
        b.put(hb);
        return b.array();
    }
}
