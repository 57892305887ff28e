package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * The known-incompatibilities grammar on the cases the Python reader is tested on too
 * (fixtures/known-incompatibilities.cases.json; tests/unit/test_expectations.py).
 */
@RunWith(Parameterized.class)
public class KnownIncompatibilitiesGrammarTest {
    private static JsonObject cases;

    private final JsonObject c;
    private final boolean lookup;

    public KnownIncompatibilitiesGrammarTest(String name, JsonObject c, boolean lookup) {
        this.c = c;
        this.lookup = lookup;
    }

    @Parameters(name = "{0}")
    public static Collection<Object[]> cases() throws IOException {
        cases = new JsonParser().parse(new String(Files.readAllBytes(
                GoldenFixtureTest.fixtures().resolve("known-incompatibilities.cases.json")), StandardCharsets.UTF_8))
                .getAsJsonObject();
        List<Object[]> out = new ArrayList<>();
        for (JsonElement e : cases.getAsJsonArray("parse")) {
            out.add(new Object[] {"parse: " + e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject(), false});
        }
        for (JsonElement e : cases.getAsJsonObject("lookups").getAsJsonArray("cases")) {
            JsonObject o = e.getAsJsonObject();
            out.add(new Object[] {"lookup: " + o.get("producer").getAsString() + " " + o.get("model").getAsString() + " "
                    + o.get("variant").getAsString() + " " + o.get("tags") + " " + o.get("consumer").getAsString(), o, true});
        }
        assertTrue(out.size() > 20);
        return out;
    }

    @Test
    public void readsAsThePythonReaderDoes() {
        if (lookup) {
            KnownIncompatibilities list = KnownIncompatibilities.parse(
                    cases.getAsJsonObject("lookups").get("text").getAsString(), "cases");
            String[] tags = null;
            if (!c.get("tags").isJsonNull()) {
                JsonArray a = c.getAsJsonArray("tags");
                tags = new String[a.size()];
                for (int i = 0; i < tags.length; i++) {
                    tags[i] = a.get(i).getAsString();
                }
            }
            KnownIncompatibilities.Entry e = list.match(c.get("producer").getAsString(), c.get("model").getAsString(),
                    c.get("variant").getAsString(), tags, c.get("consumer").getAsString());
            assertEquals(c.get("line").isJsonNull() ? null : c.get("line").getAsInt(), e == null ? null : e.line);
        } else if (c.has("error_line")) {
            try {
                KnownIncompatibilities.parse(c.get("text").getAsString(), "cases");
                fail("read without an error");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith(
                        "cases:" + c.get("error_line").getAsInt() + ": expected 6 non-empty '|'-separated fields"));
            }
        } else {
            KnownIncompatibilities list = KnownIncompatibilities.parse(c.get("text").getAsString(), "cases");
            JsonArray want = c.getAsJsonArray("entries");
            assertEquals(want.size(), list.size());
            for (int i = 0; i < want.size(); i++) {
                JsonObject w = want.get(i).getAsJsonObject();
                KnownIncompatibilities.Entry got = list.entries().get(i);
                assertEquals(w.get("line").getAsInt(), got.line);
                String[] fields = {"producer", "model", "variant", "consumer", "message_prefix", "reason"};
                for (int f = 0; f < fields.length; f++) {
                    assertEquals(fields[f], w.get(fields[f]).getAsString(), got.fields[f]);
                }
            }
        }
    }
}
