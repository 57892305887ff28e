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


@pytest.fixture(scope="session")
def fresh_cache(tmp_path_factory):
    """A user's cache with nothing in it yet: TF Java's jars (and Maven's plugins) are fetched on first use."""
    return {"TFINTEROP_CACHE": str(tmp_path_factory.mktemp("user-cache"))}


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


def test_verify_in_tensorflow_js_from_the_wheel(installed):
    """The JavaScript consumer from the wheel: its Node worker and npm lockfile are package data, and its packages and
    converter are installed on first use (into the cache); the TF2 export agrees in tfjs, and the mixed model says
    which outputs tfjs cannot fetch."""
    bin_dir, work = installed
    ok = run(bin_dir / "tfinterop", "verify", "tf2-module", "--target", "js-tfjs-4.22.0", cwd=work)
    assert "python-tf-2.21.0 vs js-tfjs-4.22.0: AGREE" in ok.stdout, ok.stdout + ok.stderr
    bad = run(bin_dir / "tfinterop", "verify", "mixed/model", "--target", "js-tfjs-4.22.0", cwd=work, check=False)
    assert bad.returncode == 1 and "cannot fetch label (int64), score (float64)" in bad.stdout, bad.stdout + bad.stderr


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


def test_other_releases_from_the_wheel_fetch_their_jars_on_first_use(installed, fresh_cache):
    """verify --target for a TF Java 1.x release and for the current TF Java, from the installed copy: the jars are
    fetched with Maven into the (empty) cache on first use, said with their size, checked, and found the next time;
    no Gradle, no checkout. tf2-module (tf.saved_model.save) is what TF 2.18 serves as it is."""
    bin_dir, work = installed
    first = run(bin_dir / "tfinterop", "verify", "mixed/model", "--inputs", "mixed/inputs.npz", "--target",
                "java-tf-1.15.0", cwd=work, extra_env=fresh_cache)
    assert "AGREE" in first.stdout and "python-tf-2.21.0 vs java-tf-1.15.0" in first.stdout
    assert "java-tf-1.15.0: first use: fetching java-tf-1.15.0's 5 jars (148.1 MB) from Maven Central" in first.stderr
    assert "fetched and checked in" in first.stderr
    print(first.stderr)            # the first-use line and its time (pytest -s shows them)
    again = run(bin_dir / "tfinterop", "verify", "mixed/model", "--inputs", "mixed/inputs.npz", "--target",
                "java-tf-1.15.0", cwd=work, extra_env=fresh_cache)
    assert "first use" not in again.stderr and "AGREE" in again.stdout
    current = run(bin_dir / "tfinterop", "verify", "tf2-module", "--target", "java-tf-2.18.0", cwd=work,
                  extra_env=fresh_cache)
    assert "python-tf-2.21.0 vs java-tf-2.18.0: AGREE" in current.stdout, current.stdout
    print(current.stderr)
    listed = run(bin_dir / "tfinterop", "targets", cwd=work, extra_env=fresh_cache).stdout
    assert "java-tf-1.15.0  TensorFlow 1.15.0 (TF Java org.tensorflow:tensorflow:1.15.0; jars in the cache)" in listed
    assert "java-tf-1.12.0  TensorFlow 1.12.0 (TF Java org.tensorflow:tensorflow:1.12.0; jars fetched on first use" \
        in listed
    plugin = work / "test_release.py"
    plugin.write_text("def test_mixed(tfinterop):\n"
                      "    tfinterop.assert_same_outputs('mixed/model', inputs='mixed/inputs.npz')\n")
    r = run(bin_dir / "python", "-m", "pytest", "-p", "no:cacheprovider", "test_release.py", "--tfinterop-target",
            "java-tf-1.15.0", cwd=work, extra_env=fresh_cache, check=False)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout + r.stderr


def test_inspect_and_predict_in_java_from_the_wheel(installed):
    bin_dir, work = installed
    python = run(bin_dir / "tfinterop", "inspect", "mixed/model", cwd=work).stdout
    java = run(bin_dir / "tfinterop", "inspect", "mixed/model", "--runtime", "java", cwd=work).stdout
    assert java == python and "signature_def['serving_default']" in java
    run(bin_dir / "tfinterop", "predict", "mixed/model", "--runtime", "java", "--inputs", "mixed/inputs.npz",
        "--outputs", "y.npz", "--overwrite", cwd=work)
    assert (work / "y.npz").is_file()


def test_a_target_whose_jars_cannot_be_fetched_says_why(installed, tmp_path):
    """Offline (Maven pointed at a mirror on a closed local port) and without Maven: a typed error naming the
    release, its size and what to do; never REFUSED, never a traceback."""
    bin_dir, work = installed
    settings = tmp_path / "settings.xml"
    settings.write_text("<settings><mirrors><mirror><id>offline</id><mirrorOf>*</mirrorOf>"
                        "<url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>\n")
    env = {"TFINTEROP_CACHE": str(tmp_path / "cache"), "TFINTEROP_MAVEN_SETTINGS": str(settings)}
    offline = run(bin_dir / "tfinterop", "verify", "mixed/model", "--target", "java-tf-1.12.0", cwd=work,
                  extra_env=env, check=False)
    assert offline.returncode == 1, offline.stdout + offline.stderr
    assert "error: jars-unavailable: could not fetch java-tf-1.12.0's 5 jars (81.2 MB) from Maven Central" \
        in offline.stderr, offline.stderr
    assert "REFUSED" not in offline.stdout + offline.stderr and "Traceback" not in offline.stderr
    assert not (tmp_path / "cache" / "tf-java" / "java-tf-1.12.0").exists()      # nothing half-fetched in place
    no_maven = run(bin_dir / "tfinterop", "verify", "mixed/model", "--target", "java-tf-1.12.0", cwd=work,
                   extra_env={**env, "TFINTEROP_MVN": str(tmp_path / "no-such-mvn")}, check=False)
    assert no_maven.returncode == 1 and "error: jars-unavailable:" in no_maven.stderr, no_maven.stderr


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
