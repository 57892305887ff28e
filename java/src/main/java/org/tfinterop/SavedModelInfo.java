package org.tfinterop;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.SavedModel;
import org.tensorflow.framework.SignatureDef;

/**
 * What saved_model.pb declares, read with the protobuf classes and without TensorFlow, so that a
 * missing tag-set can be reported with the list of those present rather than TensorFlow's terse message.
 */
public final class SavedModelInfo {
    private final Path dir;
    private final SavedModel proto;

    private SavedModelInfo(Path dir, SavedModel proto) {
        this.dir = dir;
        this.proto = proto;
    }

    /** Reads dir/saved_model.pb; throws ModelNotFoundException or NotASavedModelException. */
    public static SavedModelInfo read(Path dir) {
        // The same words as the Python side's reader (savedmodel.saved_model_pb), for the same cause.
        if (!Files.exists(dir)) {
            throw new ModelNotFoundException(dir + ": no such directory; expected a SavedModel directory holding "
                    + "saved_model.pb");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelNotFoundException(dir + ": not a directory; expected a SavedModel directory holding "
                    + "saved_model.pb");
        }
        Path pb = dir.resolve("saved_model.pb");
        if (!Files.isRegularFile(pb)) {
            String hint = Files.exists(dir.resolve("saved_model.pbtxt"))
                    ? " (only saved_model.pbtxt is there; tfinterop reads the binary form)" : "";
            throw new NotASavedModelException(dir + ": saved_model.pb " + (Files.exists(pb) ? "is not a regular file"
                    : "is missing") + "; this is not a SavedModel directory" + hint);
        }
        SavedModel proto;
        try {
            proto = SavedModel.parseFrom(Files.readAllBytes(pb));
        } catch (InvalidProtocolBufferException e) {
            throw new NotASavedModelException(pb + " cannot be parsed as a SavedModel protobuf: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NotASavedModelException(pb + " cannot be read: " + e, e);
        }
        // Protobuf accepts many byte strings (an empty file, for one); a model needs a MetaGraphDef.
        if (proto.getMetaGraphsCount() == 0) {
            throw new NotASavedModelException(pb + " parses as a SavedModel protobuf but holds no MetaGraphDef");
        }
        return new SavedModelInfo(dir, proto);
    }

    /**
     * A graph with variables needs variables/variables.index: without it TensorFlow skips the restore
     * silently and every run fails later on uninitialized values, far from the cause.
     */
    void checkVariables(MetaGraphDef mg) {
        List<String> vars = new ArrayList<>();
        for (org.tensorflow.framework.NodeDef n : mg.getGraphDef().getNodeList()) {
            if (VARIABLE_OPS.contains(n.getOp())) {
                vars.add(n.getName());
            }
        }
        Path index = dir.resolve("variables").resolve("variables.index");
        if (!vars.isEmpty() && !Files.isRegularFile(index)) {
            String what = Files.isDirectory(dir.resolve("variables")) ? index + " is missing"
                    : "the folder " + dir.resolve("variables") + " is missing";
            throw new NotASavedModelException(what + ", but the graph has " + vars.size() + " variable(s) " + vars
                    + " to restore from it; expected variables/variables.index and its data shard(s)");
        }
    }

    private static final Set<String> VARIABLE_OPS = new HashSet<>(
            Arrays.asList("VariableV2", "Variable", "VarHandleOp"));

    public Path dir() {
        return dir;
    }

    /** The parsed saved_model.pb (for `inspect`, which prints all of it). */
    SavedModel proto() {
        return proto;
    }

    /** Tag-sets in file order, each with its tags in file order. */
    public List<List<String>> tagSets() {
        List<List<String>> out = new ArrayList<>();
        for (MetaGraphDef mg : proto.getMetaGraphsList()) {
            out.add(Collections.unmodifiableList(new ArrayList<>(mg.getMetaInfoDef().getTagsList())));
        }
        return Collections.unmodifiableList(out);
    }

    /** True if some MetaGraphDef has exactly these tags, in any order (set equality, as TensorFlow matches). */
    public boolean hasTagSet(String... tags) {
        return find(tags) != null;
    }

    /** The MetaGraphDef for a tag-set; throws TagSetNotFoundException listing the tag-sets present. */
    public MetaGraphDef metaGraph(String... tags) {
        MetaGraphDef mg = find(tags);
        if (mg == null) {
            List<List<String>> have = tagSets();
            throw new TagSetNotFoundException("SavedModel " + dir + " has no tag-set " + Arrays.asList(tags)
                    + "; it has " + Shapes.formatTagSets(have), have);
        }
        return mg;
    }

    /** Signature defs of a tag-set, by signature key. */
    public Map<String, SignatureDef> signatureDefs(String... tags) {
        return metaGraph(tags).getSignatureDefMap();
    }

    private MetaGraphDef find(String[] tags) {
        Set<String> wanted = new HashSet<>(Arrays.asList(tags));
        for (MetaGraphDef mg : proto.getMetaGraphsList()) {
            if (new HashSet<>(mg.getMetaInfoDef().getTagsList()).equals(wanted)) {
                return mg;
            }
        }
        return null;
    }
}
