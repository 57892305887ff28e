"""Object-based SavedModels (tf.saved_model.save, Keras 3's model.export(), Keras 2's model.save()) in Python
TensorFlow: loaded with tf.saved_model.load without their checkpoint, and only the variables their signatures
capture read from it, each once.

Why: tf.saved_model.load restores every value the checkpoint holds, and Keras 3's model.export() writes each
weight twice (ResNet50: variables.data 181 MB for 94 MB of weights; the load 283 MB above a bare import; TF1's
loader on the same export 378 MB: measured). Loaded with experimental_skip_checkpoint the object graph costs
88 MB and no variable holds a value; the values the signatures need are then read here.

The checkpoint's object graph (TrackableObjectGraph) is matched to the loaded objects as TensorFlow's own restore
matches it: from the root, child by local name. A model whose captured variables are not all found so, or a
TensorFlow without these options, is loaded with every value restored, as tf.saved_model.load does by default.
TF1 graph exports have no object graph (and hold each weight once); they are not loaded here: a MetaGraphDef
with an object_graph_def is an object-based export."""

from pathlib import Path

from tfinterop.savedmodel import reader as savedmodel

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"     # where a TF2 checkpoint keeps its object graph
VALUE_ATTRIBUTE = "VARIABLE_VALUE"                    # the attribute of a variable's node that holds its value


class CheckpointValues:
    """id(variable.handle) -> its value's key in DIR/variables/, for every variable reachable from `loaded`."""

    def __init__(self, tf, directory, loaded):
        from tensorflow.core.protobuf import trackable_object_graph_pb2
        self._reader = tf.train.load_checkpoint(str(Path(directory) / "variables" / "variables"))
        graph = trackable_object_graph_pb2.TrackableObjectGraph()
        graph.ParseFromString(self._reader.get_tensor(OBJECT_GRAPH_KEY))
        self._dtypes, self._shapes = self._reader.get_variable_to_dtype_map(), self._reader.get_variable_to_shape_map()
        view = tf.train.TrackableView(loaded)
        self._keys, seen, todo = {}, set(), [(loaded, 0)]
        while todo:
            obj, node_id = todo.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            node = graph.nodes[node_id]
            if isinstance(obj, tf.Variable):
                for attribute in node.attributes:
                    if attribute.name == VALUE_ATTRIBUTE:
                        self._keys[id(obj.handle)] = attribute.checkpoint_key
            children = view.children(obj)
            todo += [(children[ref.local_name], ref.node_id) for ref in node.children if ref.local_name in children]

    def covers(self, variables) -> bool:
        return all(id(v.handle) in self._keys for v in variables)

    def value(self, variable):
        """The variable's value as saved (numpy), read from the checkpoint now."""
        return self._reader.get_tensor(self._keys[id(variable.handle)])

    def stored(self, variable) -> "StoredValue":
        """The variable's value where it is saved: its dtype and shape now, the value when read."""
        key = self._keys[id(variable.handle)]
        return StoredValue(self._reader, key, self._dtypes[key].as_numpy_dtype, tuple(self._shapes[key]))


class StoredValue:
    """A value in a checkpoint: numpy's dtype and the shape, and the value itself when read."""

    def __init__(self, reader, key, dtype, shape):
        self._reader, self.key, self.dtype, self.shape = reader, key, dtype, shape

    def read(self):
        return self._reader.get_tensor(self.key)


def load_for_freezing(tf, directory, tags, signature_keys, log=None) -> tuple:
    """(the loaded model, CheckpointValues or None) of an object-based export's MetaGraphDef with `tags`: without its
    checkpoint when the checkpoint's object graph names every variable the signatures capture (their values are then
    read from CheckpointValues, and no variable holds one); else loaded as usual, every value restored (None)."""
    if not hasattr(tf.train, "TrackableView"):
        return tf.saved_model.load(str(directory), tags=tags), None
    try:
        loaded = tf.saved_model.load(str(directory), tags=tags,
                                     options=tf.saved_model.LoadOptions(experimental_skip_checkpoint=True))
        values = CheckpointValues(tf, directory, loaded)
        if all(values.covers(loaded.signatures[key].variables) for key in signature_keys):
            return loaded, values
        why = "the checkpoint's object graph does not name every variable the signatures capture"
    except Exception as e:  # noqa: BLE001 -- any failure of the lean path falls back to TensorFlow's own restore
        why = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if log:
        log(f"restoring every value of {directory}'s checkpoint ({why})")
    return tf.saved_model.load(str(directory), tags=tags), None


def load_for_serving(tf, directory, tags, signature_keys, log=None):
    """The loaded model, every variable the signatures capture holding its value (and, where the lean path
    applies, no other)."""
    keys = list(signature_keys)
    loaded, values = load_for_freezing(tf, directory, tags, keys, log)
    if values is not None:
        restored = set()
        for key in keys:
            for variable in loaded.signatures[key].variables:
                if id(variable.handle) not in restored:
                    variable.assign(values.value(variable))
                    restored.add(id(variable.handle))
    return loaded
