package org.tfinterop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every error kind and the exit code of a command that stops on it: error-kinds.txt, the very list the Python
 * side reads (shipped in this jar), so that the same cause exits with the same code from either command line.
 */
public final class ErrorKinds {
    private static final Map<String, Integer> EXIT_CODES = read();

    private ErrorKinds() {
    }

    /** The exit code for a kind (1 for a kind the list does not have). */
    public static int exitCode(String kind) {
        Integer code = EXIT_CODES.get(kind);
        return code == null ? 1 : code;
    }

    /** Every kind, in the list's order, with its exit code. */
    public static Map<String, Integer> all() {
        return EXIT_CODES;
    }

    private static Map<String, Integer> read() {
        Map<String, Integer> codes = new LinkedHashMap<>();
        try (InputStream in = ErrorKinds.class.getResourceAsStream("error-kinds.txt")) {
            if (in == null) {
                throw new IllegalStateException("error-kinds.txt is missing from the tfinterop jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.trim().isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+", 3);
                codes.put(parts[0], Integer.parseInt(parts[1]));
            }
        } catch (IOException e) {
            throw new IllegalStateException("error-kinds.txt cannot be read from the tfinterop jar", e);
        }
        return Collections.unmodifiableMap(codes);
    }
}
