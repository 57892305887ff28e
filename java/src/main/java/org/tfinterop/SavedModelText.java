package org.tfinterop;

import com.google.protobuf.Any;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.tensorflow.framework.AssetFileDef;
import org.tensorflow.framework.CollectionDef;
import org.tensorflow.framework.DataType;
import org.tensorflow.framework.FunctionDef;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.TensorInfo;
import org.tensorflow.framework.TensorShapeProto;

/**
 * The text of `inspect`: what `saved_model_cli show --dir DIR --all` prints, plus the asset files,
 * identical to Python's tfinterop.inspect_model.describe (whose docstring says what is matched and
 * what deliberately is not). Reads saved_model.pb with the protobuf classes only: no TensorFlow runtime.
 */
public final class SavedModelText {
    static final String ASSETS_COLLECTION = "saved_model_assets";
    static final String ASSET_FILE_DEF_TYPE_URL = "type.googleapis.com/tensorflow.AssetFileDef";
    /**
     * MetaGraphDef.object_graph_def (a TF2 object graph), added to the format after TF 1.8: these proto
     * classes do not know it, and protobuf-java 3.3 drops unknown proto3 fields, so it is found by
     * scanning the wire format.
     */
    static final int OBJECT_GRAPH_DEF_FIELD = 7;
    private static final int META_GRAPHS_FIELD = 2;
    static final String CONCRETE_FUNCTIONS_NOTE = "\nConcrete Functions: not listed (a TF2 object graph is present;"
            + " listing its functions needs Python TensorFlow: saved_model_cli show --all)";

    /**
     * DataType names added to types.proto after TF 1.8 (its proto classes cannot name them); the
     * _REF variant of each is the value + 100. A pytest test compares every name with TF 2.21's enum.
     */
    private static final String[] NEWER_DTYPES = {
        "DT_FLOAT8_E5M2", "DT_FLOAT8_E4M3FN", "DT_FLOAT8_E4M3FNUZ", "DT_FLOAT8_E4M3B11FNUZ",
        "DT_FLOAT8_E5M2FNUZ", "DT_INT4", "DT_UINT4", "DT_INT2", "DT_UINT2", "DT_FLOAT4_E2M1FN",
    };
    private static final int FIRST_NEWER_DTYPE = 24;

