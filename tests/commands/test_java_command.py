"""`tfinterop java`: where the Java library is, as Maven artifacts (a file repository: the wheel's, or the
checkout's build/maven-repo after `make maven-local`) and as jars for `java -cp`. The repository is pointed at
a folder of the test's own (TFINTEROP_MAVEN_REPO, read when the package is imported: a new interpreter each)."""

import os
import sys
import subprocess

from conftest import REPO, cli
from tfinterop.core import paths


def java_command(*args, repo):
    env = dict(os.environ, TFINTEROP_MAVEN_REPO=str(repo))
    return subprocess.run([sys.executable, "-m", "tfinterop", "java", *args], capture_output=True, text=True,
                          env=env, cwd=REPO)


def test_the_classpath_is_the_java_librarys_jars_with_tf_javas(java_built):
    r = cli("java", "--classpath")
    assert r.returncode == 0, r.stderr
    jars = r.stdout.strip().split(os.pathsep)
    assert jars == [str(j) for j in sorted(paths.JAVA_LIB.glob("*.jar"))]
    assert {"java.jar", "java-core.jar", "libtensorflow_jni-1.8.0.jar"} <= {os.path.basename(j) for j in jars}


def test_the_repository_and_its_artifacts_are_listed(tmp_path, java_built):
    for artifact, version in (("tfinterop-java", "9.9.1"), ("tfinterop-java-current", "9.9.1")):
        folder = tmp_path / "org" / "tfinterop" / artifact / version
        folder.mkdir(parents=True)
        (folder / f"{artifact}-{version}.pom").write_text("<project/>")
    r = java_command(repo=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"Maven repository: {tmp_path}\n" in r.stdout
    assert "  org.tfinterop:tfinterop-java:9.9.1\n  org.tfinterop:tfinterop-java-current:9.9.1\n" in r.stdout
    assert f"maven {{ url '{tmp_path.as_uri()}' }}" in r.stdout and f"<url>{tmp_path.as_uri()}</url>" in r.stdout
    assert "classpath (java -cp" in r.stdout
    assert java_command("--repository", repo=tmp_path).stdout == f"{tmp_path}\n"


def test_no_repository_is_java_module_missing_and_the_classpath_still_prints(tmp_path, java_built):
    r = java_command(repo=tmp_path / "none")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"error: java-module-missing: no Maven repository of the Java library at {tmp_path / 'none'} "
                        f"(no org/tfinterop/*.pom); run `make maven-local`\n")
    assert java_command("--repository", repo=tmp_path / "none").returncode == 2
    assert java_command("--classpath", repo=tmp_path / "none").returncode == 0
