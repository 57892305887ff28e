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
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * One test per golden model x tag-set: it either matches Python TensorFlow's output within the tolerance
 * contract, or is a listed known incompatibility and fails to load with exactly the listed message.
 * Missing fixtures fail the run (an initialization error), never skip it.
 */
@RunWith(Parameterized.class)
public class GoldenFixtureTest {
    private final String cell;
    private final JsonObject manifest;
    private final JsonObject entry;
    private final String[] tags;

    public GoldenFixtureTest(String cell, JsonObject manifest, JsonObject entry, String[] tags) {
        this.cell = cell;
        this.manifest = manifest;
        this.entry = entry;
        this.tags = tags;
    }

    static Path fixtures() {
        String p = System.getProperty("tfinterop.fixtures");
        if (p == null) {
            throw new AssertionError("system property tfinterop.fixtures is not set (run through gradle test)");
        }
        return Paths.get(p);
    }

    static Path golden() {
        return fixtures().resolve("golden");
    }

    @Parameters(name = "{0}")
    public static List<Object[]> cells() throws IOException {
        Path file = golden().resolve("manifest.json");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("golden fixtures missing: " + file + " does not exist");
        }
        JsonObject manifest = JsonParser.parseString(new String(Files.readAllBytes(file), StandardCharsets.UTF_8))
                .getAsJsonObject();
        List<Object[]> cells = new ArrayList<>();
        for (JsonElement m : manifest.getAsJsonArray("models")) {
            JsonObject entry = m.getAsJsonObject();
            for (JsonElement ts : entry.getAsJsonArray("tag_sets")) {
                String[] tags = strings(ts.getAsJsonArray());
                cells.add(new Object[] {entry.get("variant").getAsString() + " [" + String.join("+", tags) + "]",
                        manifest, entry, tags});
            }
        }
        if (cells.isEmpty()) {
            throw new AssertionError(file + " lists no model");
        }
        return cells;
    }

    @Test
    public void matchesPythonOrFailsAsListed() throws IOException {
        Path dir = golden().resolve(entry.get("dir").getAsString());
        String producer = manifest.get("producer").getAsString();
        String model = manifest.get("model").getAsString();
        String variant = entry.get("variant").getAsString();
        String consumer = "java-tf-" + Model.tensorflowVersion();
        KnownIncompatibilities.Entry known = KnownIncompatibilities
                .read(fixtures().resolve("known-incompatibilities.txt")).match(producer, model, variant, tags, consumer);
        String where = cell + " (" + producer + " | " + model + " | " + variant + " | " + consumer + ")";
        if (known != null) {
            expectLoadFailure(dir, known, where);
            return;
        }
        Npy input = Npy.read(golden().resolve(manifest.get("input").getAsString()));
        Npy expected = Npy.read(golden().resolve(entry.getAsJsonObject("expected").get(String.join("+", tags)).getAsString()));
        ToleranceContract tolerance = ToleranceContract.load();
        try (Model m = Model.load(dir, tags);
             Prediction p = m.run(manifest.get("input_name").getAsString(), input.buffer(), input.shape(),
                     manifest.get("output_name").getAsString())) {
            String problem = tolerance.disagreement(expected.shape(), expected.data(), p.shape(), p.toArray());
            if (problem != null) {
                fail(where + ": output differs from Python's: " + problem);
            }
        }
    }

    @Test
    public void declaresTheManifestsTagSets() {
        Set<Set<String>> want = new HashSet<>();
        for (JsonElement ts : entry.getAsJsonArray("tag_sets")) {
            want.add(new HashSet<>(java.util.Arrays.asList(strings(ts.getAsJsonArray()))));
        }
        Set<Set<String>> have = new HashSet<>();
        for (List<String> ts : SavedModelInfo.read(golden().resolve(entry.get("dir").getAsString())).tagSets()) {
            have.add(new HashSet<>(ts));
        }
        assertEquals(cell, want, have);
    }

    private void expectLoadFailure(Path dir, KnownIncompatibilities.Entry known, String where) {
        String listed = "known-incompatibilities.txt line " + known.line + " expects a load failure starting with \""
                + known.messagePrefix + "\"";
        try {
            Model.load(dir, tags).close();
            fail(where + ": loaded, but " + listed + "; remove or narrow that line");
        } catch (ModelLoadException e) {
            assertTrue(where + ": " + listed + ", got \"" + e.runtimeMessage() + "\"",
                    e.runtimeMessage() != null && e.runtimeMessage().startsWith(known.messagePrefix));
        } catch (TfInteropException e) {
            fail(where + ": " + listed + ", but got " + e.kind() + ": " + e.getMessage());
        }
    }

    private static String[] strings(JsonArray a) {
        String[] s = new String[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsString();
        }
        return s;
    }
}
