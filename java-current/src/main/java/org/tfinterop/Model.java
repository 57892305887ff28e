package org.tfinterop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * A loaded SavedModel, through the current TF Java (1.x of the new API, TensorFlow 2.x). The same
 * methods as :java's Model that the Python JavaTF adapter calls; the rest of that class (tensor
 * descriptions, suggestions for misspelt names) is not repeated here.
 */
public final class Model implements LoadedModel {
    private final Path dir;
    private final SavedModelBundle bundle;
    private boolean closed;

    private Model(Path dir, SavedModelBundle bundle) {
        this.dir = dir;
        this.bundle = bundle;
    }

    public static Model load(Path dir, String... tags) {
        if (tags.length == 0) {
            throw new IllegalArgumentException("at least one tag is required");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelNotFoundException("model directory " + dir + " does not exist or is not a directory");
        }
        try {
            return new Model(dir, SavedModelBundle.load(dir.toString(), tags));
        } catch (RuntimeException e) {
            throw new ModelLoadException("TensorFlow " + tensorflowVersion() + " could not load " + dir
                    + " with tags " + Arrays.asList(tags) + ": " + e.getMessage(), e.getMessage(), e);
        }
    }

    /** Version of the native TensorFlow runtime, e.g. "2.18.0". */
    public static String tensorflowVersion() {
        return TensorFlow.version();
    }

    public synchronized List<OperationInfo> operations() {
        ensureOpen();
        List<OperationInfo> ops = new ArrayList<>();
        for (Iterator<GraphOperation> it = bundle.graph().operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            List<TensorInfo> outs = new ArrayList<>();
            for (int i = 0; i < op.numOutputs(); i++) {
                outs.add(new TensorInfo(op.name() + ":" + i, op.output(i).dataType().name(), null));
            }
            ops.add(new OperationInfo(op.name(), op.type(), outs));
        }
        return ops;
    }

