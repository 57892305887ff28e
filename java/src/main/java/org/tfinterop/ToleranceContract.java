package org.tfinterop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tolerance contract, tolerance.json (the very file the Python side reads, shipped in this jar): floats by
 * rtol/atol per dtype (numpy.allclose: |got - expected| <= atol + rtol * |expected|, NaN equals NaN), argmax
 * equal on every row of a rank-2 float output when argmax_must_match, every other dtype exactly.
 */
public final class ToleranceContract {
    private final String json;

    private ToleranceContract(String json) {
        this.json = json;
    }

    /** The contract in this jar (org/tfinterop/tolerance.json). */
    public static ToleranceContract load() {
        try (InputStream in = ToleranceContract.class.getResourceAsStream("tolerance.json")) {
            if (in == null) {
                throw new IllegalStateException("tolerance.json is missing from the tfinterop jar");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            for (int n; (n = in.read(chunk)) > 0; ) {
                out.write(chunk, 0, n);
            }
            return new ToleranceContract(new String(out.toByteArray(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether dtype is compared by rtol/atol (float32, float64), not exactly. */
    public boolean hasTolerance(String dtype) {
        return Pattern.compile("\"" + Pattern.quote(dtype) + "\"\\s*:\\s*\\{").matcher(json).find();
    }

    public double rtol(String dtype) {
        return number(dtype, "rtol");
    }

    public double atol(String dtype) {
        return number(dtype, "atol");
    }

    public boolean argmaxMustMatch() {
        Matcher m = Pattern.compile("\"argmax_must_match\"\\s*:\\s*(true|false)").matcher(json);
        return m.find() && m.group(1).equals("true");
    }

    private double number(String dtype, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(dtype) + "\"\\s*:\\s*\\{([^}]*)\\}").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("tolerance.json has no tolerance for " + dtype);
        }
        Matcher f = Pattern.compile("\"" + field + "\"\\s*:\\s*([-+0-9.eE]+)").matcher(m.group(1));
        if (!f.find()) {
            throw new IllegalArgumentException("tolerance.json gives " + dtype + " no " + field);
        }
        return Double.parseDouble(f.group(1));
    }
}
