#!/bin/bash
# The baseline of a scanned adapter: bashLoop.sh, with each step's stdout also piped through
# grep for the adapter's fail regex and metric, as a shell script would scan it.
#   bash bench/lib/bashGrepLoop.sh EXE DIR N FAIL_REGEX METRIC_REGEX
set -u
exe=$1 dir=$2 n=$3 fail=$4 metric=$5
mkdir -p "$dir/stdout" "$dir/stderr"
cd "$dir" || exit 2
export RR_RUN_ID=rr-bench RR_SUBRUN_ID=rr-bench-s1 RR_UNIT=BENCH RR_SEED=1 RR_STEP_ID=trivial RR_MARGIN_VCORE_MV=950
for ((i = 1; i <= n; i++)); do
  "$exe" 2>"stderr/$i.log" | tee "stdout/$i.log" | grep -E -e "$fail" -e "$metric" >/dev/null
  printf '{"event":"step_end","index":%d,"exit_code":%d}\n' "$i" "${PIPESTATUS[0]}" >>steps.ldjson
done
