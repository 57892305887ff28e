"""Builds the cases of fixtures/bad-inputs/catalogue.json (the step vocabulary is in the README beside
it); the Java tests build the same cases from the same file (BadInputCatalogueTest.java)."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.savedmodel import reader as sm, wire as pw

# Field numbers, from the SavedModel reader's schema (the one place they are written down).
SAVED_MODEL_META_GRAPHS = sm.field_number(sm.SavedModel, "meta_graphs")
META_GRAPH_META_INFO_DEF = sm.field_number(sm.MetaGraphDef, "meta_info_def")
META_GRAPH_GRAPH_DEF = sm.field_number(sm.MetaGraphDef, "graph_def")
META_INFO_TAGS = sm.field_number(sm.MetaInfoDef, "tags")
GRAPH_NODE = sm.field_number(sm.GraphDef, "node")
NODE_NAME = sm.field_number(sm.NodeDef, "name")
NODE_OP = sm.field_number(sm.NodeDef, "op")
NODE_INPUT = sm.field_number(sm.NodeDef, "input")

CATALOGUE = paths.FIXTURES / "bad-inputs" / "catalogue.json"


def cases():
    return json.loads(CATALOGUE.read_text())["cases"]


def beyond(consumer: str, case):
    """What `consumer` ("js-tfjs") must answer for a case whose base model it cannot load at all (the catalogue's
    "models_beyond"), or None: the case's own expectation holds."""
    table = json.loads(CATALOGUE.read_text())["models_beyond"].get(consumer, {})
    return table.get(case["model"]["base"])


def random_bytes(seed: str, n: int) -> bytes:
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


def build_model(case, root: Path) -> Path:
    """The directory to hand to the consumer (through a symlink when the case says so)."""
    spec = case["model"]
    d = root / spec.get("name", "model")
    if spec["base"] == "empty":
        d.mkdir(parents=True)
    elif spec["base"] != "none":
        shutil.copytree(paths.GOLDEN / spec["base"], d)
    for step in spec.get("damage", []):
        apply(step, d)
    if spec.get("symlink"):
        link = root / "link-to-model"
        link.symlink_to(d, target_is_directory=True)
        return link
    return d


def apply(step, d: Path):
    (op, arg), = [(k, v) for k, v in step.items() if k in
                  ("delete", "empty", "directory", "truncate", "random", "rename_input", "add_tag")]
    if op == "delete":
        p = d / arg
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    elif op == "empty":
        (d / arg).write_bytes(b"")
    elif op == "directory":
        (d / arg).unlink()
        (d / arg).mkdir()
    elif op == "truncate":
        data = (d / arg).read_bytes()
        keep = int(len(data) * step["keep"]) if "keep" in step else len(data) - step["drop_bytes"]
        (d / arg).write_bytes(data[:keep])
    elif op == "random":
        (d / arg).write_bytes(random_bytes(step["seed"], step["bytes"]))
    elif op == "rename_input":
        edit_graphs(d, lambda nodes: _rename_input(nodes, arg["node"], arg["from"], arg["to"]))
    elif op == "add_tag":
        pb = d / "saved_model.pb"
        model = pw.parse(pb.read_bytes())
        raw = pw.values(model, SAVED_MODEL_META_GRAPHS)[arg["meta_graph"]]
        mg = pw.parse(raw)
        info = pw.parse(pw.first(mg, META_GRAPH_META_INFO_DEF))
        info.append(pw.Field(META_INFO_TAGS, pw.LENGTH, arg["tag"].encode()))
        mg = pw.replace_submessage(mg, META_GRAPH_META_INFO_DEF, 0, pw.encode(info))
        model = pw.replace_submessage(model, SAVED_MODEL_META_GRAPHS, arg["meta_graph"], pw.encode(mg))
        pb.write_bytes(pw.encode(model))


def edit_graphs(d: Path, edit_nodes):
    """Applies edit_nodes(list of parsed NodeDefs) -> list to the graph of every MetaGraphDef."""
    pb = d / "saved_model.pb"
    model = pw.parse(pb.read_bytes())
    for i, raw in enumerate(pw.values(model, SAVED_MODEL_META_GRAPHS)):
        mg = pw.parse(raw)
        graph = pw.parse(pw.first(mg, META_GRAPH_GRAPH_DEF))
        nodes = edit_nodes([pw.parse(n) for n in pw.values(graph, GRAPH_NODE)])
        graph = [f for f in graph if f.number != GRAPH_NODE] + \
                [pw.Field(GRAPH_NODE, pw.LENGTH, pw.encode(n)) for n in nodes]
        mg = pw.replace_submessage(mg, META_GRAPH_GRAPH_DEF, 0, pw.encode(graph))
        model = pw.replace_submessage(model, SAVED_MODEL_META_GRAPHS, i, pw.encode(mg))
    pb.write_bytes(pw.encode(model))


def _rename_input(nodes, node, old, new):
    for n in nodes:
        if pw.first(n, NODE_NAME) == node.encode():
            for f in n:
                if f.number == NODE_INPUT and f.value == old.encode():
                    f.value = new.encode()
    return nodes


def build_input(case) -> np.ndarray:
    spec = case.get("input", {})
    shape = spec.get("shape", [3, 784])
    n = int(np.prod(shape))
    x = (np.arange(n) % 97 / 97).astype(np.float32).reshape(shape)
    fill = spec.get("fill", "ramp")
    if fill == "nan":
        x[0, :] = np.nan
        x[1, 0] = np.nan
    elif fill == "inf":
        x[0, 3] = np.inf
        x[1, 5] = -np.inf
    dtype = spec.get("dtype", "float32")
    if dtype == "string":
        return np.full(shape, "0.5")
    return x.astype(dtype)


