"""Building a wheel also builds the Java module and ships its jars as package data (tfinterop/java-lib/):
tfinterop's own jar and TF Java 1.8.0's, as Gradle resolves them from Maven Central, so that an installed
tfinterop runs TF Java with no checkout, no Gradle and no network. It ships the Java library as Maven artifacts
too (tfinterop/maven-repo/, a file repository: org.tfinterop:tfinterop-java and the others, with their POMs,
sources and javadoc; TF Java itself comes from Maven Central). Everything else is in pyproject.toml.
An editable install (a checkout, `make setup`) skips this: it uses java/build/install directly."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
JAVA_LIB = ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"
MAVEN_REPO = ROOT / "build" / "maven-repo"


class BuildPyWithJava(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        print("tfinterop: building the Java module (gradle :java:installDist) to ship its jars in the wheel")
        subprocess.run([str(ROOT / "scripts" / "ensure-gradle.sh")], check=True)
        subprocess.run(["gradle", "--console=plain", "--quiet", "--no-daemon", ":java:installDist"], cwd=ROOT, check=True)
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
