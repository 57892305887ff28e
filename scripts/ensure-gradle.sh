#!/usr/bin/env bash
# Make sure a `gradle` command exists. These machines cannot download a Gradle distribution (so no
# wrapper); Debian's package (Gradle 4.4.1) is the one Gradle they can get, and the build works with it.
set -euo pipefail
if command -v gradle >/dev/null 2>&1; then
  exit 0
fi
echo "gradle not found: installing Debian's gradle package" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: gradle is missing and this user cannot run apt-get; install Gradle (4.4.1 or newer) and retry" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq gradle >/dev/null
gradle --version >/dev/null
