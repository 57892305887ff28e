"""The house: the package's folders are its layers, and a layer imports only the layers below it; the tool a team
points at its own model (check, inspect, verify, fix, predict, the pytest plugin) never loads the harness that
proves it (MNIST data, models, training, export variants, the matrix) nor the tools (bench, fuzz)."""

import ast
import concurrent.futures
import subprocess
import sys

import pytest

from conftest import REPO
from tfinterop.core import paths

PACKAGE = paths.PACKAGE
# Low to high. A module may import its own layer and the layers below; the TF 1.x testees import nothing of ours.
LAYERS = ["core", "savedmodel", "contract", "compat", "runtimes", "commands", "harness", "tools", "front"]
FRONT = {"cli", "pytest_plugin", "__main__"}        # the command line and the pytest plugin: the tool's faces
# What the faces of the tool may not import at all (the command line loads them only in the harness's commands).
NOT_FOR_THE_TOOL = ("tfinterop.harness", "tfinterop.tools")


def layer_of(module: str) -> str:
    part = module.split(".")[1] if module.count(".") else ""
    return "front" if part in FRONT else part


def module_name(path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path) -> list:
    """(line, imported module) for every import of tfinterop in the file, top-level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tfinterop":
            base = node.module
            for alias in node.names:            # `from tfinterop.compat import check`: the module is .compat.check
                candidate = f"{base}.{alias.name}"
                is_module = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").is_file()
                found.append((node.lineno, candidate if is_module else base))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "tfinterop"]
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "tf1_testees" not in p.parts)


def test_every_module_is_in_a_layer():
    assert {layer_of(module_name(p)) for p in SOURCES if module_name(p) != "tfinterop"} <= set(LAYERS)


def test_no_module_imports_a_higher_layer():
    reaching_up = []
    for path in SOURCES:
        here = module_name(path)
        if here == "tfinterop":
            continue
        for line, imported in imports_of(path):
            if imported == "tfinterop":
                continue
            if LAYERS.index(layer_of(imported)) > LAYERS.index(layer_of(here)):
                reaching_up.append(f"{path.relative_to(REPO)}:{line} ({layer_of(here)}) imports {imported} "
                                   f"({layer_of(imported)})")
    assert reaching_up == []


def test_the_pytest_plugin_never_imports_the_harness_or_the_tools():
    imported = [m for _, m in imports_of(PACKAGE / "pytest_plugin.py")]
    assert not [m for m in imported if m.startswith(NOT_FOR_THE_TOOL)], imported


def test_the_testees_of_old_pythons_import_nothing_of_the_package():
    for path in (PACKAGE / "harness" / "tf1_testees").glob("*.py"):
        assert imports_of(path) == [], path


@pytest.fixture(scope="module")
def tool_imports(tmp_path_factory, java_built):
    """`python -X importtime -m tfinterop COMMAND ...` in new interpreters, as a user starts them: the tfinterop
    modules each command imported."""
    tmp = tmp_path_factory.mktemp("imports")
    model, inputs = paths.GOLDEN / "compat-serve", paths.GOLDEN / "dtypes" / "inputs.npz"
    commands = {
        "check": ["check", model],
        "inspect": ["inspect", model],
        "verify": ["verify", model],
        "fix": ["fix", model, "--out", tmp / "fixed"],
        "predict": ["predict", paths.GOLDEN / "dtypes" / "model", "--runtime", "python", "--inputs", inputs,
                    "--outputs", tmp / "y.npz"],
    }

    def run(args):
        r = subprocess.run([sys.executable, "-X", "importtime", "-m", "tfinterop", *map(str, args)],
                           capture_output=True, text=True, cwd=REPO, timeout=600)
        names = [line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
        return r, [n for n in names if n.startswith("tfinterop")]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return dict(zip(commands, pool.map(run, commands.values())))


@pytest.mark.parametrize("command", ["check", "inspect", "verify", "fix", "predict"])
def test_the_tool_never_loads_the_harness(command, tool_imports):
    r, modules = tool_imports[command]
    assert r.returncode == 0, r.stderr[-2000:]
    assert "tfinterop.commands" in " ".join(modules) or command == "check", modules   # it did import the tool
    assert [m for m in modules if m.startswith(NOT_FOR_THE_TOOL)] == []


def test_every_runtime_is_a_row_with_its_capabilities():
    """A consumer is one row implementing the Runtime protocol: what it may do follows from its flags."""
    from tfinterop.harness import matrix
    from tfinterop.runtimes import registry
    rows = list(registry.CONSUMERS.values()) + list(registry.PRODUCERS.values())
    for row in rows:
        for attribute in ("name", "produces", "consumes", "fixable_for", "prepare"):
            assert hasattr(row, attribute), (row, attribute)
    assert all(registry.CONSUMERS[name].name == name for name in registry.CONSUMERS)
    # fix writes for every TF Java 1.x release (each dumped); the current TF Java's releases load TF 2.x as they are
    assert matrix.fix_targets(list(registry.CONSUMERS)) == [j.name for j in registry.JAVA_TENSORFLOWS if j.api == "1.x"]
    assert len(matrix.fix_targets(list(registry.CONSUMERS))) == 12


def test_the_java_core_knows_no_tf_java():
    """java-core/ is what the TF Java modules share: it imports nothing of org.tensorflow, and each module brings
    its own TfJavaRuntime (registered as the TfJava service) over its TF Java's API."""
    core = sorted((REPO / "java-core" / "src" / "main" / "java").rglob("*.java"))
    assert core and [p.name for p in core if "import org.tensorflow" in p.read_text()] == []
    for module in ("java", "java-current"):
        service = REPO / module / "src" / "main" / "resources" / "META-INF" / "services" / "org.tfinterop.TfJava"
        assert service.read_text().split() == ["org.tfinterop.TfJavaRuntime"]
        assert (REPO / module / "src" / "main" / "java" / "org" / "tfinterop" / "TfJavaRuntime.java").is_file()


def _module_aliases(nodes) -> dict:
    """{local name: tfinterop module} bound by the `from tfinterop... import` statements among `nodes`."""
    aliases = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tfinterop":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                folder = PACKAGE.parent / candidate.replace(".", "/")
                if folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file():
                    aliases[alias.asname or alias.name] = candidate
    return aliases


def _own_nodes(scope):
    """The nodes of a module or function, not those of the functions (and classes) inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def test_every_attribute_the_code_takes_from_a_module_of_the_package_exists():
    """`module.name` for every module of the package a file imports (at its top or inside a function): a name
    that moved to another module fails here, not in the one command line that reaches it."""
    import importlib
    missing = []
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        top = _module_aliases(_own_nodes(tree))
        scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            own = list(_own_nodes(scope))
            assigned = {n.id for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            if scope is not tree:
                assigned |= {a.arg for a in scope.args.args + scope.args.kwonlyargs}
            aliases = {k: v for k, v in top.items() if k not in assigned} | _module_aliases(own)
            for node in own:
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                    if not hasattr(importlib.import_module(aliases[node.value.id]), node.attr):
                        missing.append(f"{path.relative_to(REPO)}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    assert missing == []


def test_git_holds_no_build_outputs():
    """Compiled classes, jars and build folders are made by `make`, never committed (java-core/build/ once was)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    built = [p for p in tracked if "/build/" in f"/{p}" or p.endswith((".class", ".jar", ".pyc"))]
    assert not built, built[:10]
