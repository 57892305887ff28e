package org.tfinterop;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.DataType;
import org.tensorflow.Output;

/** Names dtypes, including those TF Java's DataType enum cannot represent (refs, resources, ...). */
final class DTypes {
    static final String FLOAT32 = "float32";
    private static final Pattern CODE = Pattern.compile("DataType (\\d+)");

    private DTypes() {
    }

    static String of(Output<?> output) {
        try {
            return of(output.dataType());
        } catch (IllegalArgumentException e) {
            // TF Java throws for codes its enum lacks; the message carries the numeric code.
            Matcher m = CODE.matcher(String.valueOf(e.getMessage()));
            return m.find() ? ofCode(Integer.parseInt(m.group(1))) : "unknown";
        }
    }

    static String of(DataType t) {
        switch (t) {
            case FLOAT:
                return FLOAT32;
            case DOUBLE:
                return "float64";
            default:
                return t.name().toLowerCase(Locale.ROOT);
        }
    }

    /** Names a TF_DataType code using the proto enum (DT_FLOAT_REF -> float32_ref). */
    static String ofCode(int code) {
        org.tensorflow.framework.DataType p = org.tensorflow.framework.DataType.forNumber(code);
        if (p == null) {
            return "dtype(" + code + ")";
        }
        String n = p.name().toLowerCase(Locale.ROOT).replaceFirst("^dt_", "");
        return n.replaceFirst("^float(?=$|_)", "float32").replaceFirst("^double(?=$|_)", "float64")
                .replaceFirst("^half(?=$|_)", "float16");
    }
}
