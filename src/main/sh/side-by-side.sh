#!/usr/bin/env bash
# Sirocco's engine beside llama.cpp on the same files, alternating runs, printing a markdown table of ratios.
#
#   LLAMA_BIN=/path/to/llama.cpp/build/bin bash src/main/sh/side-by-side.sh
#
# Environment (all optional but LLAMA_BIN):
#   LLAMA_BIN   directory holding your llama.cpp build's llama-bench and llama-batched-bench (required)
#   BENCH_DIR   where the bench-shape files are (made when missing, see QUANTIZER; default target/bench)
#   TYPES       files to compare (default "Q4_0 Q8_0 Q4_K_M IQ4_XS"; Q4_K_M and IQ4_XS are llama-quantize's mixes)
#   QUANTIZER   who makes a missing file: "llama" (default when $LLAMA_BIN/llama-quantize exists) writes the F32
#               bench shape once with the project's writer ($F32_FILE, default $BENCH_DIR/bench-F32.gguf, 3.2 GB)
#               and runs `llama-quantize [--pure for Q4_0] F32 OUT TYPE` (file bench-TYPE.llama-quantize.gguf);
#               "sirocco" writes bench-TYPE.gguf with `write-bench-model --type/--mix` (byte-identical mixes)
#   THREADS     thread counts (default "1 2")
#   ROUNDS      alternating rounds per file and thread count (default 3); each figure is the median of the rounds
#   BATCHED     "1" to also run 16 streams (llama-batched-bench -npl 16 beside bench's 16-stream figure; default 1)
# Each round runs llama.cpp then Sirocco (same file, same threads, one repetition each) so that a change in the
# machine's load hits both; the ratio is taken per round and the table shows the median ratio.
# The raw figures go to $BENCH_DIR/side-by-side-<time>.log.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
: "${LLAMA_BIN:?set LLAMA_BIN to your llama.cpp build/bin directory}"
BENCH_DIR=${BENCH_DIR:-target/bench}
TYPES=${TYPES:-"Q4_0 Q8_0 Q4_K_M IQ4_XS"}
THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-3}
BATCHED=${BATCHED:-1}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
"$JAVA" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || { echo "set JAVA_HOME to a JDK 25 or later" >&2; exit 2; }
[ -f target/classes/io/sirocco/engine/cli/EngineCli.class ] || ./mvnw -B -q compile
J="$JAVA --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp target/classes"
mkdir -p "$BENCH_DIR"
LOG="$BENCH_DIR/side-by-side-$(date -u +%Y%m%dT%H%M%S).log"
log() { echo "$*" | tee -a "$LOG" >&2; }

QUANTIZER=${QUANTIZER:-$([ -x "$LLAMA_BIN/llama-quantize" ] && echo llama || echo sirocco)}
F32_FILE=${F32_FILE:-$BENCH_DIR/bench-F32.gguf}

file_for() { # the bench-shape file of a type or mix, made once
  local f opt
  if [ "$QUANTIZER" = llama ]; then
    f="$BENCH_DIR/bench-$1.llama-quantize.gguf"
    if [ ! -f "$f" ]; then
      if [ ! -f "$F32_FILE" ]; then
        log "writing $F32_FILE"
        $J io.sirocco.engine.cli.EngineCli write-bench-model --type F32 --out "$F32_FILE" >&2
      fi
      log "llama-quantize $F32_FILE -> $f ($1)"
      "$LLAMA_BIN/llama-quantize" $([ "$1" = Q4_0 ] && echo --pure) "$F32_FILE" "$f" "$1" "$(nproc)" >>"$LOG" 2>&1
    fi
  else
    f="$BENCH_DIR/bench-$1.gguf"
    if [ ! -f "$f" ]; then
      case "$1" in Q4_K_M|IQ4_XS|Q5_K_M|Q3_K_M|Q2_K|Q6_K) opt="--mix $1" ;; *) opt="--type $1" ;; esac
      log "writing $f"
      $J io.sirocco.engine.cli.EngineCli write-bench-model $opt --out "$f" >&2
    fi
  fi
  echo "$f"
}

# llama-bench's mean tokens/s of its pp and tg tests (jsonl lines with n_prompt, n_gen, avg_ts)
llama_pp_tg() { # file threads prompt gen -> "pp tg"
  "$LLAMA_BIN/llama-bench" -m "$1" -t "$2" -p "$3" -n "$4" -r 1 -o jsonl 2>>"$LOG" | python3 -c '
import json, sys
pp = tg = "nan"
for line in sys.stdin:
    r = json.loads(line)
    if r["n_gen"] == 0: pp = r["avg_ts"]
    else: tg = r["avg_ts"]
print(pp, tg)'
}

