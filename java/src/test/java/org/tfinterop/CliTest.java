package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.startsWith;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class CliTest {
    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder();
    private static Path root;
    private static Path model;
    private static Path input;

    private String out;
    private String err;

    @BeforeClass
    public static void setUp() throws IOException {
        root = TMP.getRoot().toPath();
        model = TestModels.linear(root.resolve("model"), new String[] {"serve"}, new String[] {"myTag"});
        input = root.resolve("x.npy");
        Npy.write(input, new long[] {5, 4}, FloatBuffer.wrap(ModelTest.flatten(TestModels.sampleInput(5))));
    }

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Cli.run(args, new PrintStream(o, true), new PrintStream(e, true));
        out = new String(o.toByteArray(), StandardCharsets.UTF_8);
        err = new String(e.toByteArray(), StandardCharsets.UTF_8);
        return rc;
    }

    @Test
    public void usageErrorsExitTwo() {
        assertEquals(2, run());
        assertThat(err, containsString("usage: tfinterop-java"));
        assertEquals(2, run("frobnicate"));
        assertThat(err, containsString("unknown command 'frobnicate'"));
        assertEquals(2, run("ops"));
        assertThat(err, containsString("missing model directory"));
        assertEquals(2, run("tags", "a", "b"));
        assertEquals(2, run("ops", "dir", "--tag"));
        assertThat(err, containsString("--tag needs a value"));
        assertEquals(2, run("predict", "dir", "--output", "y.npy"));
        assertThat(err, containsString("--input is required"));
        assertEquals(2, run("predict", "dir", "--input", "x", "--output", "y", "--bogus"));
        assertThat(err, containsString("unknown option '--bogus'"));
        assertEquals(2, run("predict", "dir", "--input", "x", "--input", "z", "--output", "y"));
        assertEquals(2, run("version", "extra"));
        assertEquals(2, run("tags", "--overwrite", "d"));
    }

    @Test
    public void helpExitsZero() {
        assertEquals(0, run("--help"));
        assertThat(out, containsString("commands:"));
        for (String cmd : new String[] {"tags", "ops", "predict", "version", "op-registry"}) {
            assertEquals(0, run(cmd, "--help"));
            assertThat(out, startsWith("usage: tfinterop-java " + cmd));
        }
    }

    @Test
    public void versionTagsAndOps() {
        assertEquals(0, run("version"));
        assertEquals(Model.tensorflowVersion(), out.trim());
        assertEquals(0, run("tags", model.toString()));
        assertEquals("[serve]\n[myTag]\n", out.replace("\r", ""));
        assertEquals(0, run("ops", model.toString(), "--tag=myTag"));
        assertThat(out, containsString("NAME"));
        assertThat(out.replaceAll(" +", " "), containsString("myInput Placeholder float32[?, 4]"));
    }

    @Test
    public void errorsPrintKindAndExitWithItsCode() throws IOException {
        // An unusable input exits 2 (error-kinds.txt), with the Python side's words for the same cause.
        Path absent = root.resolve("absent");
        assertEquals(2, run("tags", absent.toString()));
        assertEquals("error: model-not-found: " + absent + ": no such directory; expected a SavedModel directory "
                + "holding saved_model.pb\n", err.replace("\r", ""));
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertEquals(2, run("ops", empty.toString()));
        assertEquals("error: not-a-saved-model: " + empty + ": saved_model.pb is missing; this is not a SavedModel "
                + "directory\n", err.replace("\r", ""));
        Path garbage = Files.createDirectories(root.resolve("garbage"));
        Files.write(garbage.resolve("saved_model.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 7});
        assertEquals(2, run("tags", garbage.toString()));
        assertThat(err, startsWith("error: not-a-saved-model: "));
        assertEquals(2, run("ops", model.toString(), "--tag", "nope"));
        assertThat(err, containsString("error: tag-set-not-found: "));
        assertThat(err, containsString("[serve] [myTag]"));
    }

    @Test
    public void predictWritesOutputAndNeverClobbers() throws IOException {
        Path y = root.resolve("y.npy");
        Files.deleteIfExists(y);
        assertEquals(err, 0, run("predict", model.toString(), "--input", input.toString(), "--output", y.toString()));
        Npy got = Npy.read(y);
        assertArrayEquals(new long[] {5, 3}, got.shape());
        assertArrayEquals(TestModels.expected(TestModels.sampleInput(5))[4],
                java.util.Arrays.copyOfRange(got.data(), 12, 15), 1e-6f);

        byte[] before = Files.readAllBytes(y);
        assertEquals(2, run("predict", model.toString(), "--input", input.toString(), "--output", y.toString()));
        assertThat(err, startsWith("error: output-exists: "));
        // A failing run with --overwrite leaves the old file as it was and no temp file behind.
        assertEquals(1, run("predict", model.toString(), "--input", input.toString(), "--output", y.toString(),
                "--overwrite", "--output-name", "intConst"));
        assertThat(err, startsWith("error: unsupported-dtype: "));
        assertArrayEquals(before, Files.readAllBytes(y));
        assertEquals(0, run("predict", model.toString(), "--input", input.toString(), "--output", y.toString(),
                "--overwrite", "--tag", "myTag", "--input-name", "myInput:0", "--output-name", "add"));
        assertEquals(5 * 3, Npy.read(y).data().length);
        try (Stream<Path> files = Files.list(root)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    public void predictReportsBadInputs() throws IOException {
        Path y = root.resolve("never.npy");
        assertEquals(2, run("predict", model.toString(), "--input", root.resolve("nope.npy").toString(), "--output", y.toString()));
        assertThat(err, startsWith("error: invalid-input: --input " + root.resolve("nope.npy") + ": no such file"));
        Path wide = root.resolve("wide.npy");
        Npy.write(wide, new long[] {2, 5}, FloatBuffer.allocate(10));
        assertEquals(2, run("predict", model.toString(), "--input", wide.toString(), "--output", y.toString()));
        assertEquals("error: invalid-input: input 'myInput' expects shape [?, 4] (float32), got [2, 5]\n",
                err.replace("\r", ""));
        Path notNpy = Files.write(root.resolve("bad.npy"), "hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals(2, run("predict", model.toString(), "--input", notNpy.toString(), "--output", y.toString()));
        assertThat(err, startsWith("error: npy-format: "));
        assertEquals(2, run("predict", model.toString(), "--input", input.toString(), "--output", y.toString(),
                "--input-name", "myImput"));
        assertThat(err, containsString("did you mean myInput?"));
        assertFalse(Files.exists(y));
    }

    @Test
    public void predictNeverWritesIntoTheModelOverItsInputOrOverAFolder() throws IOException {
        // The same rule and words as the Python command line (outputs.py), before the model loads.
        byte[] pb = Files.readAllBytes(model.resolve("saved_model.pb"));
        assertEquals(2, run("predict", model.toString(), "--input", input.toString(), "--output",
                model.resolve("saved_model.pb").toString(), "--overwrite"));
        assertThat(err, startsWith("error: unsafe-output: --output " + model.resolve("saved_model.pb")
                + " is inside the model being run"));
        assertArrayEquals(pb, Files.readAllBytes(model.resolve("saved_model.pb")));
        byte[] x = Files.readAllBytes(input);
        assertEquals(2, run("predict", model.toString(), "--input", input.toString(), "--output", input.toString(),
                "--overwrite"));
        assertThat(err, startsWith("error: unsafe-output: --output " + input + " is the input file"));
        assertArrayEquals(x, Files.readAllBytes(input));
        assertEquals(2, run("predict", model.toString(), "--input", input.toString(), "--output", root.toString(),
                "--overwrite"));
        assertThat(err, startsWith("error: unsafe-output: --output " + root + " is a folder"));
    }
}
