package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Load -> run -> close, 200 times in a JVM of its own (ResourceBench, as `tfinterop bench-resources`
 * runs it at 1,000): nothing stays open, and resident memory does not keep growing: the second 100
 * cycles add less than 10 MB (a leak grows in both halves; warm-up -- malloc arenas, the JIT, the heap
 * growing towards -Xmx -- happens in the first, and measured up to 22 MB there on a busy 2-core machine,
 * with 0.5 MB or less in the second). Its own JVM, so the other tests' models do not count;
 * MALLOC_ARENA_MAX=2 as in the benchmark (see resource_bench.py for why).
 */
public class ResourceTest {
    private static final String FIXTURES = System.getProperty("tfinterop.fixtures", "../fixtures");

    @Test
    public void twoHundredCyclesLeaveNothingOpen() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                "org.tfinterop.ResourceBench", Paths.get(FIXTURES, "golden", "compat-serve").toString(), "200", "serve");
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        }
        String text = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertEquals(text, 0, p.waitFor());
        Matcher m = Pattern.compile("-> (-?[0-9.]+) MB \\(half-way (-?[0-9.]+) MB\\), growth -?[0-9.]+ MB; "
                + "open bundles (\\d+), open tensors (\\d+)").matcher(text);
        assertTrue(text, m.find());
        System.out.println(text);
        assertEquals(text, "0", m.group(3));
        assertEquals(text, "0", m.group(4));
        assertTrue(text, Double.parseDouble(m.group(1)) - Double.parseDouble(m.group(2)) < 10.0);
    }
}
