#!/usr/bin/env bash
# Make sure an `mvn` command exists: `make test-install` and `make examples` build a user's Maven project.
# Debian's package (Maven 3.8.7 on bookworm) when it is missing, as scripts/ensure-gradle.sh does for Gradle.
set -euo pipefail
if command -v mvn >/dev/null 2>&1; then
  exit 0
fi
echo "mvn not found: installing Debian's maven package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: mvn is missing and this user cannot run apt-get; install Maven 3 and retry" >&2; exit 1; }
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq maven >/dev/null
mvn --version >/dev/null
