#!/bin/bash
# The per-step baseline: run EXE N times in DIR with road_runner's RR_* step environment,
# stdout/stderr to per-step files, one JSON line appended to steps.ldjson per step.
#   bash bench/lib/bashLoop.sh EXE DIR N
set -u
exe=$1 dir=$2 n=$3
mkdir -p "$dir/stdout" "$dir/stderr"
cd "$dir" || exit 2
export RR_RUN_ID=rr-bench RR_SUBRUN_ID=rr-bench-s1 RR_UNIT=BENCH RR_SEED=1 RR_STEP_ID=trivial RR_MARGIN_VCORE_MV=950
for ((i = 1; i <= n; i++)); do
  "$exe" >"stdout/$i.log" 2>"stderr/$i.log"
  printf '{"event":"step_end","index":%d,"exit_code":%d}\n' "$i" "$?" >>steps.ldjson
done
