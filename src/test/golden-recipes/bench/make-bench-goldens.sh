#!/bin/sh
# Remakes goldens of src/test/resources/golden/mixes for files that llama-quantize makes
# (<MODEL>-<MIX>-P1.json, checked by GoldenMixesTest with -Dsirocco.bench-mixes=WORK_DIR) with the pinned
# llama.cpp (golden README: commit c392e50). MODEL is bench (issue 7's bench shape, 8 experts, 791 M
# parameters, 3.2 GB in F32; the default) or moe-a (the golden pack's). The F32 model comes from the
# project's own writer; llama-quantize makes each mix from it; the i-quants use an importance matrix that
# llama-imatrix collects on the F32 model over imatrix-text.txt (this folder); logits_dump.cpp (the
# parent folder) runs the golden pack's procedure (1 thread, F32 KV cache, P1, 24 greedy steps).
# The model files stay in WORK_DIR (about 7 GB for bench); they are not committed.
# Usage (repository root, after ./mvnw compile): [MODEL=moe-a] make-bench-goldens.sh LLAMA_DIR WORK_DIR [MIX ...]
# At load ~30 on 2 cores: bench F32 4 min, imatrix 4 min, llama-quantize IQ3_XXS 45 min (IQ2_XS ~2 h).
# At load 15-20 (2026-11-29): each k-quant mix and IQ4_XS 4-5 min; IQ2_XS and IQ3_S 8-10 min per layer (8 layers).
# Q4_K_M and IQ4_XS remade with a different llama.cpp build move its top-10 logits by up to 0.08 / 0.15.
set -e
LLAMA=$1; WORK=$2; shift 2
MODEL=${MODEL:-bench}
MIXES=${*:-"Q4_K_M Q5_K_M Q3_K_M Q2_K IQ4_XS Q6_K IQ3_XXS IQ2_XS"}
OUT=src/test/resources/golden/mixes; HERE=src/test/golden-recipes
BIN="$LLAMA/build/bin"; THREADS=${THREADS:-2}
mkdir -p "$WORK"
[ -x "$WORK/logits_dump" ] || g++ -O2 -std=c++17 -o "$WORK/logits_dump" $HERE/logits_dump.cpp -I"$LLAMA/include" \
    -I"$LLAMA/ggml/include" -L"$BIN" -lllama -lggml -lggml-base -Wl,-rpath,"$BIN"
[ -f "$WORK/$MODEL-F32.gguf" ] || java --add-modules=jdk.incubator.vector -cp ${CLASSES:-target/classes} \
    io.sirocco.engine.cli.EngineCli write-golden-model --model $MODEL --type F32 --out "$WORK/$MODEL-F32.gguf"
P1=1,415,2936,9060,285,1142,461,10575,754,272,17898,3914,28723
for m in $MIXES; do
  case $m in
    IQ*_XXS|IQ*_XS|IQ*_S|IQ*_M)
      [ "$m" = IQ4_XS ] && IMATRIX="" || {
        [ -f "$WORK/$MODEL.imatrix" ] || "$BIN/llama-imatrix" -m "$WORK/$MODEL-F32.gguf" \
            -f $HERE/bench/imatrix-text.txt -o "$WORK/$MODEL.imatrix" -c 128 --chunks 3 -t "$THREADS" --no-ppl
        IMATRIX="--imatrix $WORK/$MODEL.imatrix"; } ;;
    *) IMATRIX="" ;;
  esac
  [ -f "$WORK/$MODEL-$m.gguf" ] || "$BIN/llama-quantize" $IMATRIX "$WORK/$MODEL-F32.gguf" "$WORK/$MODEL-$m.gguf" $m "$THREADS"
  sha256sum "$WORK/$MODEL-$m.gguf"
  "$WORK/logits_dump" "$WORK/$MODEL-$m.gguf" $P1 "$WORK/$MODEL-$m-P1"
  cp "$WORK/$MODEL-$m-P1.json" "$OUT/"
done
