#!/bin/sh
# Remakes the goldens of src/test/resources/golden/mixes (GoldenMixesTest) with the pinned llama.cpp
# (golden README: commit c392e50, Release, GGML_CPU_AARCH64=OFF). The F32 model comes from the project's
# own writer; llama-quantize makes each mix (no importance matrix); logits_dump.cpp (this folder) runs
# the pack's procedure. Usage: make-mix-goldens.sh LLAMA_DIR WORK_DIR   (run from the repository root
# after ./mvnw compile).
set -e
LLAMA=$1; WORK=$2; OUT=src/test/resources/golden/mixes
mkdir -p "$WORK"
g++ -O2 -std=c++17 -o "$WORK/logits_dump" src/test/golden-recipes/logits_dump.cpp -I"$LLAMA/include" \
    -I"$LLAMA/ggml/include" -L"$LLAMA/build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$LLAMA/build/bin"
java --add-modules=jdk.incubator.vector -cp target/classes io.sirocco.engine.cli.EngineCli \
    write-golden-model --model moe-a --type F32 --out "$WORK/moe-a-F32.gguf"
P1=1,415,2936,9060,285,1142,461,10575,754,272,17898,3914,28723
P2=$(sed -n 's/^    P2 = \[\(.*\)\]$/\1/p' src/test/resources/golden/README.md | tr -d ' ')
[ -n "$P2" ] || { echo "set P2 from golden README section 8"; exit 1; }
for m in Q4_K_M Q5_K_M Q3_K_M Q2_K IQ4_XS Q6_K; do
  "$LLAMA/build/bin/llama-quantize" "$WORK/moe-a-F32.gguf" "$WORK/moe-a-$m.gguf" $m 1 >/dev/null 2>&1
  sha256sum "$WORK/moe-a-$m.gguf"   # files.json records these
  "$WORK/logits_dump" "$WORK/moe-a-$m.gguf" $P1 "$OUT/moe-a-$m-P1"
  "$WORK/logits_dump" "$WORK/moe-a-$m.gguf" $P2 "$WORK/moe-a-$m-P2" && mv "$WORK/moe-a-$m-P2.json" "$OUT/"
done
