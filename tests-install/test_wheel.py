"""tfinterop as a user installs it: the wheel built from this checkout, installed with its pinned dependencies
into a new virtual environment, and run from a folder outside the checkout (`make test-install`; CI runs it
after `make test`). About 80 s: most of it is pip unpacking TensorFlow into the new environment."""

import os
import shutil
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from outside import run

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "fixtures" / "golden"

TF2_EXPORT = """
import sys
import tensorflow as tf
class Scale(tf.Module):
    def __init__(self):
        self.w = tf.Variable([[2.0]])
    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32)])
    def __call__(self, x):
        return {"y": tf.matmul(x, self.w)}
tf.saved_model.save(Scale(), sys.argv[1])
"""


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """(the new environment's bin folder, a working folder outside the checkout)."""
    root = tmp_path_factory.mktemp("install")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
        "--disable-pip-version-check", "-w", root / "wheel", REPO, cwd=root)
    [wheel] = (root / "wheel").glob("tfinterop-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    run(bin_dir / "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REPO / "requirements.txt", wheel,
        cwd=root)
    work = root / "work"
    work.mkdir()
    shutil.copytree(GOLDEN / "mixed", work / "mixed")
    run(bin_dir / "python", "-c", TF2_EXPORT, work / "tf2-module", cwd=work)
    return bin_dir, work


def test_the_wheel_carries_what_a_user_needs_and_nothing_of_the_checkout(installed):
    bin_dir, work = installed
    r = run(bin_dir / "python", "-c", "import tfinterop, tfinterop.core.paths as p; print(tfinterop.__file__); "
            "print(p.JAVA_LIB); print(sorted(x.name for x in p.JAVA_LIB.glob('*.jar'))); print(p.TARGETS)", cwd=work)
    package, java_lib, jars, targets = r.stdout.splitlines()
    assert "site-packages" in package and not package.startswith(str(REPO))
    assert java_lib.startswith(str(Path(package).parent)) and "libtensorflow_jni-1.8.0.jar" in jars
    assert targets.startswith(str(Path(package).parent))
    listed = run(bin_dir / "tfinterop", "targets", cwd=work)
    assert "java-tf-1.8.0" in listed.stdout
    java = run(bin_dir / "tfinterop", "java", cwd=work).stdout
    repo = Path(run(bin_dir / "tfinterop", "java", "--repository", cwd=work).stdout.strip())
    assert repo == Path(package).parent / "maven-repo" and f"Maven repository: {repo}" in java
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    for artifact in ("tfinterop-java", "tfinterop-java-core", "tfinterop-java-current"):
        assert f"org.tfinterop:{artifact}:{version}" in java
        for suffix in (".pom", ".jar", "-sources.jar", "-javadoc.jar"):
            assert (repo / "org" / "tfinterop" / artifact / version / f"{artifact}-{version}{suffix}").is_file()
    classpath = run(bin_dir / "tfinterop", "java", "--classpath", cwd=work).stdout.strip().split(os.pathsep)
    assert all(Path(j).is_file() and j.startswith(java_lib) for j in classpath), classpath
    assert {"java.jar", "java-core.jar", "libtensorflow_jni-1.8.0.jar"} <= {Path(j).name for j in classpath}
    harness_only = run(bin_dir / "tfinterop", "run", cwd=work, check=False)    # a clear refusal, not a traceback
    assert harness_only.returncode == 2 and "needs its checkout's fixtures" in harness_only.stderr
    assert "Traceback" not in harness_only.stderr


def test_verify_from_a_folder_outside_the_checkout(installed):
    """A model TF Java 1.8 serves agrees (exit 0); a tf.saved_model.save export does not load (exit 1), with
    TensorFlow's reason and check's findings."""
    bin_dir, work = installed
    ok = run(bin_dir / "tfinterop", "verify", "mixed/model", "--inputs", "mixed/inputs.npz", cwd=work)
    assert "AGREE" in ok.stdout and "probabilities: float32[20, 10] agrees" in ok.stdout
    bad = run(bin_dir / "tfinterop", "verify", "tf2-module", cwd=work, check=False)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Op type not registered 'StatefulPartitionedCall'" in bad.stdout and "check: op-not-registered" in bad.stdout
    check = run(bin_dir / "tfinterop", "check", "mixed/model", "--target", "java-tf-1.8.0", cwd=work)
    assert "loadable, no findings" in check.stdout


def test_a_users_pytest_file_holds_models_to_tf_java(installed):
    """The plugin as installed (its pytest11 entry point): one model TF Java 1.8 serves, one it rejects."""
    bin_dir, work = installed
    (work / "test_models.py").write_text(
        "def test_mixed(tfinterop):\n"
        "    tfinterop.assert_same_outputs('mixed/model', inputs='mixed/inputs.npz')\n\n"
        "def test_tf2_module(tfinterop):\n"
        "    tfinterop.assert_same_outputs('tf2-module')\n")
    r = run(bin_dir / "python", "-m", "pytest", "-p", "no:cacheprovider", "test_models.py", cwd=work, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout
    assert "test_tf2_module[target=java-tf-1.8.0]" in r.stdout
    assert "Op type not registered 'StatefulPartitionedCall'" in r.stdout


def test_a_gradle_project_takes_the_java_library_from_the_wheels_repository(installed):
    """examples/java's build, pointed at the file repository the wheel carries instead of ~/.m2, resolves
    org.tfinterop:tfinterop-java by its coordinates and compiles its JUnit 5 and JUnit 4 tests against it."""
    bin_dir, work = installed
    shutil.copytree(REPO / "examples" / "java", work / "java", ignore=shutil.ignore_patterns("build", "target", ".gradle"))
    repo = run(bin_dir / "tfinterop", "java", "--repository", cwd=work).stdout.strip()
    r = run("gradle", "--console=plain", "--no-daemon", "-PtfinteropRepo=" + repo, "testClasses", "dependencies",
            "--configuration", "testRuntimeClasspath", cwd=work / "java")
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert f"org.tfinterop:tfinterop-java:{version}" in r.stdout and "tfinterop-java-core" in r.stdout, r.stdout
    assert "FAILED" not in r.stdout, r.stdout
    assert (work / "java" / "build" / "classes" / "java" / "test" / "example" / "FixedKerasModelTest.class").is_file()
