#!/bin/sh
# Checks zmm.c (the avx512vbmi build's Q8_0/Q4_0 kernels) on a CPU WITHOUT AVX-512: compiles it against SIMDe's
# portable AVX-512 (Debian: apt install libsimde-dev) and compares it with sirocco.c's AVX2 kernels and an exact
# double-precision sum (|error| ≤ 1e-5·Σ|terms|), every token alone vs in its batch (same bits), and partial
# last groups under AddressSanitizer (no read past a row). On an AVX-512 VBMI CPU, KernelsTest runs the real thing.
set -e
D=$(dirname "$0"); C="$D/../../main/c"; O=${TMPDIR:-/tmp}/zmm-check
mkdir -p "$O"
F="-O1 -g -fsanitize=address -std=gnu11 -march=x86-64 -mavx2 -mfma -mf16c"
gcc $F -c -o "$O/zmm_simde.o" "$D/zmm_simde.c"
gcc $F -o "$O/zmm_check" "$D/zmm_check.c" "$O/zmm_simde.o" "$C/sirocco.c" "$C/kquants.c" -lm
ASAN_OPTIONS=detect_leaks=0 "$O/zmm_check"
