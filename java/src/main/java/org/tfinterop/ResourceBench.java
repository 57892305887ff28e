package org.tfinterop;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;

/**
 * Load, run, close a model many times in one JVM and measure what stays behind: resident memory
 * (VmRSS, Linux) and the library's count of open bundles and tensors (LiveResources).
 * Usage: ResourceBench DIR CYCLES [TAG...]   (prints the numbers; exit 1 if anything stays open).
 */
public final class ResourceBench {
    static final int WARMUP = 100;

    private ResourceBench() {
    }

    /** What one measurement found. */
    public static final class Result {
        public final int warmup;
        public final int cycles;
        public final long rssBeforeKb;
        public final long rssMiddleKb;
        public final long rssAfterKb;
        public final long openBundles;
        public final long openTensors;
        public final double seconds;

        Result(int warmup, int cycles, long before, long middle, long after, long bundles, long tensors, double s) {
            this.warmup = warmup;
            this.cycles = cycles;
            this.rssBeforeKb = before;
            this.rssMiddleKb = middle;
            this.rssAfterKb = after;
            this.openBundles = bundles;
            this.openTensors = tensors;
            this.seconds = s;
        }

        public double growthMb() {
            return (rssAfterKb - rssBeforeKb) / 1024.0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d load-run-close cycles (after %d warm-up) in %.1f s (%.1f ms each): "
                    + "RSS %.1f MB -> %.1f MB (half-way %.1f MB), growth %.1f MB; open bundles %d, open tensors %d",
                    cycles, warmup, seconds, 1000 * seconds / Math.max(cycles, 1), rssBeforeKb / 1024.0,
                    rssAfterKb / 1024.0, rssMiddleKb / 1024.0, growthMb(), openBundles, openTensors);
        }
    }

    /**
     * Warm-up cycles first (TensorFlow's one-time allocations: op registry, thread pools, the JIT's own),
     * then the measured ones; each cycle feeds a batch of 100 rows.
     */
    public static Result run(Path dir, String[] tags, int warmup, int cycles, String input, String output) {
        FloatBuffer batch = null;
        long before = 0;
        long middle = 0;
        long start = 0;
        for (int i = 0; i < warmup + cycles; i++) {
            if (i == warmup) {
                settle();
                before = rssKb();
                start = System.nanoTime();
            }
            if (i == warmup + cycles / 2) {
                settle();
                middle = rssKb();
            }
            try (Model m = Model.load(dir, tags)) {
                if (batch == null) {
                    long width = m.tensor(input).shape()[1];
                    batch = FloatBuffer.allocate((int) (100 * width));
                    for (int k = 0; k < batch.capacity(); k++) {
                        batch.put(k, (k % 97) / 97f);
                    }
                }
                try (Prediction p = m.run(input, batch, new long[] {100, batch.capacity() / 100}, output)) {
                    p.toArray();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        settle();
        return new Result(warmup, cycles, before, middle, rssKb(), LiveResources.openBundles(),
                LiveResources.openTensors(), seconds);
    }

    /** Resident set size of this process in kB, from /proc/self/status. */
    public static long rssKb() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status (Linux only): " + e, e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }

    private static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ResourceBench DIR CYCLES [TAG...]");
            System.exit(2);
        }
        int cycles = Integer.parseInt(args[1]);
        String[] tags = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"serve"};
        // 100 warm-up cycles: RSS rises over the first ~100 loads (malloc arenas of TensorFlow's session threads,
        // the JIT) and is flat after that; the measured cycles then show what each cycle leaves behind.
        Result r = run(Paths.get(args[0]), tags, WARMUP, cycles, "myInput", "myOutput");
        System.out.println("tensorflow " + Model.tensorflowVersion() + ", " + args[0] + " " + Arrays.asList(tags));
        System.out.println(r);
        System.out.println(LiveResources.summary());
        System.exit(r.openBundles == 0 && r.openTensors == 0 ? 0 : 1);
    }
}
