package org.tfinterop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * fixtures/known-incompatibilities.txt: "producer | model | variant | consumer | message prefix | reason", six
 * non-empty fields, the reason being the rest of the line (it may contain '|'). The variant may name one tag-set
 * too, "variant/tag+tag" (e.g. seed-builder/serve). The grammar is the list header's, as tfinterop/expectations.py
 * reads it; both readers are tested on fixtures/known-incompatibilities.cases.json.
 */
final class KnownIncompatibilities {
    static final String FIELDS = "producer | model | variant | consumer | expected message prefix | reason";

    static final class Entry {
        final int line;
        final Pattern producer;
        final Pattern model;
        final Pattern variant;
        final Pattern tags;      // null: any tag-set
        final Pattern consumer;
        final String messagePrefix;
        final String reason;
        final String[] fields;   // as written, trimmed

        Entry(int line, String[] f) {
            this.line = line;
            fields = f.clone();
            producer = glob(f[0]);
            model = glob(f[1]);
            int slash = f[2].indexOf('/');
            variant = glob(slash < 0 ? f[2] : f[2].substring(0, slash));
            tags = slash < 0 ? null : glob(f[2].substring(slash + 1));
            consumer = glob(f[3]);
            messagePrefix = f[4];
            reason = f[5];
        }

        boolean matches(String producer, String model, String variant, String[] tags, String consumer) {
            if (this.tags != null && (tags == null || !this.tags.matcher(String.join("+", tags)).matches())) {
                return false;
            }
            return this.producer.matcher(producer).matches() && this.model.matcher(model).matches()
                    && this.variant.matcher(variant).matches() && this.consumer.matcher(consumer).matches();
        }
    }

    private final List<Entry> entries;

    private KnownIncompatibilities(List<Entry> entries) {
        this.entries = entries;
    }

    static KnownIncompatibilities read(Path file) throws IOException {
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString());
    }

    static KnownIncompatibilities parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            // The reason is last: the rest of the line, so it may itself contain '|'.
            String[] f = line.split("\\|", 6);
            boolean complete = f.length == 6;
            for (int j = 0; j < f.length; j++) {
                f[j] = f[j].trim();
                complete &= !f[j].isEmpty();
            }
            if (!complete) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected 6 non-empty '|'-separated fields ("
                        + FIELDS + "), got: " + line);
            }
            entries.add(new Entry(i + 1, f));
        }
        return new KnownIncompatibilities(entries);
    }

    /** The first entry for this cell, or null if the cell is expected to work. */
    Entry match(String producer, String model, String variant, String consumer) {
        return match(producer, model, variant, null, consumer);
    }

    /** The same for one tag-set of the variant. */
    Entry match(String producer, String model, String variant, String[] tags, String consumer) {
        for (Entry e : entries) {
            if (e.matches(producer, model, variant, tags, consumer)) {
                return e;
            }
        }
        return null;
    }

    int size() {
        return entries.size();
    }

    List<Entry> entries() {
        return entries;
    }

    /** Shell-style glob: '*', '?', and [...] classes ("[!...]" negates); everything else literal. */
    static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            int close = c == '[' ? g.indexOf(']', i + 2) : -1;
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (close > 0) {
                String body = g.substring(i + 1, close);
                if (body.startsWith("!")) {
                    body = "^" + body.substring(1);
                }
                re.append('[').append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                i = close;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
