package org.tfinterop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.DataType;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Shape;
import org.tensorflow.Tensor;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SavedModel;

/**
 * Builds small SavedModels from Java (constants only, so no variables to restore), letting the model
 * tests run without Python or the golden fixtures.
 */
final class TestModels {
    static final float[][] W = {{0.5f, -1f, 0.25f}, {1f, 0.5f, -0.5f}, {-0.25f, 0.75f, 1f}, {0.1f, 0.2f, 0.3f}};
    static final float[] B = {0.1f, -0.2f, 0.3f};

    private TestModels() {
    }

    /**
     * myInput float32[?, 4] -> softmax(x W + b) = myOutput float32[?, 3]; also intInput int32[?],
     * anyInput float32 of unknown rank -> anyOutput, and intConst int32[].
     */
    static Path linear(Path dir, String[]... tagSets) throws IOException {
        byte[] graphDef;
        try (Graph g = new Graph()) {
            Output<?> x = g.opBuilder("Placeholder", "myInput")
                    .setAttr("dtype", DataType.FLOAT).setAttr("shape", Shape.make(-1, 4)).build().output(0);
            Output<?> mm = g.opBuilder("MatMul", "MatMul").addInput(x).addInput(constant(g, "W", W)).build().output(0);
            Output<?> add = g.opBuilder("Add", "add").addInput(mm).addInput(constant(g, "b", B)).build().output(0);
            g.opBuilder("Softmax", "myOutput").addInput(add).build();
            g.opBuilder("Placeholder", "intInput")
                    .setAttr("dtype", DataType.INT32).setAttr("shape", Shape.make(-1)).build();
            Output<?> any = g.opBuilder("Placeholder", "anyInput")
                    .setAttr("dtype", DataType.FLOAT).setAttr("shape", Shape.unknown()).build().output(0);
            g.opBuilder("Identity", "anyOutput").addInput(any).build();
            constant(g, "intConst", 7);
            graphDef = g.toGraphDef();
        }
        return write(dir, GraphDef.parseFrom(graphDef), tagSets);
    }

    /** A SavedModel whose graph uses an op no TensorFlow registers, so loading must fail. */
    static Path unloadable(Path dir, String... tags) throws IOException {
        GraphDef g = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("x").setOp("NoSuchOpForTfInteropTests")).build();
        return write(dir, g, tags);
    }

    static Path write(Path dir, GraphDef graph, String[]... tagSets) throws IOException {
        SavedModel.Builder sm = SavedModel.newBuilder().setSavedModelSchemaVersion(1);
        for (String[] tags : tagSets) {
            MetaGraphDef.Builder mg = MetaGraphDef.newBuilder().setGraphDef(graph);
            mg.getMetaInfoDefBuilder().addAllTags(Arrays.asList(tags));
            sm.addMetaGraphs(mg);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("saved_model.pb"), sm.build().toByteArray());
        return dir;
    }

    /** What myOutput should be, computed independently in double precision. */
    static float[][] expected(float[][] x) {
        float[][] out = new float[x.length][3];
        for (int r = 0; r < x.length; r++) {
            double[] z = new double[3];
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                z[c] = B[c];
                for (int k = 0; k < 4; k++) {
                    z[c] += (double) x[r][k] * W[k][c];
                }
            }
            double max = Math.max(z[0], Math.max(z[1], z[2]));
            for (int c = 0; c < 3; c++) {
                sum += Math.exp(z[c] - max);
            }
            for (int c = 0; c < 3; c++) {
                out[r][c] = (float) (Math.exp(z[c] - max) / sum);
            }
        }
        return out;
    }

    static float[][] sampleInput(int rows) {
        float[][] x = new float[rows][4];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 4; c++) {
                x[r][c] = (float) Math.sin(r * 4 + c);
            }
        }
        return x;
    }

    private static Output<?> constant(Graph g, String name, Object value) {
        try (Tensor<?> t = Tensor.create(value)) {
            return g.opBuilder("Const", name).setAttr("dtype", t.dataType()).setAttr("value", t).build().output(0);
        }
    }
}
