"""`python -m tfinterop.tools.lock_jars`: writes runtimes/tf-java-jars.json, the jars of every TF Java release
of the runtime registry, as Maven resolves each release's artifacts with their dependencies (linux-x86_64 for the
current TF Java's native library), with each jar's size and SHA-256. A user's copy fetches exactly these on
first use of a target (runtimes/jars.py) and checks each against its SHA-256. Run it after adding a release to
registry.TF_JAVA_RELEASES; it needs Maven (`mvn`) and Maven Central."""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tfinterop.core.atomic import write_atomically
from tfinterop.core.errors import JarsUnavailableError
from tfinterop.runtimes import jars, registry


def resolve_with_maven(name: str, roots: tuple, repository: Path) -> list:
    """Maven's answer for these top-level coordinates: every jar (runtime scope), sorted by file name."""
    deps = []
    for coordinates in roots:
        group, artifact, version, *classifier = coordinates.split(":")
        deps.append(f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}"
                    f"</version>" + (f"<classifier>{classifier[0]}</classifier>" if classifier else "") + "</dependency>")
    with tempfile.TemporaryDirectory(prefix="tfinterop-lock-") as scratch:
        pom, listing = Path(scratch) / "pom.xml", Path(scratch) / "list.txt"
        pom.write_text("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
                       f"<groupId>tfinterop.lock</groupId><artifactId>{name}</artifactId><version>0</version>"
                       f"<packaging>pom</packaging><dependencies>{''.join(deps)}</dependencies></project>\n")
        proc = subprocess.run(["mvn", "--batch-mode", "--strict-checksums", "--no-transfer-progress", "-f", str(pom),
                               f"-Dmaven.repo.local={repository}", jars.PLUGIN + ":list", "-DincludeScope=runtime",
                               "-DoutputAbsoluteArtifactFilename=true", f"-DoutputFile={listing}"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise JarsUnavailableError(f"mvn dependency:list for {name} exited {proc.returncode}: "
                                       f"{proc.stdout.strip()[-1500:]}")
        rows = []
        for line in listing.read_text().splitlines():
            # group:artifact:jar[:classifier]:version:scope:/absolute/path.jar (the path may hold ':' only on Windows)
            found = re.match(r"^\s+([^:\s]+):([^:]+):jar:(?:([^:]+):)?([^:]+):(compile|runtime):(.+\.jar)", line)
            if not found:
                continue
            group, artifact, classifier, version, _, path = found.groups()
            coordinates = ":".join([group, artifact, version] + ([classifier] if classifier else []))
            path = Path(path.split(" ")[0])
            rows.append({"coordinates": coordinates, "file": path.name, "size": path.stat().st_size,
                         "sha256": jars.sha256(path)})
    return sorted(rows, key=lambda r: r["file"])


def main(argv=None) -> int:
    repository = jars.maven_repository()
    targets = {}
    for release in registry.JAVA_TENSORFLOWS:
        rows = resolve_with_maven(release.name, release.maven, repository)
        targets[release.name] = {"maven": list(release.maven), "jars": rows}
        print(f"lock: {release.name}: {len(rows)} jars, {sum(r['size'] for r in rows) / 1e6:.1f} MB", file=sys.stderr)
    doc = {"written_by": "python -m tfinterop.tools.lock_jars (Maven's dependency:list, runtime scope; SHA-256 of "
                         "each jar as Maven fetched it with strict checksums)", "targets": targets}
    text = json.dumps(doc, indent=1) + "\n"
    write_atomically(jars.LOCK, lambda f: f.write(text.encode()), "the lock")
    print(f"lock: wrote {jars.LOCK}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
