package org.tfinterop;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.TensorFlow;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.VersionDef;

/**
 * What this TensorFlow runtime accepts, in its own words: the registered ops
 * ({@code TensorFlow.registeredOpList()}, an OpList protobuf), the GraphDef versions it writes and
 * accepts, and the data types it knows. Versions and data types are not exposed by the API, so they are
 * measured by importing small GraphDefs into this runtime: what it accepts is what its loader accepts.
 * Read by {@code tfinterop targets --regenerate}, which renders it into python/tfinterop/compat/op_registries/.
 */
public final class RuntimeRegistry {
    /** DataType enum numbers to probe; 1..99 are the value types, 100+ their reference forms. */
    static final int MAX_DATA_TYPE = 99;

    private RuntimeRegistry() {
    }

    /** The dump as JSON: {"tensorflow_version", "op_list" (base64 OpList), "graph_def_versions", "data_types"}. */
    public static String dumpJson() {
        byte[] ops = TensorFlow.registeredOpList();
        VersionDef written;
        try (Graph g = new Graph()) {
            written = GraphDef.parseFrom(g.toGraphDef()).getVersions();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("the runtime wrote a GraphDef its own proto classes cannot read", e);
        }
        int minProducer = smallestAcceptedProducer(written.getProducer());
        int maxMinConsumer = largestAcceptedMinConsumer(written.getProducer());
        List<Integer> types = new ArrayList<>();
        for (int t = 1; t <= MAX_DATA_TYPE; t++) {
            if (accepts(placeholderOf(t))) {
                types.add(t);
            }
        }
        StringBuilder s = new StringBuilder();
        s.append("{\n  \"tensorflow_version\": \"").append(TensorFlow.version()).append("\",\n");
        s.append("  \"graph_def_versions\": {\"producer\": ").append(written.getProducer())
                .append(", \"min_consumer\": ").append(written.getMinConsumer())
                .append(", \"min_producer\": ").append(minProducer)
                .append(", \"consumer\": ").append(maxMinConsumer).append("},\n");
        s.append("  \"data_types\": ").append(types.toString()).append(",\n");
        s.append("  \"op_list\": \"").append(Base64.getEncoder().encodeToString(ops)).append("\"\n}\n");
        return s.toString();
    }

    private static GraphDef versioned(int producer, int minConsumer) {
        return GraphDef.newBuilder()
                .setVersions(VersionDef.newBuilder().setProducer(producer).setMinConsumer(minConsumer)).build();
    }

    private static GraphDef placeholderOf(int dataType) {
        NodeDef node = NodeDef.newBuilder().setName("probe").setOp("Placeholder")
                .putAttr("dtype", AttrValue.newBuilder().setTypeValue(dataType).build()).build();
        return GraphDef.newBuilder().addNode(node).build();
    }

    static boolean accepts(GraphDef graphDef) {
        try (Graph g = new Graph()) {
            g.importGraphDef(graphDef.toByteArray());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A GraphDef's producer must be at least the runtime's minimum producer: search below what it writes. */
    private static int smallestAcceptedProducer(int producer) {
        int lo = -1_000_000;   // rejected, presumably; checked below
        int hi = producer;     // accepted: the runtime reads what it writes
        if (accepts(versioned(lo, 0))) {
            return lo;
        }
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (accepts(versioned(mid, 0))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** A GraphDef's min_consumer must be at most the runtime's consumer version: search above 0. */
    private static int largestAcceptedMinConsumer(int producer) {
        int lo = 0;            // accepted
        int hi = 1_000_000;    // rejected, presumably
        if (accepts(versioned(producer, hi))) {
            return hi;
        }
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (accepts(versioned(producer, mid))) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
