#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run the fuzz harnesses (make fuzz builds them; docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#
# Each harness (default: every one in fuzz/harnesses) runs for SECONDS
# (default 60) at nice 19 on one core, from its seeds (fuzz/seeds.py,
# generated once into fuzz/build/seeds), the committed corpus
# (fuzz/corpus/NAME, if any) and its working corpus fuzz/build/corpus/NAME
# (kept between runs: the next campaign starts from it), with the
# dictionary fuzz/dict/NAME.dict when there is one.  A crash, leak,
# timeout (20 s per input) or out-of-memory (RSS 2 GiB, or one
# allocation over 1 GiB) fails the harness; its input is saved as
# fuzz/build/artifacts/NAME-*.  Logs: fuzz/build/logs/NAME.log; the
# closing stats line of each run is printed.  Exit 0 if no harness
# failed.  Run from the build tree (FUZZ_BUILD overrides fuzz/build).
# FUZZ_SKIP="NAME..." leaves harnesses out of the default list.
# FUZZ_RUNS=N also stops each harness after N executions (a campaign:
# FUZZ_RUNS=1000000 scripts/fuzz.sh 3600 runs each to a million
# executions or an hour, whichever comes first; docs/fuzzing.md).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
build=${FUZZ_BUILD:-fuzz/build}
[ -d "$build" ] || { echo "fuzz.sh: no $build: run 'make fuzz' first" >&2; exit 1; }
build=$(cd "$build" && pwd)
if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  mapfile -t harnesses < <(grep -v '^#' "$top/fuzz/harnesses" |
    awk -v skip=" ${FUZZ_SKIP:-} " 'NF && index(skip, " " $1 " ") == 0 { print $1 }')
fi
if [ ! -d "$build/seeds" ]; then
  # Two fuzz.sh started at once (a campaign's lanes) each generate into
  # their own directory; the first rename wins, the other is dropped.
  tmp=$(mktemp -d "$build/seeds.XXXXXX") && python3 "$top/fuzz/seeds.py" "$tmp" ||
    { echo "fuzz.sh: seed generation failed" >&2; exit 1; }
  mv -T "$tmp" "$build/seeds" 2>/dev/null || rm -rf "$tmp"
fi
mkdir -p "$build/logs" "$build/artifacts"
failed=()
for h in "${harnesses[@]}"; do
  bin=$build/fuzz-$h
  [ -x "$bin" ] || { echo "fuzz.sh: $bin missing (make fuzz)" >&2; failed+=("$h"); continue; }
  corpus=$build/corpus/$h
  mkdir -p "$corpus"
  dirs=("$corpus")
  [ -d "$build/seeds/$h" ] && dirs+=("$build/seeds/$h")
  [ -d "$top/fuzz/corpus/$h" ] && dirs+=("$top/fuzz/corpus/$h")
  opts=(-max_total_time="$secs" -timeout=20 -rss_limit_mb=2048
        -malloc_limit_mb=1024 -print_final_stats=1
        -artifact_prefix="$build/artifacts/$h-")
  [ -n "${FUZZ_RUNS:-}" ] && opts+=(-runs="$FUZZ_RUNS")
  [ -f "$top/fuzz/dict/$h.dict" ] && opts+=(-dict="$top/fuzz/dict/$h.dict")
  case $h in
    disk-vhdx) opts+=(-max_len=4194304) ;;       # VHDX metadata spans MiBs
    *) opts+=(-max_len=1048576) ;;
  esac
  nice -n 19 "$bin" "${opts[@]}" "${dirs[@]}" \
    > "$build/logs/$h.log" 2>&1
  rc=$?
  stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$build/logs/$h.log" |
          awk '{ printf "%s ", $2 }')
  last=$(grep -E '^#[0-9]+' "$build/logs/$h.log" | tail -1 | awk '{ print $3, $4, $5, $6 }')
  if [ $rc -ne 0 ]; then
    failed+=("$h")
    echo "FAIL $h (exit $rc): execs exec/s $stats$last; see $build/logs/$h.log"
    grep -E 'ERROR|SUMMARY|fuzz:|fuzz-confine:|Test unit written' "$build/logs/$h.log" | head -5
  else
    echo "ok   $h: execs exec/s $stats$last"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: ${#harnesses[@]} harness(es) ok"
