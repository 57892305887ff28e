package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.Test;
import org.tensorflow.TensorFlow;
import org.tensorflow.framework.OpDef;
import org.tensorflow.framework.OpList;

/** The op-registry dump is what this runtime reports about itself, and its probes measure real limits. */
public class RuntimeRegistryTest {
    @Test
    public void dumpHoldsTheRegisteredOpsVersionsAndDataTypes() throws Exception {
        JsonObject doc = JsonParser.parseString(RuntimeRegistry.dumpJson()).getAsJsonObject();
        assertEquals(TensorFlow.version(), doc.get("tensorflow_version").getAsString());
        OpList ops = OpList.parseFrom(Base64.getDecoder().decode(doc.get("op_list").getAsString()));
        Set<String> names = new HashSet<>();
        for (OpDef op : ops.getOpList()) {
            names.add(op.getName());
        }
        assertEquals(OpList.parseFrom(TensorFlow.registeredOpList()).getOpCount(), ops.getOpCount());
        assertTrue(names.contains("MatMul") && names.contains("VariableV2"));
        JsonObject versions = doc.getAsJsonObject("graph_def_versions");
        int consumer = versions.get("consumer").getAsInt();
        int minProducer = versions.get("min_producer").getAsInt();
        // The probes' answers hold: the limits are accepted, one step beyond is refused.
        assertTrue(RuntimeRegistry.accepts(versioned(minProducer, consumer)));
        assertFalse(RuntimeRegistry.accepts(versioned(minProducer, consumer + 1)));
        assertFalse(RuntimeRegistry.accepts(versioned(minProducer - 1, 0)));
        assertTrue(doc.getAsJsonArray("data_types").size() > 10);
    }

    private static org.tensorflow.framework.GraphDef versioned(int producer, int minConsumer) {
        return org.tensorflow.framework.GraphDef.newBuilder().setVersions(
                org.tensorflow.framework.VersionDef.newBuilder().setProducer(producer).setMinConsumer(minConsumer))
                .build();
    }
}
