"""Building a wheel also builds the Java modules and ships their jars as package data: tfinterop/java-lib/ holds
tfinterop's own 1.x module and TF Java 1.8.0's jars, as Gradle resolves them from Maven Central, so that an installed
tfinterop runs the default target with no checkout, no Gradle and no network; tfinterop/java-lib-current/ holds the
module for the current TF Java's API. Every other release's TF Java jars are fetched from Maven Central on first
use of its target (runtimes/jars.py). It ships the Java library as Maven artifacts too (tfinterop/maven-repo/, a
file repository: org.tfinterop:tfinterop-java and the others, with their POMs, sources and javadoc; TF Java itself
comes from Maven Central). Everything else is in pyproject.toml.
An editable install (a checkout, `make setup`) skips this: it uses java/build/install directly."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
JAVA_LIB = ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"
# The module for the current TF Java's API: its own jar and java-core's (TF Java's jars are fetched on first use).
JAVA_CURRENT_JARS = (ROOT / "java-current" / "build" / "libs" / "java-current.jar",
                     ROOT / "java-core" / "build" / "libs" / "java-core.jar")
MAVEN_REPO = ROOT / "build" / "maven-repo"


class BuildPyWithJava(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        print("tfinterop: building the Java modules (gradle :java:installDist :java-current:jar) to ship their jars "
              "in the wheel")
        subprocess.run([str(ROOT / "scripts" / "ensure-gradle.sh")], check=True)
        subprocess.run(["gradle", "--console=plain", "--quiet", "--no-daemon", ":java:installDist", ":java-current:jar"],
                       cwd=ROOT, check=True)
        current = Path(self.build_lib) / "tfinterop" / "java-lib-current"
        if current.exists():
            shutil.rmtree(current)
        current.mkdir(parents=True)
        for jar in JAVA_CURRENT_JARS:
            shutil.copy2(jar, current / jar.name)
        out = Path(self.build_lib) / "tfinterop" / "java-lib"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        jars = sorted(JAVA_LIB.glob("*.jar"))
        if not jars:
            raise SystemExit(f"gradle :java:installDist left no jars in {JAVA_LIB}")
        for jar in jars:
            shutil.copy2(jar, out / jar.name)
        print(f"tfinterop: {len(jars)} jars, {sum(j.stat().st_size for j in jars) / 1e6:.0f} MB, in the wheel")
        # Debian's Gradle 4.4.1 cannot publish to a file:// repository (no connector for it); its
        # publishToMavenLocal writes the same layout wherever maven.repo.local points.
        subprocess.run(["gradle", "--console=plain", "--quiet", "--no-daemon", "publishToMavenLocal",
                        f"-Dmaven.repo.local={MAVEN_REPO}"], cwd=ROOT, check=True)
        repo = Path(self.build_lib) / "tfinterop" / "maven-repo"
        if repo.exists():
            shutil.rmtree(repo)
        shutil.copytree(MAVEN_REPO / "org" / "tfinterop", repo / "org" / "tfinterop")
        poms = sorted(p.name for p in repo.rglob("*.pom"))
        if not list((repo / "org" / "tfinterop" / "tfinterop-java").glob("*/*.pom")):
            raise SystemExit(f"gradle publishToMavenLocal left no tfinterop-java POM in {MAVEN_REPO}: {poms}")
        print(f"tfinterop: the Maven repository ({', '.join(poms)}) in the wheel")


setup(cmdclass={"build_py": BuildPyWithJava})