    /** Feeds float32 data (C order, from its position) with the given shape and fetches one float32 output. */
    public synchronized Prediction run(String inputName, FloatBuffer data, long[] shape, String outputName) {
        ensureOpen();
        TensorName in = TensorName.parse(inputName);
        TensorName out = TensorName.parse(outputName);
        for (TensorName t : new TensorName[] {in, out}) {
            GraphOperation op = bundle.graph().operation(t.op());
            if (op == null || t.index() >= op.numOutputs()) {
                throw new UnknownTensorException("no tensor '" + t.op() + ":" + t.index() + "' in the graph",
                        new ArrayList<String>());
            }
        }
        long n = Shapes.elements(shape);
        if (n != data.remaining()) {
            throw new InvalidInputException("input '" + inputName + "': shape " + Arrays.toString(shape) + " needs "
                    + n + " floats, got " + data.remaining());
        }
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape.clone()), DataBuffers.of(data.duplicate()));
             Result result = bundle.session().runner().feed(in.op(), in.index(), t).fetch(out.op(), out.index()).run()) {
            Tensor fetched = result.get(0);
            if (fetched.dataType() != DataType.DT_FLOAT) {
                throw new UnsupportedDataTypeException("output '" + outputName + "' produced " + fetched.dataType()
                        + "; only float32 outputs are supported");
            }
            // The Result owns its tensors; copy the values out before it closes them.
            long[] outShape = fetched.shape().asArray();
            float[] values = new float[(int) Shapes.elements(outShape)];
            ((TFloat32) fetched).copyTo(DataBuffers.of(values, false, false));
            return new CopiedPrediction(outShape, values);
        } catch (TfInteropException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RunFailedException("TensorFlow " + tensorflowVersion() + " failed running " + dir
                    + " (" + inputName + " -> " + outputName + "): " + e.getMessage(), e.getMessage(), e);
        }
    }

    /**
     * The signature-first call, as :java's Model has it. Inputs cross as raw bytes (TensorData: the caller's
     * memory, C order, native byte order; a bool is one byte, as in TensorFlow's own tensors), so every dtype
     * takes one path. The keys, dtypes and ranks are checked against the SignatureDef here; the Python adapter
     * (runtimes/java_tf.py) has checked shapes and values before.
     */
    @Override
    public synchronized Map<String, TensorData> runSignature(String key, Map<String, TensorData> inputs,
                                                             List<String> outputKeys) {
        ensureOpen();
        Map<String, SignatureDef> defs = bundle.metaGraphDef().getSignatureDefMap();
        List<String> have = new ArrayList<>(new java.util.TreeSet<>(defs.keySet()));
        String chosen = key != null ? key : defs.containsKey("serving_default") || have.size() != 1 ? "serving_default" : have.get(0);
        SignatureDef s = defs.get(chosen);
        if (s == null) {
            throw new SignatureNotFoundException("no signature '" + chosen + "'; the signatures: " + have, have);
        }
        if (!new java.util.TreeSet<>(s.getInputsMap().keySet()).equals(new java.util.TreeSet<>(inputs.keySet()))) {
            throw new InvalidInputException("signature '" + chosen + "' takes the inputs "
                    + new java.util.TreeSet<>(s.getInputsMap().keySet()) + "; got " + new java.util.TreeSet<>(inputs.keySet()));
        }
        List<String> fetchKeys = outputKeys != null ? outputKeys : new ArrayList<>(new java.util.TreeSet<>(s.getOutputsMap().keySet()));
        for (String k : fetchKeys) {
            if (!s.getOutputsMap().containsKey(k)) {
                throw new SignatureKeyNotFoundException("signature '" + chosen + "' has no output '" + k + "'; its output keys: "
                        + new java.util.TreeSet<>(s.getOutputsMap().keySet()), new ArrayList<>(s.getOutputsMap().keySet()));
            }
        }
        List<Tensor> fed = new ArrayList<>();
        try {
            Session.Runner runner = bundle.session().runner();
            for (Map.Entry<String, TensorData> e : new TreeMap<>(inputs).entrySet()) {
                org.tensorflow.proto.TensorInfo want = s.getInputsMap().get(e.getKey());
                TensorData x = e.getValue();
                if (!dtypeName(want.getDtype()).equals(x.dtype())) {
                    throw new InvalidInputException("input '" + e.getKey() + "' expects " + dtypeName(want.getDtype())
                            + "; got " + x);
                }
                Tensor t = Tensor.of(tensorType(x.dtype()), Shape.of(x.shape()), DataBuffers.of(x.data()));
                fed.add(t);
                TensorName in = TensorName.parse(want.getName());
                runner.feed(in.op(), in.index(), t);
            }
            for (String k : fetchKeys) {
                TensorName out = TensorName.parse(s.getOutputsMap().get(k).getName());
                runner.fetch(out.op(), out.index());
            }
            Map<String, TensorData> out = new TreeMap<>();
            try (Result result = runner.run()) {
                for (int i = 0; i < fetchKeys.size(); i++) {
                    Tensor t = result.get(i);
                    String dtype = dtypeName(t.dataType());
                    ByteBuffer bytes = ByteBuffer.allocateDirect((int) t.numBytes()).order(ByteOrder.nativeOrder());
                    t.asRawTensor().data().copyTo(DataBuffers.of(bytes), t.numBytes());
                    out.put(fetchKeys.get(i), TensorData.of(dtype, t.shape().asArray(), bytes));
                }
            } catch (TfInteropException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new RunFailedException("TensorFlow " + tensorflowVersion() + " failed running signature '" + chosen
                        + "' of " + dir + ": " + e.getMessage(), e.getMessage(), e);
            }
            return out;
        } finally {
            for (Tensor t : fed) {
                t.close();
            }
        }
    }

    private static Class<? extends TType> tensorType(String dtype) {
        switch (dtype) {
            case "float32": return TFloat32.class;
            case "float64": return TFloat64.class;
            case "int32": return TInt32.class;
            case "int64": return TInt64.class;
            case "uint8": return TUint8.class;
            case "bool": return TBool.class;
            default: throw new UnsupportedDataTypeException("dtype '" + dtype + "' cannot be fed by signature");
        }
    }

    /** numpy's name for a DataType, as TensorData speaks it. */
    private static String dtypeName(DataType t) {
        switch (t) {
            case DT_FLOAT: return "float32";
            case DT_DOUBLE: return "float64";
            case DT_INT32: return "int32";
            case DT_INT64: return "int64";
            case DT_UINT8: return "uint8";
            case DT_BOOL: return "bool";
            // TString needs its own NdArray path; this module's facade has not got one (TF Java 1.x's has: :java).
            default: throw new UnsupportedDataTypeException("tfinterop's module for the current TF Java (java-current) "
                    + "cannot feed or fetch " + t + " by signature; it has: bool, float32, float64, int32, int64, uint8");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            bundle.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("model " + dir + " is closed");
        }
    }
}
