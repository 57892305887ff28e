package org.tfinterop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * numpy's .npz: a zip of KEY.npy arrays, as numpy.savez writes it, read into and written from
 * {@link TensorData} of the dtypes a call by signature takes (numbers, and numpy bytes as strings). A file that
 * is not one, or an array that is not data (objects, a structured dtype), is refused with a
 * {@link NpyFormatException} naming it; an array of another dtype (unicode strings, float16, ...) with an
 * {@link InvalidInputException}, as Python's feeds refuses it.
 */
public final class Npz {
    private Npz() {
    }

    /** The arrays by key (the entry name without ".npy"), sorted by key. */
    public static Map<String, TensorData> read(Path file) throws IOException {
        Map<String, TensorData> out = new TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.getName().endsWith(".npy")) {
                    throw new NpyFormatException(file + ": entry '" + e.getName() + "' is not a .npy array; an .npz "
                            + "holds KEY.npy entries only");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    String key = e.getName().substring(0, e.getName().length() - ".npy".length());
                    out.put(key, Npy.parseAny(readAll(in), file + "[" + key + "]"));
                }
            }
        } catch (ZipException e) {
            throw new NpyFormatException(file + ": " + (isNpy(file) ? "a single .npy array, " : "")
                    + "not an .npz (a zip of .npy arrays): " + e.getMessage());
        }
        return out;
    }

    /** Writes the arrays beside file and renames them into place: a reader never sees half of it. */
    public static void write(Path file, Map<String, TensorData> arrays, boolean overwrite) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, TensorData> e : new TreeMap<>(arrays).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Npy.toBytes(e.getValue()));
                zip.closeEntry();
            }
        }
        Npy.writeAtomically(file, bytes.toByteArray(), overwrite);
    }

    /** Whether file starts as a .npy does: the likeliest file given in an .npz's place. */
    private static boolean isNpy(Path file) throws IOException {
        byte[] head = new byte[Npy.MAGIC.length];
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return in.read(head) == head.length && java.util.Arrays.equals(head, Npy.MAGIC);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 16];
        for (int n; (n = in.read(chunk)) > 0; ) {
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }
}
