package org.tfinterop;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

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
            return new Prediction(outShape, values);
        } catch (TfInteropException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RunFailedException("TensorFlow " + tensorflowVersion() + " failed running " + dir
                    + " (" + inputName + " -> " + outputName + "): " + e.getMessage(), e.getMessage(), e);
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
