package org.tfinterop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float32 C-order array in numpy's .npy format. Reads versions 1.0, 2.0 and 3.0; writes 1.0 with the
 * header padded to 64 bytes as numpy does. Anything else is rejected rather than converted, because a
 * silent conversion would hide exactly the mismatches this harness exists to find.
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String EXPECTED = "float32 C-order ('<f4', fortran_order False) is expected";
    private static final String ANY_EXPECTED = "one of float32 '<f4', float64 '<f8', int32 '<i4', int64 '<i8', "
            + "uint8 '|u1', bool '|b1', bytes '|S<n>' (strings) in C order is expected";
    /** numpy's fixed-width bytes: each element n bytes, shorter ones padded with NULs. */
    private static final Pattern BYTES = Pattern.compile("[|<>=]S(\\d+)");
    /** numpy descr -> dtype name, and back: the dtypes of {@link TensorData}. */
    private static final Map<String, String> DTYPES = new HashMap<>();
    private static final Map<String, String> DESCRS = new HashMap<>();

    static {
        String[][] pairs = {{"<f4", "float32"}, {"<f8", "float64"}, {"<i4", "int32"}, {"<i8", "int64"},
                            {"|u1", "uint8"}, {"|b1", "bool"}};
        for (String[] p : pairs) {
            DTYPES.put(p[0], p[1]);
            DESCRS.put(p[1], p[0]);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("tfinterop's .npy reader assumes a little-endian machine (x86-64)");
        }
    }
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*(['\"])(.*?)\\1");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(\\w+)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
    /** A descr numpy reads without pickle: numbers, strings, dates (not '|O', objects). */
    private static final Pattern PLAIN = Pattern.compile("[<>|=][biufcmMSUV]\\d+(\\[\\w+\\])?");

    private final long[] shape;
    private final float[] data;

    /** Wraps data (C order) with a shape; the array is not copied. */
    public Npy(long[] shape, float[] data) {
        long n = Shapes.elements(shape);
        if (n != data.length) {
            throw new InvalidInputException("shape " + Shapes.format(shape) + " needs " + n
                    + " floats, got " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The elements in C order (the backing array, not a copy). */
    public float[] data() {
        return data;
    }

    /** A new buffer over the elements, at position 0. */
    public FloatBuffer buffer() {
        return FloatBuffer.wrap(data);
    }

    public static Npy read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses .npy bytes of a float32 array; source names the origin in error messages. */
    public static Npy parse(byte[] bytes, String source) {
        TensorData t = parseAny(bytes, source, EXPECTED, "float32");
        float[] data = new float[t.numBytes() / 4];
        t.data().asFloatBuffer().get(data);
        return new Npy(t.shape(), data);
    }

    /**
     * Parses .npy bytes of any dtype a call by signature takes ({@link TensorData}: '<f4', '<f8', '<i4', '<i8',
     * '|u1', '|b1', little-endian, C order); anything else is refused, naming what was found.
     */
    public static TensorData parseAny(byte[] bytes, String source) {
        return parseAny(bytes, source, ANY_EXPECTED, null);
    }

    /** only: the one dtype wanted (null: any of TensorData's); expected: what a refusal says was expected. */
    private static TensorData parseAny(byte[] bytes, String source, String expected, String only) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < MAGIC.length + 2) {
            throw fail(source, "too short to be a .npy file (" + bytes.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw fail(source, "bad magic: not a .npy file (expected \\x93NUMPY)");
            }
        }
        int major = bytes[6] & 0xff;
        int minor = bytes[7] & 0xff;
        b.position(8);
        long headerLen;
        if (major == 1 && b.remaining() >= 2) {
            headerLen = b.getShort() & 0xffff;
        } else if ((major == 2 || major == 3) && b.remaining() >= 4) {
            headerLen = b.getInt() & 0xffffffffL;
        } else if (major >= 1 && major <= 3) {
            throw fail(source, "truncated header");
        } else {
            throw fail(source, "unsupported format version " + major + "." + minor + " (1.0, 2.0 and 3.0 are read)");
        }
        if (headerLen > b.remaining()) {
            throw fail(source, "truncated header: it declares " + headerLen + " bytes, " + b.remaining() + " follow");
        }
        byte[] raw = new byte[(int) headerLen];
        b.get(raw);
        String header = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher m = DESCR.matcher(header);
        if (!m.find()) {
            throw fail(source, "header has no simple 'descr' (a structured dtype?): " + header.trim() + "; " + expected);
        }
        Matcher bytesDescr = BYTES.matcher(m.group(2));
        String dtype = bytesDescr.matches() && only == null ? TensorData.STRING : DTYPES.get(m.group(2));
        if (dtype == null || (only != null && !only.equals(dtype))) {
            String found = "dtype is '" + m.group(2) + "'" + numpyName(m.group(2)) + "; " + expected;
            // In an .npz, an array of strings or other numbers is data, just not what a call takes: a wrong
            // input, as Python's feeds says it. Objects (pickles) are not data; the float32 .npy stays npy-format.
            if (only == null && PLAIN.matcher(m.group(2)).matches()) {
                throw new InvalidInputException(source + ": " + found);
            }
            throw fail(source, found);
        }
        m = FORTRAN.matcher(header);
        if (!m.find() || !(m.group(1).equals("False") || m.group(1).equals("True"))) {
            throw fail(source, "header has no fortran_order True/False: " + header.trim());
        }
        if (m.group(1).equals("True")) {
            throw fail(source, "array is in Fortran order (fortran_order True); " + expected);
        }
        m = SHAPE.matcher(header);
        if (!m.find()) {
            throw fail(source, "header has no shape tuple: " + header.trim());
        }
        long[] shape = parseShape(m.group(1), source);
        long n = Shapes.elements(shape);
        int size = dtype.equals(TensorData.STRING) ? Integer.parseInt(bytesDescr.group(1))
                : TensorData.ITEM_SIZES.get(dtype);
        if (n < 0 || n * size > Integer.MAX_VALUE) {
            throw fail(source, "shape " + Shapes.format(shape) + " is too large for one Java array");
        }
        if (b.remaining() != n * size) {
            throw fail(source, (b.remaining() < n * size ? "truncated data" : "trailing bytes after the data")
                    + ": shape " + Shapes.format(shape) + " needs " + (n * size) + " bytes, " + b.remaining()
                    + " follow the header");
        }
        if (dtype.equals(TensorData.STRING)) {
            byte[][] values = new byte[(int) n][];
            for (int i = 0; i < n; i++) {
                byte[] element = new byte[size];
                b.get(element);
                int end = size;
                while (end > 0 && element[end - 1] == 0) {
                    end--;          // numpy's 'S' pads with NULs, and strips them when it reads
                }
                values[i] = Arrays.copyOf(element, end);
            }
            return TensorData.ofStrings(shape, values);
        }
        ByteBuffer data = ByteBuffer.allocateDirect((int) (n * size)).order(ByteOrder.nativeOrder());
        data.put(b.slice());   // .npy data is little-endian, as this machine's memory (checked in the static block)
        data.flip();
        return TensorData.of(dtype, shape, data);
    }

    private static long[] parseShape(String tuple, String source) {
        String t = tuple.trim();
        if (t.isEmpty()) {
            return new long[0];
        }
        if (t.endsWith(",")) {
            t = t.substring(0, t.length() - 1);
        }
        String[] parts = t.split(",");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim().replaceFirst("[lL]$", "");
            try {
                shape[i] = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw fail(source, "bad shape (" + tuple + ")");
            }
            if (shape[i] < 0) {
                throw fail(source, "negative dimension in shape (" + tuple + ")");
            }
        }
        return shape;
    }

    /** " (int32)" for "<i4": the name users know the dtype by. */
    static String numpyName(String descr) {
        if (descr.length() < 2) {
            return "";
        }
        String size = descr.substring(2);
        switch (descr.charAt(1)) {
            case 'f':
                return size.matches("\\d+") ? " (float" + 8 * Integer.parseInt(size) + ")" : "";
            case 'i':
                return size.matches("\\d+") ? " (int" + 8 * Integer.parseInt(size) + ")" : "";
            case 'u':
                return size.matches("\\d+") ? " (uint" + 8 * Integer.parseInt(size) + ")" : "";
            case 'U':
            case 'S':
                return " (string)";
            case 'O':
                return " (object)";
            default:
                return "";
        }
    }

    private static NpyFormatException fail(String source, String what) {
        return new NpyFormatException(source + ": " + what);
    }

    /** Writes data (C order, from its position) as a version 1.0 '<f4' .npy file. */
    public static void write(Path file, long[] shape, FloatBuffer data) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(toBytes(shape, data));
        }
    }

    public void write(Path file) throws IOException {
        write(file, shape, buffer());
    }

    /**
     * Writes bytes beside file and renames them into place, so a failure never leaves a partial file; without
     * overwrite, a file that appeared meanwhile is not replaced. (Not createTempFile: its 0600 mode would stick.)
     */
    public static void writeAtomically(Path file, byte[] bytes, boolean overwrite) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
            if (overwrite) {
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(tmp, file);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Encodes as .npy bytes; the caller's buffer position is left unchanged. */
    public static byte[] toBytes(long[] shape, FloatBuffer data) {
        long n = Shapes.elements(shape);
        if (n > (Integer.MAX_VALUE - 0x10000) / 4) {
            throw new InvalidInputException("shape " + Shapes.format(shape) + " is too large for one .npy byte array");
        }
        if (n < 0 || n != data.remaining()) {
            throw new InvalidInputException("shape " + Shapes.format(shape) + " needs " + n
                    + " floats, got " + data.remaining());
        }
        ByteBuffer body = ByteBuffer.allocate((int) (n * 4)).order(ByteOrder.nativeOrder());
        body.asFloatBuffer().put(data.duplicate());
        return toBytes(TensorData.of("float32", shape, body));
    }

    /** Encodes any {@link TensorData} as version 1.0 .npy bytes, as numpy writes them. */
    public static byte[] toBytes(TensorData t) {
        long[] shape = t.shape();
        byte[][] strings = t.isString() ? t.strings() : null;
        int width = 1;          // numpy's bytes dtype is at least one wide ('|S1' for empty strings)
        if (strings != null) {
            for (byte[] v : strings) {
                width = Math.max(width, v.length);
            }
        }
        long bodyBytes = strings != null ? (long) width * strings.length : t.numBytes();
        if (bodyBytes > Integer.MAX_VALUE - 0x10000) {
            throw new InvalidInputException("shape " + Shapes.format(shape) + " is too large for one .npy byte array");
        }
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        if (shape.length == 1) {
            dims.append(',');
        }
        String descr = strings != null ? "|S" + width : DESCRS.get(t.dtype());
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, "
                + "'shape': (").append(dims).append("), }");
        // numpy pads with spaces and ends with '\n' so that the data starts on a 64-byte boundary.
        int total = MAGIC.length + 4 + header.length() + 1;
        for (int pad = (64 - total % 64) % 64; pad > 0; pad--) {
            header.append(' ');
        }
        header.append('\n');
        if (header.length() > 0xffff) {
            throw new InvalidInputException("shape " + Shapes.format(shape) + " makes too long a .npy 1.0 header");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) bodyBytes + header.length() + 10);
        out.write(MAGIC, 0, MAGIC.length);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        byte[] h = header.toString().getBytes(StandardCharsets.ISO_8859_1);
        out.write(h, 0, h.length);
        if (strings != null) {
            for (byte[] v : strings) {
                out.write(v, 0, v.length);
                out.write(new byte[width - v.length], 0, width - v.length);
            }
            return out.toByteArray();
        }
        byte[] body = new byte[t.numBytes()];
        t.data().get(body);
        out.write(body, 0, body.length);
        return out.toByteArray();
    }
}
