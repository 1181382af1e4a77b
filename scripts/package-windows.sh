#!/usr/bin/env bash
# Builds the Windows download: target/dist/racecraft-<version>-windows-x86_64.zip holding racecraft.exe (stripped of
# its line tables), the README, Racecraft's licence, and the licence and provenance of the circuit data built into
# the exe. Prints the sizes.
# Cross-builds with the Windows target and mingw-w64 (scripts/deps.sh --windows installs them); a missing one fails.
# Usage: scripts/package-windows.sh [--no-build]   (--no-build: package the racecraft.exe already built)
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "package-windows: FAILED: $*" >&2; exit 1; }
build=true
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    *) fail "unknown option $arg (--no-build)" ;;
  esac
done
exe=target/x86_64-pc-windows-gnu/release/racecraft.exe
if $build; then
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 \
    || fail "no x86_64-w64-mingw32-gcc: install Debian's gcc-mingw-w64-x86-64 (scripts/deps.sh --windows)"
  cargo build --release --locked -p racecraft --target x86_64-pc-windows-gnu
fi
[ -f "$exe" ] || fail "no $exe: build it first (without --no-build)"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || fail "no workspace version in Cargo.toml"
name="racecraft-$version-windows-x86_64"
command -v x86_64-w64-mingw32-strip >/dev/null 2>&1 \
  || fail "no x86_64-w64-mingw32-strip: install Debian's binutils-mingw-w64-x86-64 (scripts/deps.sh --windows)"
mkdir -p target/dist
stripped=target/dist/racecraft.exe
x86_64-w64-mingw32-strip -o "$stripped" "$exe"
zip="target/dist/$name.zip"
rm -f "$zip"
python3 - "$zip" "$name" "$stripped" <<'PY'
import sys, zipfile
zip_path, name, exe = sys.argv[1:]
files = [
    (exe, "racecraft.exe"),
    ("README.md", "README.md"),
    ("LICENSE", "LICENSE.txt"),
    ("crates/sim/tracks/LICENSE", "licenses/tracks-LICENSE.txt"),
    ("crates/sim/tracks/PROVENANCE.md", "licenses/tracks-PROVENANCE.md"),
]
with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for source, inside in files:
        z.write(source, f"{name}/{inside}")
with zipfile.ZipFile(zip_path) as z:
    bad = z.testzip()
    assert bad is None, f"corrupt member {bad}"
PY
mib() { python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 2**20:.1f} MiB')" "$1"; }
echo "racecraft.exe: $(mib "$stripped") ($(mib "$exe") before strip); $zip: $(mib "$zip")"
