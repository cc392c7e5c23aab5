#!/bin/sh
# Remakes the bench-shape goldens of src/test/resources/golden/mixes (bench-<MIX>-P1.json, checked by
# GoldenMixesTest with -Dsirocco.bench-mixes=WORK_DIR) with the pinned llama.cpp (golden README: commit
# c392e50). The F32 model (issue 7's bench shape, 8 experts, 791 M parameters, 3.2 GB) comes from the
# project's own writer; llama-quantize makes each mix from it; the i-quants use an importance matrix
# that llama-imatrix collects on the F32 model over imatrix-text.txt (this folder); logits_dump.cpp
# (the parent folder) runs the golden pack's procedure (1 thread, F32 KV cache, P1, 24 greedy steps).
# The model files stay in WORK_DIR (about 7 GB); they are not committed.
# Usage (repository root, after ./mvnw compile): make-bench-goldens.sh LLAMA_DIR WORK_DIR [MIX ...]
set -e
LLAMA=$1; WORK=$2; shift 2
MIXES=${*:-"Q4_K_M Q5_K_M Q3_K_M Q2_K IQ4_XS Q6_K IQ3_XXS IQ2_XS"}
OUT=src/test/resources/golden/mixes; HERE=src/test/golden-recipes
BIN="$LLAMA/build/bin"; THREADS=${THREADS:-2}
mkdir -p "$WORK"
[ -x "$WORK/logits_dump" ] || g++ -O2 -std=c++17 -o "$WORK/logits_dump" $HERE/logits_dump.cpp -I"$LLAMA/include" \
    -I"$LLAMA/ggml/include" -L"$BIN" -lllama -lggml -lggml-base -Wl,-rpath,"$BIN"
[ -f "$WORK/bench-F32.gguf" ] || java --add-modules=jdk.incubator.vector -cp ${CLASSES:-target/classes} \
    io.sirocco.engine.cli.EngineCli write-bench-model --type F32 --out "$WORK/bench-F32.gguf"
P1=1,415,2936,9060,285,1142,461,10575,754,272,17898,3914,28723
for m in $MIXES; do
  case $m in
    IQ*_XXS|IQ*_XS|IQ*_S|IQ*_M)
      [ "$m" = IQ4_XS ] && IMATRIX="" || {
        [ -f "$WORK/bench.imatrix" ] || "$BIN/llama-imatrix" -m "$WORK/bench-F32.gguf" \
            -f $HERE/bench/imatrix-text.txt -o "$WORK/bench.imatrix" -c 128 --chunks 3 -t "$THREADS" --no-ppl
        IMATRIX="--imatrix $WORK/bench.imatrix"; } ;;
    *) IMATRIX="" ;;
  esac
  [ -f "$WORK/bench-$m.gguf" ] || "$BIN/llama-quantize" $IMATRIX "$WORK/bench-F32.gguf" "$WORK/bench-$m.gguf" $m "$THREADS"
  sha256sum "$WORK/bench-$m.gguf"
  "$WORK/logits_dump" "$WORK/bench-$m.gguf" $P1 "$WORK/bench-$m-P1"
  cp "$WORK/bench-$m-P1.json" "$OUT/"
done
