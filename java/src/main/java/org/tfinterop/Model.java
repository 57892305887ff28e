package org.tfinterop;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.DataType;
import org.tensorflow.Graph;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Shape;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.MetaGraphDef;

/** A loaded SavedModel. Runs may overlap; close() waits for them, since freeing a session mid-run crashes. */
public final class Model implements LoadedModel {
    /** The range of each integer dtype a signature call takes: {min, max}. */
    private static final Map<String, long[]> INTEGER_RANGES = new java.util.HashMap<>();

    static {
        INTEGER_RANGES.put("int32", new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE});
        INTEGER_RANGES.put("int64", new long[] {Long.MIN_VALUE, Long.MAX_VALUE});
        INTEGER_RANGES.put("uint8", new long[] {0, 255});
    }

    private final Path dir;
    private final List<String> tags;
    private final SavedModelBundle bundle;
    private final Map<String, SignatureDef> signatureDefs;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private Model(Path dir, List<String> tags, SavedModelBundle bundle, Map<String, SignatureDef> signatureDefs) {
        this.dir = dir;
        this.tags = tags;
        this.bundle = bundle;
        this.signatureDefs = signatureDefs;
    }

    /**
     * Loads dir with the given tag-set. Checks, in order: the directory, saved_model.pb, the tag-set
     * (so a missing one is reported with those present), then lets TensorFlow load it.
     */
    public static Model load(Path dir, String... tags) {
        return load(dir, LoadOptions.defaults(), tags);
    }

    /**
     * As {@link #load(Path, String...)}; unless options allow untrusted models, refuses (before
     * TensorFlow runs anything) a graph with ops that reach outside the computation ({@link UntrustedOps}).
     */
    public static Model load(Path dir, LoadOptions options, String... tags) {
        if (tags.length == 0) {
            throw new IllegalArgumentException("at least one tag is required");
        }
        SavedModelInfo info = SavedModelInfo.read(dir);
        MetaGraphDef metaGraph = info.metaGraph(tags);
        if (!options.untrustedAllowed()) {
            UntrustedOps.refuseIfUntrusted(dir, Arrays.asList(tags), info.proto(), metaGraph);
        }
        info.checkVariables(metaGraph);
        Map<String, SignatureDef> signatureDefs = metaGraph.getSignatureDefMap();
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.load(dir.toString(), tags);
            LiveResources.bundleOpened();
        } catch (RuntimeException e) {
            // TF Java maps TF status codes to several types (INVALID_ARGUMENT -> IllegalArgumentException,
            // FAILED_PRECONDITION -> IllegalStateException, ...), not only TensorFlowException.
            throw new ModelLoadException("TensorFlow " + tensorflowVersion() + " could not load " + dir
                    + " with tags " + Arrays.asList(tags) + ": " + e.getMessage(), e.getMessage(), e);
        }
        return new Model(dir, Collections.unmodifiableList(Arrays.asList(tags.clone())), bundle, signatureDefs);
    }

    /** Version of the native TensorFlow runtime, e.g. "1.8.0". */
    public static String tensorflowVersion() {
        return TensorFlow.version();
    }

    public Path dir() {
        return dir;
    }

    public List<String> tags() {
        return tags;
    }

    /** Every operation of the graph, in the runtime's iteration order. */
    public List<OperationInfo> operations() {
        lock.readLock().lock();
        try {
            ensureOpen();
            List<OperationInfo> ops = new ArrayList<>();
            for (Iterator<Operation> it = bundle.graph().operations(); it.hasNext(); ) {
                Operation op = it.next();
                List<TensorInfo> outs = new ArrayList<>();
                for (int i = 0; i < op.numOutputs(); i++) {
                    outs.add(describe(op.output(i)));
                }
                ops.add(new OperationInfo(op.name(), op.type(), outs));
            }
            return ops;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Describes one tensor, "op" or "op:index"; throws UnknownTensorException. */
    public TensorInfo tensor(String name) {
        lock.readLock().lock();
        try {
            ensureOpen();
            return describe(lookup(name, TensorName.parse(name)));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Feeds data (C order, from its position; the caller's buffer position is left unchanged) with the
     * given shape and fetches one float32 output. Everything is validated before TensorFlow sees it.
     */
    public Prediction run(String inputName, FloatBuffer data, long[] shape, String outputName) {
        lock.readLock().lock();
        try {
            ensureOpen();
            TensorName in = TensorName.parse(inputName);
            TensorName out = TensorName.parse(outputName);
            TensorInfo feed = describe(lookup(inputName, in));
            validateFeed(inputName, feed.dtype(), feed.shape(), shape, data.remaining());
            TensorInfo fetch = describe(lookup(outputName, out));
            if (!DTypes.FLOAT32.equals(fetch.dtype())) {
                throw new UnsupportedDataTypeException("output '" + outputName + "' is " + fetch
                        + "; only float32 outputs are supported");
            }
            Tensor<?> result;
            Tensor<Float> t = Tensor.create(shape.clone(), data.duplicate());
            LiveResources.tensorOpened();
            try {
                result = bundle.session().runner()
                        .feed(in.op(), in.index(), t).fetch(out.op(), out.index()).run().get(0);
                LiveResources.tensorOpened();
            } catch (RuntimeException e) {
                // Our checks passed, so this is TensorFlow's own refusal (mapped to various exception types).
                throw new RunFailedException("TensorFlow " + tensorflowVersion() + " failed running " + dir
                        + " (" + inputName + " -> " + outputName + "): " + e.getMessage(), e.getMessage(), e);
            } finally {
                t.close();
                LiveResources.tensorClosed();
            }
            if (result.dataType() != DataType.FLOAT) {
                result.close();
                LiveResources.tensorClosed();
                throw new UnsupportedDataTypeException("output '" + outputName + "' produced "
                        + DTypes.of(result.dataType()) + "; only float32 outputs are supported");
            }
            return new TensorPrediction(result);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The keys of this MetaGraphDef's SignatureDefs, sorted. */
    public List<String> signatureKeys() {
        return SavedModelText.sortedKeys(signatureDefs.keySet());
    }

    /** A SignatureDef by key; throws SignatureNotFoundException listing the keys there are. */
    public SignatureInfo signature(String key) {
        return SignatureInfo.find(signatureDefs, key, tags);
    }

    /**
     * run() by signature: the signature's input and output keys (null for a signature's only one) are
     * resolved to tensor names through its SignatureDef; unknown keys throw
     * SignatureNotFoundException / SignatureKeyNotFoundException listing the keys there are.
     */
    public Prediction runSignature(String key, String inputKey, FloatBuffer data, long[] shape, String outputKey) {
        SignatureInfo s = signature(key);
        return run(s.inputName(inputKey), data, shape, s.outputName(outputKey));
    }

    /**
     * The signature-first call: every input of signature key (null: serving_default, else the only one) by its
     * input key, any dtype of {@link TensorData}; returns the outputs by output key (outputKeys null: all of
     * them), sorted by key. Keys, dtypes and shapes are checked against the SignatureDef before TensorFlow sees
     * anything: a missing or unknown key, another dtype (an integer of another width is converted only when
     * every value fits, as Python's feeds does), a shape the signature does not allow.
     */
    public Map<String, TensorData> runSignature(String key, Map<String, TensorData> inputs, List<String> outputKeys) {
        SignatureInfo s = signature(SignatureInfo.choose(signatureDefs.keySet(), key, tags));
        List<String> missing = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String k : s.inputs().keySet()) {
            if (!inputs.containsKey(k)) {
                missing.add(k);
            }
        }
        for (String k : SavedModelText.sortedKeys(inputs.keySet())) {
            if (!s.inputs().containsKey(k)) {
                unknown.add(k);
            }
        }
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new InvalidInputException("signature '" + s.key() + "' takes the inputs "
                    + String.join(", ", s.inputs().keySet()) + ";" + (missing.isEmpty() ? "" : " missing "
                    + String.join(", ", missing)) + (missing.isEmpty() || unknown.isEmpty() ? "" : ";")
                    + (unknown.isEmpty() ? "" : " unknown " + String.join(", ", unknown)));
        }
        List<String> fetchKeys = outputKeys == null ? new ArrayList<>(s.outputs().keySet()) : outputKeys;
        List<TensorName> fetches = new ArrayList<>();
        for (String k : fetchKeys) {
            fetches.add(TensorName.parse(s.outputName(k)));
        }
        lock.readLock().lock();
        List<Tensor<?>> fed = new ArrayList<>();
        try {
            ensureOpen();
            Session.Runner runner = bundle.session().runner();
            for (Map.Entry<String, TensorInfo> e : s.inputs().entrySet()) {
                TensorData x = inputs.get(e.getKey());
                TensorInfo want = e.getValue();
                String expects = "input '" + e.getKey() + "' expects " + want;
                if (!want.dtype().equals(x.dtype())) {
                    x = integersAs(want.dtype(), x, expects);
                }
                if (!Shapes.compatible(want.shape(), x.shape())) {
                    throw new InvalidInputException(expects + "; got shape " + Arrays.toString(x.shape()));
                }
                Tensor<?> t = x.isString() ? Tensor.create(nestedStrings(x.shape(), x.strings()))
                        : Tensor.create(javaType(x.dtype()), x.shape(), x.data());
                LiveResources.tensorOpened();
                fed.add(t);
                TensorName in = TensorName.parse(want.name());
                runner.feed(in.op(), in.index(), t);
            }
            for (TensorName out : fetches) {
                runner.fetch(out.op(), out.index());
            }
            List<Tensor<?>> results;
            try {
                results = runner.run();
            } catch (RuntimeException e) {
                throw new RunFailedException("TensorFlow " + tensorflowVersion() + " failed running signature '"
                        + s.key() + "' of " + dir + ": " + e.getMessage(), e.getMessage(), e);
            }
            Map<String, TensorData> out = new java.util.TreeMap<>();
            try {
                for (int i = 0; i < results.size(); i++) {
                    LiveResources.tensorOpened();
                    out.put(fetchKeys.get(i), copyOut(fetchKeys.get(i), results.get(i)));
                }
            } finally {
                for (Tensor<?> r : results) {
                    r.close();
                    LiveResources.tensorClosed();
                }
            }
            return out;
        } finally {
            for (Tensor<?> t : fed) {
                t.close();
                LiveResources.tensorClosed();
            }
            lock.readLock().unlock();
        }
    }

    /**
     * Integers as another integer dtype when every value fits (numpy's default int64 for an int32 input, say),
     * never wrapped around; every other pair of dtypes is refused.
     */
    private static TensorData integersAs(String dtype, TensorData x, String expects) {
        long[] range = INTEGER_RANGES.get(dtype);
        if (range == null || !INTEGER_RANGES.containsKey(x.dtype())) {
            throw new InvalidInputException(expects + "; got " + x);
        }
        int n = (int) Shapes.elements(x.shape());
        java.nio.ByteBuffer in = x.data();
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocateDirect(n * TensorData.ITEM_SIZES.get(dtype))
                .order(java.nio.ByteOrder.nativeOrder());
        int outside = 0;
        int first = -1;
        long firstValue = 0;
        for (int i = 0; i < n; i++) {
            long v = x.dtype().equals("int64") ? in.getLong()
                    : x.dtype().equals("int32") ? in.getInt() : in.get() & 0xff;
            if ((v < range[0] || v > range[1]) && outside++ == 0) {
                first = i;
                firstValue = v;
            }
            if (dtype.equals("int64")) {
                out.putLong(v);
            } else if (dtype.equals("int32")) {
                out.putInt((int) v);
            } else {
                out.put((byte) v);
            }
        }
        if (outside > 0) {
            throw new InvalidInputException(expects + "; got " + x.dtype() + " with " + outside + " value(s) outside "
                    + dtype + "'s range, the first " + firstValue + " at " + Shapes.index(first, x.shape()));
        }
        out.flip();
        return TensorData.of(dtype, x.shape(), out);
    }

    /**
     * A string tensor's elements as TF Java 1.x takes them: byte[] for a scalar, byte[][] for rank 1, and one
     * more array level per dimension, filled in C order.
     */
    private static Object nestedStrings(long[] shape, byte[][] flat) {
        if (shape.length == 0) {
            return flat[0];
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = (int) shape[i];
        }
        Object nested = java.lang.reflect.Array.newInstance(byte[].class, dims);
        fill(nested, flat, new int[] {0});
        return nested;
    }

    private static void fill(Object array, byte[][] flat, int[] next) {
        for (int i = 0; i < java.lang.reflect.Array.getLength(array); i++) {
            Object element = java.lang.reflect.Array.get(array, i);
            if (element == null || element instanceof byte[]) {
                java.lang.reflect.Array.set(array, i, flat[next[0]++]);
            } else {
                fill(element, flat, next);
            }
        }
    }

    private static void flatten(Object array, List<byte[]> into) {
        for (int i = 0; i < java.lang.reflect.Array.getLength(array); i++) {
            Object element = java.lang.reflect.Array.get(array, i);
            if (element instanceof byte[]) {
                into.add((byte[]) element);
            } else {
                flatten(element, into);
            }
        }
    }

    private static Class<?> javaType(String dtype) {
        switch (dtype) {
            case "float32":
                return Float.class;
            case "float64":
                return Double.class;
            case "int32":
                return Integer.class;
            case "int64":
                return Long.class;
            case "uint8":
                return org.tensorflow.types.UInt8.class;
            case "bool":
                return Boolean.class;
            default:
                throw new UnsupportedDataTypeException("dtype '" + dtype + "' cannot be fed by signature");
        }
    }

    private static TensorData copyOut(String key, Tensor<?> t) {
        String dtype = DTypes.of(t.dataType());
        if (t.dataType() == DataType.STRING) {
            long[] shape = t.shape();
            if (shape.length == 0) {
                return TensorData.ofStrings(shape, new byte[][] {t.bytesValue()});
            }
            int[] dims = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = (int) shape[i];
            }
            Object nested = java.lang.reflect.Array.newInstance(byte[].class, dims);
            t.copyTo(nested);
            List<byte[]> flat = new ArrayList<>();
            flatten(nested, flat);
            return TensorData.ofStrings(shape, flat.toArray(new byte[0][]));
        }
        if (!TensorData.ITEM_SIZES.containsKey(dtype)) {
            throw new UnsupportedDataTypeException("output '" + key + "' is " + dtype + "; fetchable by signature: "
                    + String.join(", ", new java.util.TreeSet<>(TensorData.ITEM_SIZES.keySet())));
        }
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocateDirect(t.numBytes()).order(java.nio.ByteOrder.nativeOrder());
        t.writeTo(bytes);
        bytes.flip();
        return TensorData.of(dtype, t.shape(), bytes);
    }

    /** Runs a batch of rows; rejects ragged input. An empty batch takes its width from the placeholder. */
    public float[][] predict(String inputName, float[][] input, String outputName) {
        long cols;
        if (input.length > 0) {
            cols = input[0] == null ? -1 : input[0].length;
        } else {
            long[] s = tensor(inputName).shape();
            if (s == null || s.length != 2 || s[1] < 0) {
                throw new InvalidInputException("input '" + inputName + "' has shape " + Shapes.format(s)
                        + "; cannot infer the width of an empty batch");
            }
            cols = s[1];
        }
        FloatBuffer flat = FloatBuffer.allocate((int) Math.min(Integer.MAX_VALUE, input.length * Math.max(cols, 0)));
        for (int r = 0; r < input.length; r++) {
            if (input[r] == null || input[r].length != cols) {
                throw new InvalidInputException("ragged input: row 0 has " + cols + " values but row " + r
                        + " has " + (input[r] == null ? "none (null)" : input[r].length));
            }
            flat.put(input[r]);
        }
        flat.flip();
        try (Prediction p = run(inputName, flat, new long[] {input.length, cols}, outputName)) {
            return p.toMatrix();
        }
    }

    /** Idempotent; waits for runs in progress. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                bundle.close();
                LiveResources.bundleClosed();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Checks a feed against the graph's placeholder; expectedShape null means unknown rank. */
    static void validateFeed(String name, String dtype, long[] expectedShape, long[] shape, long remaining) {
        String given = Arrays.toString(shape); // raw numbers: a given -1 is an error, not "?"
        String expects = "input '" + name + "' expects shape " + Shapes.format(expectedShape) + " (" + dtype + ")";
        if (!DTypes.FLOAT32.equals(dtype)) {
            throw new InvalidInputException(expects + ", but only float32 data can be fed");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new InvalidInputException(expects + ", got " + given
                        + ", which has a negative dimension");
            }
        }
        if (expectedShape != null) {
            boolean ok = expectedShape.length == shape.length;
            for (int i = 0; ok && i < shape.length; i++) {
                ok = expectedShape[i] < 0 || expectedShape[i] == shape[i];
            }
            if (!ok) {
                String rank = expectedShape.length == shape.length ? ""
                        : String.format(Locale.ROOT, " (rank %d, expected rank %d)", shape.length, expectedShape.length);
                throw new InvalidInputException(expects + ", got " + given + rank);
            }
        }
        long n = Shapes.elements(shape);
        if (n < 0) {
            throw new InvalidInputException(expects + ", got " + given
                    + ", which has more elements than a buffer can hold");
        }
        if (remaining != n) {
            throw new InvalidInputException("input '" + name + "': shape " + given + " needs "
                    + n + " floats, got " + remaining);
        }
    }

    private Output<?> lookup(String name, TensorName t) {
        Graph g = bundle.graph();
        Operation op = g.operation(t.op());
        if (op == null) {
            throw unknown(g, name, t.op());
        }
        if (t.index() >= op.numOutputs()) {
            throw new UnknownTensorException("operation '" + t.op() + "' (" + op.type() + ") has "
                    + op.numOutputs() + " output(s); there is no '" + name + "'", Collections.<String>emptyList());
        }
        return op.output(t.index());
    }

    private static UnknownTensorException unknown(Graph g, String name, String opName) {
        List<String> close = new ArrayList<>();
        List<String> placeholders = new ArrayList<>();
        for (Iterator<Operation> it = g.operations(); it.hasNext(); ) {
            Operation op = it.next();
            if (closeName(opName, op.name())) {
                close.add(op.name());
            }
            if (op.type().equals("Placeholder") || op.type().equals("PlaceholderWithDefault")) {
                placeholders.add(op.name());
            }
        }
        Collections.sort(close); // the runtime's order is unspecified; keep messages stable
        Collections.sort(placeholders);
        String msg = "no operation '" + opName + "' in the graph (for tensor '" + name + "')";
        if (!close.isEmpty()) {
            return new UnknownTensorException(msg + "; did you mean " + String.join(", ", close) + "?", close);
        }
        return new UnknownTensorException(msg + "; its placeholders are " + placeholders, placeholders);
    }

    /** Same ignoring case, one contains the other, or a few edits apart (fewer for short names). */
    static boolean closeName(String wanted, String candidate) {
        String a = wanted.toLowerCase(Locale.ROOT);
        String b = candidate.toLowerCase(Locale.ROOT);
        if (a.equals(b) || (a.length() >= 3 && b.contains(a)) || (b.length() >= 3 && a.contains(b))) {
            return true;
        }
        int allowed = Math.min(2, Math.max(1, a.length() / 3));
        return Math.abs(a.length() - b.length()) <= allowed && editDistance(a, b) <= allowed;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static TensorInfo describe(Output<?> out) {
        Shape s = out.shape();
        long[] dims = null;
        if (s.numDimensions() >= 0) {
            dims = new long[s.numDimensions()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.size(i);
            }
        }
        return new TensorInfo(out.op().name() + ":" + out.index(), DTypes.of(out), dims);
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("model " + dir + " " + tags + " is closed");
        }
    }
}
