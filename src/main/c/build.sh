#!/bin/sh
# Builds libsirocco once per ISA target into $1 (called by the Maven build; see pom.xml).
# Without gcc, or on failure, it builds nothing and the engine falls back to JavaKernels.
OUT="$1"
SRCS=$(ls "$(dirname "$0")"/*.c) # every C file goes into each variant
HDRS=$(ls "$(dirname "$0")"/*.h) # and a changed header rebuilds them
CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "libsirocco: $CC not found, skipping native kernels (Java kernels will be used)"
  exit 0
fi
OS=$(uname -s | tr 'A-Z' 'a-z')
ARCH=$(uname -m)
case "$ARCH" in amd64) ARCH=x86_64 ;; arm64) ARCH=aarch64 ;; esac
DIR="$OUT/io/sirocco/engine/native/$OS-$ARCH"
mkdir -p "$DIR"
FLAGS="-O3 -shared -fPIC -ffast-math -fno-finite-math-only -std=c11 -Wall"
build() { # name, extra flags
  stale=no
  for f in $SRCS $HDRS "$0"; do [ "$DIR/libsirocco-$1.so" -nt "$f" ] || stale=yes; done
  if [ $stale = no ]; then return; fi
  if ! $CC $FLAGS $2 -o "$DIR/libsirocco-$1.so" $SRCS; then
    echo "libsirocco: $1 variant failed to build"; rm -f "$DIR/libsirocco-$1.so"
  fi
}
if [ "$ARCH" = x86_64 ]; then
  build generic "-march=x86-64 -mtune=generic"
  build avx2 "-march=x86-64 -mtune=generic -mavx2 -mfma -mf16c"
  build avx512vnni "-march=x86-64 -mtune=generic -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni"
  build avx512vbmi "-march=x86-64 -mtune=generic -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512vbmi"
else
  build generic ""
fi
exit 0
