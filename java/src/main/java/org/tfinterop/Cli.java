package org.tfinterop;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command line: tags, ops, inspect, predict, version. Exit 0 on success; on an error, its kind's exit code from
 * error-kinds.txt (the list the Python command line uses: 2 for a usage error or an unusable input, 1 when the model
 * or the runtime says no). An output is checked before the model loads, with the Python side's rule and words: never
 * a folder, the input file, or a file inside the model; an existing one only with --overwrite.
 */
public final class Cli {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = String.join("\n",
            "usage: tfinterop-java <command> [options]",
            "",
            "commands:",
            "  tags DIR                 list the tag-sets of a SavedModel",
            "  ops DIR [--tag T]... [--allow-untrusted]",
            "                           list operations: name, type, outputs (dtype and shape)",
            "  inspect DIR              print every tag-set, SignatureDef and asset file, as",
            "                           saved_model_cli show --all does (same text as tfinterop inspect)",
            "  predict DIR --input X.npy --output Y.npy [--tag T]... [--input-name N]",
            "          [--output-name N] [--signature KEY [--input-key K] [--output-key K]]",
            "  predict DIR --inputs X.npz --outputs Y.npz [--tag T]... [--signature KEY]",
            "          [--overwrite] [--allow-untrusted]",
            "                           run a float32 .npy batch through the model",
            "  version                  print the TensorFlow runtime version",
            "  op-registry --out FILE [--overwrite]",
            "                           dump the runtime's registered ops, GraphDef versions and",
            "                           data types as JSON (read by `tfinterop targets --regenerate`)",
            "",
            "Run 'tfinterop-java <command> --help' for a command's options.");

