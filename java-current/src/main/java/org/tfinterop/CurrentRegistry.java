package org.tfinterop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.VersionDef;

/**
 * What the current TF Java (tensorflow-core-api 1.x) accepts, in the same JSON as the 1.x module's
 * {@code tfinterop-java op-registry} (read by {@code tfinterop targets --regenerate}): its registered ops
 * ({@code TensorFlow.registeredOpList()}), the GraphDef versions it writes and imports, and the data types a
 * {@code Placeholder} of which it imports. Usage: {@code CurrentRegistry --out FILE}; the file is written beside
 * its place and renamed into it.
 */
public final class CurrentRegistry {
    private static final int MAX_DATA_TYPE = 99;

    private CurrentRegistry() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !"--out".equals(args[0])) {
            System.err.println("error: usage: CurrentRegistry --out FILE");
            System.exit(2);
        }
        Path out = Paths.get(args[1]).toAbsolutePath();
        Path partial = Files.createTempFile(out.getParent(), "." + out.getFileName(), ".partial");
        Files.write(partial, dumpJson().getBytes(StandardCharsets.UTF_8));
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + out);
    }

    static String dumpJson() {
        byte[] ops = TensorFlow.registeredOpList().toByteArray();
        VersionDef written;
        try (Graph g = new Graph()) {
            written = g.toGraphDef().getVersions();
        }
        int producer = written.getProducer();
        List<Integer> types = new ArrayList<>();
        for (int t = 1; t <= MAX_DATA_TYPE; t++) {
            NodeDef node = NodeDef.newBuilder().setName("probe").setOp("Placeholder")
                    .putAttr("dtype", AttrValue.newBuilder().setTypeValue(t).build()).build();
            if (imports(GraphDef.newBuilder().addNode(node).build())) {
                types.add(t);
            }
        }
        // The oldest producer it imports: the largest rejected one below what it writes, plus one.
        int lo = -1_000_000, hi = producer;
        if (imports(versions(lo, 0))) {
            hi = lo;
        }
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (imports(versions(mid, 0))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        int minProducer = hi;
        // The largest min_consumer it imports: between 0 (accepted) and a million (rejected, checked).
        int accepted = 0, rejected = 1_000_000;
        if (imports(versions(producer, rejected))) {
            accepted = rejected;
        }
        while (rejected - accepted > 1) {
            int mid = accepted + (rejected - accepted) / 2;
            if (imports(versions(producer, mid))) {
                accepted = mid;
            } else {
                rejected = mid;
            }
        }
        return "{\n  \"tensorflow_version\": \"" + TensorFlow.version() + "\",\n"
                + "  \"graph_def_versions\": {\"producer\": " + producer + ", \"min_consumer\": "
                + written.getMinConsumer() + ", \"min_producer\": " + minProducer + ", \"consumer\": " + accepted
                + "},\n  \"data_types\": " + types + ",\n  \"op_list\": \""
                + Base64.getEncoder().encodeToString(ops) + "\"\n}\n";
    }

    private static GraphDef versions(int producer, int minConsumer) {
        return GraphDef.newBuilder()
                .setVersions(VersionDef.newBuilder().setProducer(producer).setMinConsumer(minConsumer)).build();
    }

    private static boolean imports(GraphDef graphDef) {
        try (Graph g = new Graph()) {
            g.importGraphDef(graphDef);
            return true;
        } catch (RuntimeException e) {       // TensorFlow's refusal (IllegalArgumentException, TFInvalidArgument...)
            return false;
        }
    }
}
