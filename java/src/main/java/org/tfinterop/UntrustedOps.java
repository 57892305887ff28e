package org.tfinterop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.framework.FunctionDef;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SavedModel;
import org.tensorflow.util.SaverDef;

/**
 * Finds ops that reach outside the computation (file reads and writes, readers, summary writers,
 * Python callbacks, remote calls, save/restore outside the model's own saver) in a MetaGraphDef,
 * without TensorFlow: this runs before SavedModelBundle.load, because loading already runs the
 * restore and init ops. The list is untrusted-ops.txt, shared with the Python side.
 */
public final class UntrustedOps {
    /** The category whose ops are allowed inside the model's own saver. */
    public static final String SAVER_CATEGORY = "save-restore";
    private static final String RESOURCE = "untrusted-ops.txt";
    private static volatile Map<String, Entry> list;

    private UntrustedOps() {
    }

    /** One line of the list. */
    public static final class Entry {
        public final String category;
        public final String op;
        public final String why;

        Entry(String category, String op, String why) {
            this.category = category;
            this.op = op;
            this.why = why;
        }
    }

    /** One flagged node. node is "function/node" for nodes inside a function of the graph's library. */
    public static final class Finding {
        public final String node;
        public final String op;
        public final String category;
        public final String why;

        Finding(String node, Entry e) {
            this.node = node;
            this.op = e.op;
            this.category = e.category;
            this.why = e.why;
        }

        @Override
        public String toString() {
            return "node '" + node + "' (" + op + ", " + category + "): " + why;
        }
    }

    /** The list, by op name. */
    public static Map<String, Entry> list() {
        Map<String, Entry> l = list;
        if (l == null) {
            l = read();
            list = l;
        }
        return l;
    }

    /**
     * Every flagged node of one MetaGraphDef of a SavedModel, in graph order, then the function
     * library's. Save/restore ops are allowed inside a saver of the SavedModel: the nodes the restore
     * op or save tensor of any MetaGraphDef's saver_def depends on (SavedModelBuilder leaves the first
     * MetaGraphDef's saver in the graphs of the later ones).
     */
    public static List<Finding> scan(SavedModel model, MetaGraphDef mg) {
        Map<String, Entry> ops = list();
        GraphDef g = mg.getGraphDef();
        List<SaverDef> savers = new ArrayList<>();
        for (MetaGraphDef m : model.getMetaGraphsList()) {
            savers.add(m.getSaverDef());
        }
        Set<String> saver = saverNodes(g, savers);
        List<Finding> found = new ArrayList<>();
        for (NodeDef n : g.getNodeList()) {
            Entry e = ops.get(n.getOp());
            if (e != null && !(e.category.equals(SAVER_CATEGORY) && saver.contains(n.getName()))) {
                found.add(new Finding(n.getName(), e));
            }
        }
        Map<String, FunctionDef> functions = new HashMap<>();
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
        Set<String> saverFunctions = saverFunctions(g, saver, functions);
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            boolean ofSaver = saverFunctions.contains(f.getSignature().getName());
            for (NodeDef n : f.getNodeDefList()) {
                Entry e = ops.get(n.getOp());
                if (e != null && !(e.category.equals(SAVER_CATEGORY) && ofSaver)) {
                    found.add(new Finding(f.getSignature().getName() + "/" + n.getName(), e));
                }
            }
        }
        return found;
    }

    /** Throws UntrustedModelException naming every flagged node, unless there are none. */
    static void refuseIfUntrusted(java.nio.file.Path dir, List<String> tags, SavedModel model, MetaGraphDef mg) {
        List<Finding> found = scan(model, mg);
        if (found.isEmpty()) {
            return;
        }
        StringBuilder msg = new StringBuilder("refusing to load " + dir + " " + tags + ": its graph has "
                + found.size() + " op(s) that reach outside the computation, and loading runs the graph's "
                + "init and restore ops; pass LoadOptions.allowUntrusted() (CLI: --allow-untrusted) if you "
                + "trust where it came from.");
        int shown = 0;
        for (Finding f : found) {
            if (shown++ == 10) {
                msg.append(" ... and ").append(found.size() - 10).append(" more");
                break;
            }
            msg.append(" ").append(f).append(";");
        }
        throw new UntrustedModelException(msg.toString(), found);
    }

    /** The nodes the saver's restore op and save tensor depend on (data and control inputs). */
    static Set<String> saverNodes(GraphDef g, List<SaverDef> savers) {
        Map<String, NodeDef> byName = new HashMap<>();
        for (NodeDef n : g.getNodeList()) {
            byName.put(n.getName(), n);
        }
        Deque<String> todo = new ArrayDeque<>();
        for (SaverDef s : savers) {
            for (String root : new String[] {s.getRestoreOpName(), s.getSaveTensorName()}) {
                if (!root.isEmpty()) {
                    todo.add(nodeOf(root));
                }
            }
        }
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.poll();
            NodeDef n = byName.get(name);
            if (n == null || !seen.add(name)) {
                continue;
            }
            for (String in : n.getInputList()) {
                todo.add(nodeOf(in));
            }
        }
        return seen;
    }

    /**
     * The functions the saver's nodes call, transitively: a TF2 SavedModel's saver saves and restores in
     * __inference__traced_save_* / __inference__traced_restore_*, called from its saver_def's nodes.
     */
    static Set<String> saverFunctions(GraphDef g, Set<String> saver, Map<String, FunctionDef> functions) {
        Deque<String> todo = new ArrayDeque<>();
        for (NodeDef n : g.getNodeList()) {
            if (saver.contains(n.getName())) {
                todo.addAll(calledFunctions(n));
            }
        }
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.poll();
            FunctionDef f = functions.get(name);
            if (f == null || !seen.add(name)) {
                continue;
            }
            for (NodeDef n : f.getNodeDefList()) {
                todo.addAll(calledFunctions(n));
            }
        }
        return seen;
    }

    private static List<String> calledFunctions(NodeDef n) {
        List<String> names = new ArrayList<>();
        for (org.tensorflow.framework.AttrValue a : n.getAttrMap().values()) {
            if (a.getValueCase() == org.tensorflow.framework.AttrValue.ValueCase.FUNC) {
                names.add(a.getFunc().getName());
            }
            for (org.tensorflow.framework.NameAttrList f : a.getList().getFuncList()) {
                names.add(f.getName());
            }
        }
        return names;
    }

    /** "^ctrl" / "node:1" / "node" -> "node". */
    static String nodeOf(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    private static Map<String, Entry> read() {
        InputStream in = UntrustedOps.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException("resource " + RESOURCE + " is missing from the Java library's jar");
        }
        Map<String, Entry> m = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\|", 3);
                if (f.length != 3) {
                    throw new IllegalStateException(RESOURCE + ": malformed line: " + line);
                }
                m.put(f[1].trim(), new Entry(f[0].trim(), f[1].trim(), f[2].trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(m);
    }
}