    private static final String UNTRUSTED_HELP = String.join("\n",
            "A model whose graph reads or writes files, or calls out (ReadFile, WriteFile, ...; see",
            "untrusted-ops.txt) is refused before it is loaded, since loading runs its init ops;",
            "--allow-untrusted loads it anyway.");

    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("tags", String.join("\n",
                "usage: tfinterop-java tags DIR",
                "Prints each tag-set of DIR/saved_model.pb on its own line, e.g. [serve], in file order."));
        HELP.put("ops", String.join("\n",
                "usage: tfinterop-java ops DIR [--tag T]... [--allow-untrusted]",
                "Loads the MetaGraphDef with exactly the given tags (default: serve) and prints",
                "one line per operation: name, type, outputs as dtype[shape] (? = unknown).",
                UNTRUSTED_HELP));
        HELP.put("inspect", String.join("\n",
                "usage: tfinterop-java inspect DIR",
                "Prints what `saved_model_cli show --dir DIR --all` prints -- every tag-set, every",
                "SignatureDef with its inputs and outputs (dtype, shape, tensor name) and method",
                "name, the ops each graph uses (sorted) -- then the asset files. Reads",
                "saved_model.pb without loading the model; the same text as `tfinterop inspect`."));
        HELP.put("predict", String.join("\n",
                "usage: tfinterop-java predict DIR --input X.npy --output Y.npy [--tag T]...",
                "           [--input-name N] [--output-name N]",
                "           [--signature KEY [--input-key K] [--output-key K]] [--overwrite]",
                "           [--allow-untrusted]",
                "       tfinterop-java predict DIR --inputs X.npz --outputs Y.npz [--tag T]...",
                "           [--signature KEY] [--overwrite] [--allow-untrusted]",
                "Feeds X.npy (float32, C order) to tensor N (default myInput), fetches the",
                "output tensor (default myOutput) and writes it to Y.npy. Tensor names are",
                "'op' or 'op:index'; the tag-set defaults to serve. With --signature, the",
                "tensors are the signature's input and output keys instead (as `inspect` shows",
                "them), resolved through its SignatureDef; a key may be left out when the",
                "signature has only one. Y.npy is never replaced without --overwrite and is",
                "written whole or not at all. With --inputs, X.npz holds every input of the",
                "signature by its input key (float32, float64, int32, int64, uint8, bool), and",
                "Y.npz gets every output by its output key; the signature defaults to",
                "serving_default, else the model's only one.",
                UNTRUSTED_HELP));
        HELP.put("version", String.join("\n",
                "usage: tfinterop-java version",
                "Prints the version of the TensorFlow runtime, e.g. 1.8.0."));
        HELP.put("op-registry", String.join("\n",
                "usage: tfinterop-java op-registry --out FILE [--overwrite]",
                "Writes what this runtime accepts, as JSON: TensorFlow.registeredOpList() (base64",
                "OpList bytes), the GraphDef versions it writes and accepts, and the DataType",
                "numbers it knows (both measured by importing small GraphDefs)."));
    }

    private Cli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; never calls System.exit, so tests can call it. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        String cmd = args[0];
        if (cmd.equals("--help") || cmd.equals("-h") || cmd.equals("help")) {
            out.println(USAGE_TEXT);
            return OK;
        }
        if (!HELP.containsKey(cmd)) {
            return usage(err, "unknown command '" + cmd + "'", USAGE_TEXT);
        }
        Args a;
        try {
            a = Args.parse(Arrays.copyOfRange(args, 1, args.length), cmd);
        } catch (UsageException e) {
            return usage(err, e.getMessage(), HELP.get(cmd));
        }
        if (a.help) {
            out.println(HELP.get(cmd));
            return OK;
        }
        try {
            switch (cmd) {
                case "version":
                    a.positionals(0);
                    out.println(Model.tensorflowVersion());
                    return OK;
                case "tags":
                    return tags(a.positionals(1).get(0), out);
                case "ops":
                    return ops(a.positionals(1).get(0), a.tags(), a.loadOptions(), out);
                case "inspect":
                    out.print(SavedModelText.describe(Paths.get(a.positionals(1).get(0))));
                    return OK;
                case "op-registry":
                    return opRegistry(a, out, err);
                default:
                    return predict(a, out, err);
            }
        } catch (UsageException e) {
            return usage(err, e.getMessage(), HELP.get(cmd));
        } catch (TfInteropException e) {
            return error(err, e.kind(), e.getMessage());
        } catch (IOException e) {
            return error(err, "io-error", e.toString());
        } catch (RuntimeException e) {
            e.printStackTrace(err);
            return error(err, "internal", e.toString());
        }
    }

    private static int tags(String dir, PrintStream out) {
        for (List<String> tags : SavedModelInfo.read(Paths.get(dir)).tagSets()) {
            out.println(tags);
        }
        return OK;
    }

    private static int ops(String dir, String[] tags, LoadOptions options, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "TYPE", "OUTPUTS"});
        try (Model m = Model.load(Paths.get(dir), options, tags)) {
            for (OperationInfo op : m.operations()) {
                List<String> outs = new ArrayList<>();
                for (TensorInfo t : op.outputs()) {
                    outs.add(t.toString());
                }
                rows.add(new String[] {op.name(), op.type(), outs.isEmpty() ? "-" : String.join(", ", outs)});
            }
        }
        int w0 = 0;
        int w1 = 0;
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
        }
        for (String[] r : rows) {
            out.println(String.format("%-" + w0 + "s  %-" + w1 + "s  %s", r[0], r[1], r[2]));
        }
        return OK;
    }

    private static int predict(Args a, PrintStream out, PrintStream err) throws IOException, UsageException {
        Path dir = Paths.get(a.positionals(1).get(0));
        boolean byKeys = a.values.containsKey("--inputs") || a.values.containsKey("--outputs");
        if (byKeys && (a.values.containsKey("--input") || a.values.containsKey("--output"))) {
            throw new UsageException("give --input X.npy and --output Y.npy, or --inputs X.npz and --outputs Y.npz");
        }
        if (byKeys) {
            return predictSignature(a, dir, out, err);
        }
        Path input = Paths.get(a.required("--input"));
        Path output = Paths.get(a.required("--output"));
        boolean overwrite = a.flags.contains("--overwrite");
        String signature = a.value("--signature", null);
        if (signature == null && (a.values.containsKey("--input-key") || a.values.containsKey("--output-key"))) {
            throw new UsageException("--input-key and --output-key need --signature");
        }
        if (signature != null && (a.values.containsKey("--input-name") || a.values.containsKey("--output-name"))) {
            throw new UsageException("--signature takes --input-key/--output-key, not --input-name/--output-name");
        }
        Integer refused = refuseBeforeLoading(dir, "--input", input, "--output", output, overwrite, err);
        if (refused != null) {
            return refused;
        }
        Npy x = Npy.read(input);
        String inName = a.value("--input-name", "myInput");
        String outName = a.value("--output-name", "myOutput");
        try (Model m = Model.load(dir, a.loadOptions(), a.tags());
             Prediction p = signature == null ? m.run(inName, x.buffer(), x.shape(), outName)
                     : m.runSignature(signature, a.value("--input-key", null), x.buffer(), x.shape(),
                             a.value("--output-key", null))) {
            Npy y = new Npy(p.shape(), p.toArray());
            Npy.writeAtomically(output, Npy.toBytes(y.shape(), y.buffer()), overwrite);
            out.println("wrote " + output + ": float32" + Shapes.format(y.shape()));
        }
        return OK;
    }

    /** predict's checks of its files, before the (slow) model load: an exit code, or null to go on. */
    private static Integer refuseBeforeLoading(Path dir, String inputFlag, Path input, String outputFlag, Path output,
            boolean overwrite, PrintStream err) throws IOException {
        Path real = realPath(output);
        if (Files.isDirectory(output)) {
            return error(err, "unsafe-output", outputFlag + " " + output + " is a folder; expected the path of a file");
        }
        if (Files.exists(input) && real.equals(realPath(input))) {
            return error(err, "unsafe-output", outputFlag + " " + output + " is the input file (" + input
                    + "); write the output somewhere else");
        }
        if (Files.isDirectory(dir) && real.startsWith(realPath(dir))) {
            return error(err, "unsafe-output", outputFlag + " " + output + " is inside the model being run (" + dir
                    + "); write the output somewhere else");
        }
        if (Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !overwrite) {
            return error(err, "output-exists", outputFlag + " " + output + " already exists; pass --overwrite to "
                    + "replace it");
        }
        if (!Files.isRegularFile(input)) {
            return error(err, "invalid-input", inputFlag + " " + input + ": no such file");
        }
        return null;
    }

    /** The path with every existing part's symbolic links resolved (as Python's Path.resolve()). */
    private static Path realPath(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? abs : existing.toRealPath().resolve(existing.relativize(abs));
    }

    /** predict --inputs X.npz --outputs Y.npz: every input and output of a signature, by key, any dtype. */
    private static int predictSignature(Args a, Path dir, PrintStream out, PrintStream err)
            throws IOException, UsageException {
        Path input = Paths.get(a.required("--inputs"));
        Path output = Paths.get(a.required("--outputs"));
        boolean overwrite = a.flags.contains("--overwrite");
        for (String name : new String[] {"--input-key", "--output-key", "--input-name", "--output-name"}) {
            if (a.values.containsKey(name)) {
                throw new UsageException("--inputs/--outputs take the signature's keys from the .npz, not " + name);
            }
        }
        Integer refused = refuseBeforeLoading(dir, "--inputs", input, "--outputs", output, overwrite, err);
        if (refused != null) {
            return refused;
        }
        Map<String, TensorData> inputs = Npz.read(input);
        try (Model m = Model.load(dir, a.loadOptions(), a.tags())) {
            Map<String, TensorData> outputs = m.runSignature(a.value("--signature", null), inputs, null);
            Npz.write(output, outputs, overwrite);
            StringBuilder said = new StringBuilder();
            for (Map.Entry<String, TensorData> e : outputs.entrySet()) {
                said.append(said.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
            }
            out.println("wrote " + output + ": " + said);
        }
        return OK;
    }

    private static int opRegistry(Args a, PrintStream out, PrintStream err) throws IOException, UsageException {
        a.positionals(0);
        Path output = Paths.get(a.required("--out")).toAbsolutePath();
        if (Files.isDirectory(output)) {
            return error(err, "unsafe-output", "--out " + output + " is a folder; expected the path of a file");
        }
        if (Files.exists(output) && !a.flags.contains("--overwrite")) {
            return error(err, "output-exists", "--out " + output + " already exists; pass --overwrite to replace it");
        }
        Path tmp = output.resolveSibling("." + output.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, RuntimeRegistry.dumpJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE_NEW);
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        out.println("wrote " + output);
        return OK;
    }

    private static int usage(PrintStream err, String problem, String text) {
        err.println("usage error: " + problem);
        err.println(text);
        return USAGE;
    }

    private static int error(PrintStream err, String kind, String message) {
        err.println("error: " + kind + ": " + message);
        return ErrorKinds.exitCode(kind);
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Options as "--name value" or "--name=value"; --tag may repeat. */
    private static final class Args {
        final List<String> positionals = new ArrayList<>();
        final Map<String, List<String>> values = new LinkedHashMap<>();
        final Set<String> flags = new HashSet<>();
        boolean help;

        static Args parse(String[] args, String cmd) throws UsageException {
            Set<String> valued = new HashSet<>();
            Set<String> boolFlags = new HashSet<>();
            if (cmd.equals("ops") || cmd.equals("predict")) {
                valued.add("--tag");
                boolFlags.add("--allow-untrusted");
            }
            if (cmd.equals("op-registry")) {
                valued.add("--out");
                boolFlags.add("--overwrite");
            }
            if (cmd.equals("predict")) {
                valued.addAll(Arrays.asList("--input", "--output", "--input-name", "--output-name",
                        "--signature", "--input-key", "--output-key", "--inputs", "--outputs"));
                boolFlags.add("--overwrite");
            }
            Args a = new Args();
            boolean optionsDone = false;
            for (int i = 0; i < args.length; i++) {
                String s = args[i];
                if (optionsDone || !s.startsWith("-") || s.equals("-")) {
                    a.positionals.add(s);
                    continue;
                }
                if (s.equals("--")) {
                    optionsDone = true;
                } else if (s.equals("--help") || s.equals("-h")) {
                    a.help = true;
                } else {
                    int eq = s.indexOf('=');
                    String name = eq < 0 ? s : s.substring(0, eq);
                    if (boolFlags.contains(name) && eq < 0) {
                        a.flags.add(name);
                    } else if (valued.contains(name)) {
                        String v;
                        if (eq >= 0) {
                            v = s.substring(eq + 1);
                        } else if (i + 1 < args.length) {
                            v = args[++i];
                        } else {
                            throw new UsageException(name + " needs a value");
                        }
                        if (v.isEmpty()) {
                            throw new UsageException(name + " needs a non-empty value");
                        }
                        List<String> list = a.values.computeIfAbsent(name, k -> new ArrayList<>());
                        if (!name.equals("--tag") && !list.isEmpty()) {
                            throw new UsageException(name + " given twice");
                        }
                        list.add(v);
                    } else {
                        throw new UsageException("unknown option '" + s + "'");
                    }
                }
            }
            return a;
        }

        List<String> positionals(int n) throws UsageException {
            if (positionals.size() < n) {
                throw new UsageException("missing model directory");
            }
            if (positionals.size() > n) {
                throw new UsageException("unexpected argument '" + positionals.get(n) + "'");
            }
            return positionals;
        }

        String[] tags() {
            List<String> t = values.get("--tag");
            return t == null ? new String[] {"serve"} : t.toArray(new String[0]);
        }

        LoadOptions loadOptions() {
            return flags.contains("--allow-untrusted") ? LoadOptions.allowUntrusted() : LoadOptions.defaults();
        }

        String value(String name, String dflt) {
            List<String> v = values.get(name);
            return v == null ? dflt : v.get(0);
        }

        String required(String name) throws UsageException {
            List<String> v = values.get(name);
            if (v == null) {
                throw new UsageException(name + " is required");
            }
            return v.get(0);
        }
    }
}
