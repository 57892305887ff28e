"""`tfinterop inspect`: what a SavedModel declares, as `saved_model_cli show --dir DIR --all` prints it,
plus its asset files. The Java library prints the same text (org.tfinterop.SavedModelText); tests hold
both to each other and to the real saved_model_cli.

What is matched, and what is not (deliberately):
- Every MetaGraphDef (sorted by its tag list, as saved_model_cli does), every SignatureDef in it
  (sorted by key, `__saved_model_init_op` included: it is in the file), inputs and outputs sorted by
  key with dtype, shape and tensor name, the method name, and the line listing the ops the graph uses
  (node ops and, through the function library, the ops of the functions they call) -- byte for byte,
  except that saved_model_cli prints that op set in Python's set order, which changes from run to run
  (string hashing is randomised); we print it sorted.
- saved_model_cli's "Concrete Functions" section needs Python TensorFlow to rebuild the TF2 object
  graph and prints Python signatures; no TF 1.x runtime can. When a MetaGraphDef has an object graph
  we print one line saying the functions are not listed, instead of that section.
- Added after all of that: an "Asset files" section -- the assets each MetaGraphDef declares (its
  asset_file_def field and the TF1 `saved_model_assets` collection, each entry as often as it is
  listed, since TF 1.8 feeds every entry) and the files in assets/ and assets.extra/.

saved_model.pb is read with the SavedModel reader (savedmodel.py), without TensorFlow.
"""

import os
import re
import subprocess
from pathlib import Path

from tfinterop.core.errors import from_kind, TfInteropError
from tfinterop.savedmodel import reader as savedmodel
CONCRETE_FUNCTIONS_NOTE = ("\nConcrete Functions: not listed (a TF2 object graph is present; listing its functions "
                           "needs Python TensorFlow: saved_model_cli show --all)")
ASSETS_HEADER = "\nAsset files:"


def describe(directory) -> str:
    """The whole `inspect` text for DIR, ending with a newline."""
    model = savedmodel.read(directory)
    lines = []
    meta_graphs = sorted(model.meta_graphs, key=lambda mg: list(mg.meta_info_def.tags))
    for mg in meta_graphs:
        tags = list(mg.meta_info_def.tags)
        lines.append("")
        lines.append(f"MetaGraphDef with tag-set: '{', '.join(tags)}' contains the following SignatureDefs:")
        for key in sorted(mg.signature_def):
            sig = mg.signature_def[key]
            lines.append("")
            lines.append(f"signature_def['{key}']:")
            lines.append("  The given SavedModel SignatureDef contains the following input(s):")
            for input_key in sorted(sig.inputs):
                lines.append(f"    inputs['{input_key}'] tensor_info:")
                lines += _tensor_info(sig.inputs[input_key])
            lines.append("  The given SavedModel SignatureDef contains the following output(s):")
            for output_key in sorted(sig.outputs):
                lines.append(f"    outputs['{output_key}'] tensor_info:")
                lines += _tensor_info(sig.outputs[output_key])
            lines.append(f"  Method name is: {sig.method_name}")
        ops = sorted(ops_used(mg.graph_def))
        op_set = "{" + ", ".join(py_repr(op) for op in ops) + "}" if ops else "set()"
        lines.append(f"The MetaGraph with tag set {py_repr_list(tags)} contains the following ops: {op_set}")
    if any(mg.has("object_graph_def") for mg in model.meta_graphs):
        lines.append(CONCRETE_FUNCTIONS_NOTE)
    lines.append(ASSETS_HEADER)
    for mg in meta_graphs:
        declared = _declared_assets(mg)
        lines.append(f"  MetaGraphDef with tag-set: '{', '.join(mg.meta_info_def.tags)}' declares "
                     f"{len(declared)} asset file(s){':' if declared else ''}")
        for filename, tensor, where in declared:
            lines.append(f"    {filename} (tensor {tensor}; {where})")
    for folder in ("assets", "assets.extra"):
        lines.append(_folder_listing(Path(directory), folder))
    return "\n".join(lines) + "\n"


def describe_with_java(directory, timeout: float = 120.0) -> str:
    """The same text from the Java module's command line (`tfinterop-java inspect DIR`), run as a process
    of its own; its typed errors (`error: <kind>: <message>`) come back as the same Python errors."""
    from tfinterop.runtimes import registry
    command = registry.DEFAULT_JAVA.command("org.tfinterop.Cli", ["inspect", "--", str(directory)])
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise TfInteropError(f"tfinterop-java inspect {directory} did not finish within {timeout:.0f} s") from None
    if done.returncode == 0:
        return done.stdout
    found = re.search(r"^error: ([a-z-]+): (.*)$", done.stderr, re.MULTILINE | re.DOTALL)
    if found:
        raise from_kind(found.group(1), found.group(2).rstrip())
    raise TfInteropError(f"tfinterop-java inspect {directory} exited with status {done.returncode}: "
                         f"{done.stderr.strip()[-2000:]}")


def _tensor_info(info):
    dtype = savedmodel.dtype_name(info.dtype, unknown="<unknown DataType {}>")
    if info.tensor_shape.unknown_rank:
        shape = "unknown_rank"
    else:
        shape = "(" + ", ".join(str(d.size) for d in info.tensor_shape.dim) + ")"
    return [f"        dtype: {dtype}", f"        shape: {shape}", f"        name: {info.name}"]


def ops_used(graph_def):
    """The op types a graph uses: its nodes' ops and, following calls, its library functions' ops
    (function names themselves excluded), as saved_model_cli computes them."""
    functions = {f.signature.name: f for f in graph_def.library.function}
    used, pending = set(), []

    def mark(op):
        if op not in used and op in functions:
            pending.append(functions[op])
        used.add(op)

    def visit(node):
        mark(node.op)
        if node.op in ("PartitionedCall", "StatefulPartitionedCall"):
            mark(node.attr["f"].func.name)

    for node in graph_def.node:
        visit(node)
    while pending:
        for node in pending.pop().node_def:
            visit(node)
    return {op for op in used if op not in functions}


def _declared_assets(mg):
    found = [(a.filename, a.tensor_info.name, "asset_file_def") for a in mg.asset_file_def]
    found += [(a.filename, a.tensor_info.name, f"{savedmodel.ASSETS_COLLECTION} collection")
              for a in savedmodel.collection_assets(mg)]
    return found


def _folder_listing(directory: Path, folder: str) -> str:
    root = directory / folder
    if not root.is_dir():
        return f"  {folder}/: no such folder"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    if not files:
        return f"  {folder}/: empty"
    return f"  {folder}/: " + ", ".join(f"{name} ({(root / name).stat().st_size} bytes)" for name in files)


def py_repr(s: str) -> str:
    """repr() of a str: the form saved_model_cli's tag list and op set print in (Java mirrors this)."""
    return repr(s)


def py_repr_list(items) -> str:
    return "[" + ", ".join(py_repr(s) for s in items) + "]"
