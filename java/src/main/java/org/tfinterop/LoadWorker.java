package org.tfinterop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * Loads SavedModels one after another for the fuzzer (python/tfinterop/tools/fuzz.py), in a process of its
 * own so that a native crash in TensorFlow ends only this process. One request per stdin line,
 * "DIR<TAB>tag,tag", one reply per line on stdout:
 *   ok                       loaded (with the default, untrusted-refusing options), ran one zero row, closed
 *   error<TAB>KIND<TAB>MSG   a typed error (TfInteropException.kind())
 *   internal<TAB>MSG         anything else thrown: not a crash, but not a typed error either
 * The first line is "ready<TAB>VERSION". Tab and newline in messages become spaces.
 */
public final class LoadWorker {
    private LoadWorker() {
    }

    public static void main(String[] args) throws IOException {
        // Replies only on the real stdout; anything else the library prints goes to stderr.
        PrintStream replies = new PrintStream(System.out, true, "UTF-8");
        System.setOut(System.err);
        String input = args.length > 0 ? args[0] : "myInput";
        String output = args.length > 1 ? args[1] : "myOutput";
        replies.println("ready\t" + Model.tensorflowVersion());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", 2);
            String[] tags = f.length > 1 && !f[1].isEmpty() ? f[1].split(",") : new String[] {"serve"};
            replies.println(handle(f[0], tags, input, output));
        }
    }

    static String handle(String dir, String[] tags, String input, String output) {
        try (Model m = Model.load(Paths.get(dir), tags)) {
            long width = m.tensor(input).shape() != null && m.tensor(input).shape().length == 2
                    ? Math.max(m.tensor(input).shape()[1], 1) : 784;
            try (Prediction p = m.run(input, FloatBuffer.allocate((int) Math.min(width, 1 << 20)),
                    new long[] {1, width}, output)) {
                p.toArray();
            }
            return "ok";
        } catch (TfInteropException e) {
            return "error\t" + e.kind() + "\t" + oneLine(e.getMessage());
        } catch (Throwable e) {   // an OutOfMemoryError on a huge declared size, for one: report, keep going
            return "internal\t" + oneLine(e.toString());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
