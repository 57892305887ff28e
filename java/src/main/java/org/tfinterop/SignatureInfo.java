package org.tfinterop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.TensorShapeProto;

/**
 * One SignatureDef: its key, method name, and inputs and outputs by key (the names `inspect` shows),
 * each resolving to the graph tensor it stands for.
 */
public final class SignatureInfo {
    private final String key;
    private final String methodName;
    private final Map<String, TensorInfo> inputs;
    private final Map<String, TensorInfo> outputs;

    private SignatureInfo(String key, String methodName, Map<String, TensorInfo> inputs, Map<String, TensorInfo> outputs) {
        this.key = key;
        this.methodName = methodName;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    static final String DEFAULT_KEY = "serving_default";

    /**
     * The key a call by signature uses: wanted if given (it must exist), else serving_default, else the only
     * signature there is (__saved_model_init_op is not a model call); otherwise SignatureNotFoundException
     * listing them. The same rule as tfinterop/feeds.py's choose_signature.
     */
    static String choose(java.util.Set<String> keys, String wanted, List<String> tags) {
        List<String> have = SavedModelText.sortedKeys(keys);
        String where = "the MetaGraphDef with tag-set " + tags;
        if (wanted != null) {
            if (!have.contains(wanted)) {
                throw new SignatureNotFoundException(where + " has no signature '" + wanted + "'; its signatures: "
                        + (have.isEmpty() ? "(none)" : String.join(", ", have)), have);
            }
            return wanted;
        }
        List<String> calls = new ArrayList<>();
        for (String k : have) {
            if (!k.startsWith("__")) {
                calls.add(k);
            }
        }
        if (calls.contains(DEFAULT_KEY)) {
            return DEFAULT_KEY;
        }
        if (calls.size() == 1) {
            return calls.get(0);
        }
        throw new SignatureNotFoundException(where + " has " + calls.size() + " signatures and none is '" + DEFAULT_KEY
                + "'; name one: " + (calls.isEmpty() ? "(none)" : String.join(", ", calls)), have);
    }

    /**
     * The signature with this key from a MetaGraphDef's map; throws SignatureNotFoundException
     * listing the keys there are. Tags only name the MetaGraphDef in messages.
     */
    static SignatureInfo find(Map<String, SignatureDef> defs, String key, List<String> tags) {
        SignatureDef def = key == null ? null : defs.get(key);
        if (def == null) {
            List<String> have = SavedModelText.sortedKeys(defs.keySet());
            throw new SignatureNotFoundException("the MetaGraphDef with tag-set " + tags + " has no signature '" + key
                    + "'; its signatures: " + (have.isEmpty() ? "(none)" : String.join(", ", have)), have);
        }
        return new SignatureInfo(key, def.getMethodName(), describe(def.getInputsMap()), describe(def.getOutputsMap()));
    }

    private static Map<String, TensorInfo> describe(Map<String, org.tensorflow.framework.TensorInfo> protos) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (String k : SavedModelText.sortedKeys(protos.keySet())) {
            org.tensorflow.framework.TensorInfo t = protos.get(k);
            TensorShapeProto s = t.getTensorShape();
            long[] dims = null;
            if (!s.getUnknownRank()) {
                dims = new long[s.getDimCount()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = s.getDim(i).getSize();
                }
            }
            out.put(k, new TensorInfo(t.getName(), DTypes.ofCode(t.getDtypeValue()), dims));
        }
        return Collections.unmodifiableMap(out);
    }

    public String key() {
        return key;
    }

    public String methodName() {
        return methodName;
    }

    /** Inputs by key, sorted by key; each TensorInfo's name() is the graph tensor ("" for a composite tensor). */
    public Map<String, TensorInfo> inputs() {
        return inputs;
    }

    public Map<String, TensorInfo> outputs() {
        return outputs;
    }

    /** The tensor name behind an input key; null picks the only input, if there is exactly one. */
    public String inputName(String inputKey) {
        return resolve("input", inputs, inputKey);
    }

    /** The tensor name behind an output key; null picks the only output, if there is exactly one. */
    public String outputName(String outputKey) {
        return resolve("output", outputs, outputKey);
    }

    private String resolve(String role, Map<String, TensorInfo> tensors, String wanted) {
        List<String> have = new ArrayList<>(tensors.keySet());
        String listed = have.isEmpty() ? "(none)" : String.join(", ", have);
        String k = wanted;
        if (k == null) {
            if (have.size() != 1) {
                throw new SignatureKeyNotFoundException("signature '" + key + "' has " + have.size() + " " + role
                        + "s, so name one with its " + role + " key; its " + role + " keys: " + listed, have);
            }
            k = have.get(0);
        }
        TensorInfo t = tensors.get(k);
        if (t == null) {
            throw new SignatureKeyNotFoundException("signature '" + key + "' has no " + role + " '" + k + "'; its "
                    + role + " keys: " + listed, have);
        }
        if (t.name().isEmpty()) {
            throw new InvalidInputException("signature '" + key + "' " + role + " '" + k
                    + "' is a composite tensor (no single tensor name); only dense tensors are supported");
        }
        return t.name();
    }

    @Override
    public String toString() {
        return key + " (" + methodName + "): " + inputs + " -> " + outputs;
    }
}