llama_batched16() { # file threads -> aggregate decode tok/s at 16 sequences (128-token prompts, 64 tokens each)
  [ -x "$LLAMA_BIN/llama-batched-bench" ] || { echo nan; return; }
  "$LLAMA_BIN/llama-batched-bench" -m "$1" -t "$2" -c 4096 -npp 128 -ntg 64 -npl 16 --output-format jsonl 2>>"$LOG" \
    | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        print(json.loads(line)["speed_tg"])'
}

sirocco() { # file threads prompt gen streams -> the bench JSON
  $J io.sirocco.engine.cli.EngineCli bench -m "$1" -t "$2" -p "$3" -n "$4" -r 1 --streams "$5" --stream-mib 0 --json 2>>"$LOG"
}

ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print(a / b if b > 0 else "nan")' "$1" "$2"; }

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

median() { python3 -c 'import sys, statistics; v=[float(x) for x in sys.argv[1:] if x not in ("nan","")]; print(f"{statistics.median(v):.2f}" if v else "n/a")' "$@"; }

log "side by side, $(date -u), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
log "llama.cpp: $LLAMA_BIN (commit $(git -C "$LLAMA_BIN" rev-parse --short HEAD 2>/dev/null || echo unknown))"
log "files made by: $QUANTIZER"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ROWS=()
for type in $TYPES; do
  f=$(file_for "$type")
  for t in $THREADS; do
    declare -a r_dec=() r_pp=() r_pp512=() r_b16=() r_scale=() l_dec=() s_dec=() l_pp=() s_pp=() l_b=() s_b=() s_b16x=()
    for round in $(seq "$ROUNDS"); do
      read -r lpp ltg < <(llama_pp_tg "$f" "$t" 128 64)
      sj=$(sirocco "$f" "$t" 128 64 "$([ "$BATCHED" = 1 ] && echo 16 || echo '')")
      spp=$(echo "$sj" | json 'd["prefill_tokens_per_s"]')
      stg=$(echo "$sj" | json 'd["decode_tokens_per_s"]')
      read -r lpp512 _ < <(llama_pp_tg "$f" "$t" 512 0)
      spp512=$($J io.sirocco.engine.cli.EngineCli bench -m "$f" -t "$t" -p 512 -n 1 -r 1 --streams "" --stream-mib 0 --json 2>>"$LOG" | json 'd["prefill_tokens_per_s"]')
      log "$type t=$t round $round: llama pp128 $lpp tg64 $ltg pp512 $lpp512 | sirocco pp128 $spp tg64 $stg pp512 $spp512 ($(echo "$sj" | json 'd["kernels"]')) | load $(cut -d' ' -f1 /proc/loadavg)"
      l_dec+=("$ltg"); s_dec+=("$stg"); l_pp+=("$lpp"); s_pp+=("$spp")
      r_dec+=("$(ratio "$stg" "$ltg")"); r_pp+=("$(ratio "$spp" "$lpp")")
      r_pp512+=("$(ratio "$spp512" "$lpp512")")
      if [ "$BATCHED" = 1 ]; then
        lb=$(llama_batched16 "$f" "$t")
        sb=$(echo "$sj" | json 'd["batched"][0]["decode_tokens_per_s"]')
        log "$type t=$t round $round: 16 streams llama-batched-bench $lb | sirocco $sb"
        l_b+=("$lb"); s_b+=("$sb")
        r_b16+=("$(ratio "$sb" "$lb")"); s_b16x+=("$(ratio "$sb" "$stg")")
      fi
    done
    ROWS+=("| $type | $t | $(median "${l_dec[@]}") / $(median "${s_dec[@]}") | **$(median "${r_dec[@]}")×** | $(median "${l_pp[@]}") / $(median "${s_pp[@]}") | **$(median "${r_pp[@]}")×** | **$(median "${r_pp512[@]}")×** | $([ "$BATCHED" = 1 ] && echo "$(median "${l_b[@]}") / $(median "${s_b[@]}") | **$(median "${r_b16[@]}")×** | $(median "${s_b16x[@]}")×" || echo "— | — | —") |")
  done
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo
  echo "| file | threads | decode tg64 tok/s llama.cpp / Sirocco | decode ratio | prefill pp128 llama.cpp / Sirocco | pp128 ratio | pp512 ratio | 16 streams tok/s llama-batched-bench / Sirocco | 16-stream ratio | Sirocco 16 streams ÷ single |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Ratios are Sirocco ÷ llama.cpp, the median over $ROUNDS alternating rounds; raw figures in $LOG."
} | tee -a "$LOG"