def tags(case):
    return case.get("tags", ["serve"])


# The dtypes of an `inputs.set` array: the six a signature call takes, and three it must refuse.
NPZ_DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64,
              "uint8": np.uint8, "bool": np.bool_, "bytes": np.bytes_, "str": np.str_, "object": object}


def write_inputs(case, root: Path) -> Path:
    """The file a call by signature reads (`inputs`): the golden .npz `from`, less `drop`, with `set`'s
    arrays; or `file`: pseudo-random bytes, or one of those arrays alone as a plain .npy."""
    spec = case["inputs"]
    file = spec.get("file", {})
    if "random" in file:
        path = root / "inputs.npz"
        path.write_bytes(random_bytes(file["seed"], file["random"]))
        return path
    arrays = {k: v for k, v in load_npz(paths.GOLDEN / spec["from"]).items() if k not in spec.get("drop", [])}
    for key, a in spec.get("set", {}).items():
        arrays[key] = np.array(a["values"], dtype=NPZ_DTYPES[a["dtype"]])
    if "npy" in file:
        path = root / "inputs.npy"
        np.save(path, arrays[file["npy"]], allow_pickle=False)
        return path
    path = root / "inputs.npz"
    np.savez(path, **arrays)        # savez pickles an object array: the file a user's numpy would write
    return path


def load_npz(path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class ReadOnlyDir:
    """A folder nothing can be written into, even by root (chmod, plus chattr +i when root)."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir()
        path.chmod(0o555)
        self.immutable = os.geteuid() == 0
        if self.immutable:
            subprocess.run(["chattr", "+i", str(path)], check=True)

    def close(self):
        if self.immutable:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
        self.path.chmod(0o755)


def check_result(case, y):
    """An `ok` case's result: shape and dtype, and which rows are finite or NaN."""
    e = case["expect"]
    assert list(y.shape) == e["shape"] and y.dtype == np.float32, (y.shape, y.dtype)
    rows = range(y.shape[0]) if e.get("finite_rows") == "all" else e.get("finite_rows", [])
    for r in rows:
        assert np.isfinite(y[r]).all(), f"row {r} should be finite: {y[r]}"
        assert abs(float(y[r].sum()) - 1) < 1e-4, f"row {r} is not a softmax: {y[r]}"
    for r in e.get("nan_rows", []):
        assert np.isnan(y[r]).all(), f"row {r} should be all NaN (NaN propagates through softmax): {y[r]}"


def check_outputs(case, outputs):
    """An `ok` call by signature: every output as the golden .npz `expect.outputs` has it (tolerance.json)."""
    want = load_npz(paths.GOLDEN / case["expect"]["outputs"])
    assert sorted(outputs) == sorted(want), f"outputs {sorted(outputs)}, expected {sorted(want)}"
    for k, w in want.items():
        result = compare(w, outputs[k])
        assert result.agree, f"{k}: {result.reason}"


def _entry(key: bytes, value: bytes) -> bytes:
    return pw.encode([pw.Field(1, pw.LENGTH, key), pw.Field(2, pw.LENGTH, value)])


def add_read_file_on_load(d: Path, file_path: str, node="read_on_load") -> None:
    """Makes the model read file_path when it is loaded: a Const holding the path, ReadFile on it, and
    ReadFile as the SavedModel's main_op (collection saved_model_main_op), which loaders run after restore.
    Field numbers: NodeDef attr 5; AttrValue type 6, tensor 8; TensorProto dtype 1, tensor_shape 2,
    string_val 8; MetaGraphDef collection_def 4; CollectionDef node_list 1; NodeList value 1; DT_STRING 7."""
    tensor = pw.encode([pw.Field(1, pw.VARINT, 7), pw.Field(2, pw.LENGTH, b""), pw.Field(8, pw.LENGTH, file_path.encode())])
    const = pw.encode([pw.Field(NODE_NAME, pw.LENGTH, f"{node}/path".encode()),
                       pw.Field(NODE_OP, pw.LENGTH, b"Const"),
                       pw.Field(5, pw.LENGTH, _entry(b"dtype", pw.encode([pw.Field(6, pw.VARINT, 7)]))),
                       pw.Field(5, pw.LENGTH, _entry(b"value", pw.encode([pw.Field(8, pw.LENGTH, tensor)])))])
    read = pw.encode([pw.Field(NODE_NAME, pw.LENGTH, node.encode()), pw.Field(NODE_OP, pw.LENGTH, b"ReadFile"),
                      pw.Field(NODE_INPUT, pw.LENGTH, f"{node}/path".encode())])
    edit_graphs(d, lambda nodes: nodes + [pw.parse(const), pw.parse(read)])
    pb = d / "saved_model.pb"
    model = pw.parse(pb.read_bytes())
    collection = pw.encode([pw.Field(1, pw.LENGTH, pw.encode([pw.Field(1, pw.LENGTH, node.encode())]))])
    for i, raw in enumerate(pw.values(model, SAVED_MODEL_META_GRAPHS)):
        mg = pw.parse(raw) + [pw.Field(4, pw.LENGTH, _entry(b"saved_model_main_op", collection))]
        model = pw.replace_submessage(model, SAVED_MODEL_META_GRAPHS, i, pw.encode(mg))
    pb.write_bytes(pw.encode(model))


def snapshot(folder: Path) -> dict:
    """Every file under `folder` and its bytes: what a refused command must leave as it was."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