    /** Python's ordering of str: by code point (String.compareTo orders UTF-16 units). */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] != y[i]) {
                return Integer.compare(x[i], y[i]);
            }
        }
        return Integer.compare(x.length, y.length);
    };

    private static final Comparator<List<String>> TAG_LIST_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = CODE_POINT_ORDER.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private SavedModelText() {
    }

    /** The whole text for dir, ending with a newline; throws ModelNotFoundException or NotASavedModelException. */
    public static String describe(Path dir) throws IOException {
        SavedModelInfo info = SavedModelInfo.read(dir);
        List<MetaGraphDef> metaGraphs = new ArrayList<>(info.proto().getMetaGraphsList());
        // A stable sort by tag list, as Python's sorted() is.
        metaGraphs.sort((a, b) -> TAG_LIST_ORDER.compare(a.getMetaInfoDef().getTagsList(), b.getMetaInfoDef().getTagsList()));
        List<String> lines = new ArrayList<>();
        boolean objectGraph = hasObjectGraph(Files.readAllBytes(dir.resolve("saved_model.pb")));
        for (MetaGraphDef mg : metaGraphs) {
            List<String> tags = mg.getMetaInfoDef().getTagsList();
            lines.add("");
            lines.add("MetaGraphDef with tag-set: '" + String.join(", ", tags) + "' contains the following SignatureDefs:");
            Map<String, SignatureDef> sigs = mg.getSignatureDefMap();
            for (String key : sorted(sigs.keySet())) {
                SignatureDef sig = sigs.get(key);
                lines.add("");
                lines.add("signature_def['" + key + "']:");
                lines.add("  The given SavedModel SignatureDef contains the following input(s):");
                for (String in : sorted(sig.getInputsMap().keySet())) {
                    lines.add("    inputs['" + in + "'] tensor_info:");
                    tensorInfo(sig.getInputsMap().get(in), lines);
                }
                lines.add("  The given SavedModel SignatureDef contains the following output(s):");
                for (String out : sorted(sig.getOutputsMap().keySet())) {
                    lines.add("    outputs['" + out + "'] tensor_info:");
                    tensorInfo(sig.getOutputsMap().get(out), lines);
                }
                lines.add("  Method name is: " + sig.getMethodName());
            }
            List<String> ops = sorted(opsUsed(mg.getGraphDef()));
            String opSet = ops.isEmpty() ? "set()"
                    : "{" + ops.stream().map(SavedModelText::pyRepr).collect(Collectors.joining(", ")) + "}";
            lines.add("The MetaGraph with tag set " + pyReprList(tags) + " contains the following ops: " + opSet);
        }
        if (objectGraph) {
            lines.add(CONCRETE_FUNCTIONS_NOTE);
        }
        lines.add("\nAsset files:");
        for (MetaGraphDef mg : metaGraphs) {
            List<String[]> declared = declaredAssets(mg);
            lines.add("  MetaGraphDef with tag-set: '" + String.join(", ", mg.getMetaInfoDef().getTagsList())
                    + "' declares " + declared.size() + " asset file(s)" + (declared.isEmpty() ? "" : ":"));
            for (String[] a : declared) {
                lines.add("    " + a[0] + " (tensor " + a[1] + "; " + a[2] + ")");
            }
        }
        for (String folder : new String[] {"assets", "assets.extra"}) {
            lines.add(folderListing(dir, folder));
        }
        return String.join("\n", lines) + "\n";
    }

    /** True if any MetaGraphDef in these SavedModel bytes has an object_graph_def field. */
    static boolean hasObjectGraph(byte[] savedModel) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(savedModel);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == META_GRAPHS_FIELD
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                CodedInputStream mg = CodedInputStream.newInstance(in.readByteArray());
                for (int t = mg.readTag(); t != 0; t = mg.readTag()) {
                    if (WireFormat.getTagFieldNumber(t) == OBJECT_GRAPH_DEF_FIELD) {
                        return true;
                    }
                    mg.skipField(t);
                }
            } else {
                in.skipField(tag);
            }
        }
        return false;
    }

    /** "DT_FLOAT", ...; the names of types.proto, including those added after TF 1.8. */
    static String dtypeName(int value) {
        DataType known = DataType.forNumber(value);
        if (known != null) {
            return known.name();
        }
        int base = value > 100 ? value - 100 : value;
        int i = base - FIRST_NEWER_DTYPE;
        if (i >= 0 && i < NEWER_DTYPES.length) {
            return NEWER_DTYPES[i] + (value > 100 ? "_REF" : "");
        }
        return "<unknown DataType " + value + ">";
    }

    private static void tensorInfo(TensorInfo t, List<String> lines) {
        TensorShapeProto s = t.getTensorShape();
        String shape;
        if (s.getUnknownRank()) {
            shape = "unknown_rank";
        } else {
            shape = "(" + s.getDimList().stream().map(d -> Long.toString(d.getSize()))
                    .collect(Collectors.joining(", ")) + ")";
        }
        lines.add("        dtype: " + dtypeName(t.getDtypeValue()));
        lines.add("        shape: " + shape);
        lines.add("        name: " + t.getName());
    }

    /**
     * The op types a graph uses: its nodes' ops and, following calls, its library functions' ops
     * (function names themselves excluded), as saved_model_cli computes them.
     */
    static Set<String> opsUsed(GraphDef graph) {
        Map<String, FunctionDef> functions = new HashMap<>();
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
        Set<String> used = new HashSet<>();
        Deque<FunctionDef> pending = new ArrayDeque<>();
        for (NodeDef n : graph.getNodeList()) {
            visit(n, functions, used, pending);
        }
        while (!pending.isEmpty()) {
            for (NodeDef n : pending.pop().getNodeDefList()) {
                visit(n, functions, used, pending);
            }
        }
        used.removeAll(functions.keySet());
        return used;
    }

    private static void visit(NodeDef n, Map<String, FunctionDef> functions, Set<String> used, Deque<FunctionDef> pending) {
        mark(n.getOp(), functions, used, pending);
        if (n.getOp().equals("PartitionedCall") || n.getOp().equals("StatefulPartitionedCall")) {
            mark(n.getAttrOrDefault("f", org.tensorflow.framework.AttrValue.getDefaultInstance()).getFunc().getName(),
                    functions, used, pending);
        }
    }

    private static void mark(String op, Map<String, FunctionDef> functions, Set<String> used, Deque<FunctionDef> pending) {
        if (!used.contains(op) && functions.containsKey(op)) {
            pending.push(functions.get(op));
        }
        used.add(op);
    }

    /** Each declared asset as {filename, tensor name, where it is declared}, in file order. */
    private static List<String[]> declaredAssets(MetaGraphDef mg) throws IOException {
        List<String[]> found = new ArrayList<>();
        for (AssetFileDef a : mg.getAssetFileDefList()) {
            found.add(new String[] {a.getFilename(), a.getTensorInfo().getName(), "asset_file_def"});
        }
        CollectionDef assets = mg.getCollectionDefMap().get(ASSETS_COLLECTION);
        if (assets != null) {
            for (Any any : assets.getAnyList().getValueList()) {
                if (!any.getTypeUrl().equals(ASSET_FILE_DEF_TYPE_URL)) {
                    continue;
                }
                AssetFileDef a;
                try {
                    a = AssetFileDef.parseFrom(any.getValue());
                } catch (InvalidProtocolBufferException e) {
                    throw new NotASavedModelException("an entry of the " + ASSETS_COLLECTION
                            + " collection is not an AssetFileDef: " + e.getMessage(), e);
                }
                found.add(new String[] {a.getFilename(), a.getTensorInfo().getName(), ASSETS_COLLECTION + " collection"});
            }
        }
        return found;
    }

    private static String folderListing(Path dir, String folder) throws IOException {
        Path root = dir.resolve(folder);
        if (!Files.isDirectory(root)) {
            return "  " + folder + "/: no such folder";
        }
        List<String> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
                    .collect(Collectors.toList());
        }
        if (files.isEmpty()) {
            return "  " + folder + "/: empty";
        }
        files.sort(CODE_POINT_ORDER);
        List<String> parts = new ArrayList<>();
        for (String f : files) {
            parts.add(f + " (" + Files.size(root.resolve(f)) + " bytes)");
        }
        return "  " + folder + "/: " + String.join(", ", parts);
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> l = new ArrayList<>(keys);
        l.sort(CODE_POINT_ORDER);
        return l;
    }

    static String pyReprList(List<String> items) {
        return "[" + items.stream().map(SavedModelText::pyRepr).collect(Collectors.joining(", ")) + "]";
    }

    /** Python's repr() of a str: quotes chosen as Python does, its escapes for unprintable characters. */
    static String pyRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else if (c < 0x7f || printable(c)) {
                sb.appendCodePoint(c);
            } else if (c <= 0xff) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else if (c <= 0xffff) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                sb.append(String.format(Locale.ROOT, "\\U%08x", c));
            }
        });
        return sb.append(quote).toString();
    }

    /** Python's str.isprintable() for one non-ASCII code point: not Other (C*) nor Separator (Z*). */
    private static boolean printable(int c) {
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    static List<String> sortedKeys(Set<String> keys) {
        return Collections.unmodifiableList(sorted(keys));
    }
}
