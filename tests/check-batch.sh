#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-batch.sh FILE.cmd: a PowerShell-free static check of the v2kvm
# first-boot batch file.  Fails (exit 1, one line per problem) unless:
#  - every line ends in CRLF (cmd.exe parses LF-only files unreliably);
#  - every `goto X` and `call :X` names an existing label (:eof aside);
#  - every goto jumps FORWARD (no loop inside one run: a run ends);
#  - parentheses balance (outside quotes, ^-escapes ignored), never < 0;
#  - the run counter is bounded: MAXRUNS is set to a number, the counter
#    is written before the first `call`, and compared with GTR %MAXRUNS%;
#  - every `shutdown` is preceded by a GEQ %MAXREBOOTS% check and the
#    reboot counter update, and MAXREBOOTS is a number.
set -u
f=$1
bad=0
err () { echo "check-batch: $f: $*"; bad=1; }

[ -s "$f" ] || { echo "check-batch: $f: empty or missing"; exit 1; }
if [ "$(grep -c $'\r$' "$f")" != "$(wc -l < "$f")" ]; then
  err "not every line ends in CRLF"
fi
tr -d '\r' < "$f" > "$f.lf"
trap 'rm -f "$f.lf"' EXIT

awk -v F="$f" '
  function problem(m) { print "check-batch: " F ": line " NR ": " m; bad = 1 }
  { line[NR] = $0 }
  /^:[A-Za-z0-9_]+[ \t]*$/ { l = tolower(substr($1, 2)); label[l] = NR }
  END {
    depth = 0
    for (i = 1; i <= NR; i++) {
      s = line[i]
      if (s ~ /^[ \t]*(rem|::)/) continue
      # parentheses outside double quotes, skipping ^-escaped ones
      q = 0
      for (k = 1; k <= length(s); k++) {
        c = substr(s, k, 1)
        if (c == "^") { k++; continue }
        if (c == "\"") q = !q
        else if (!q && c == "(") depth++
        else if (!q && c == ")") { depth--; if (depth < 0) { NR = i; problem("unbalanced )"); depth = 0 } }
      }
      t = tolower(s)
      while (match(t, /(goto|call) +:?[a-z0-9_]+/)) {
        w = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
        iscall = (w ~ /^call/)
        sub(/^(goto|call) +/, "", w)
        if (iscall && w !~ /^:/) continue      # call of a program, not a label
        sub(/^:/, "", w)
        if (w == "eof") continue
        if (!(w in label)) { print "check-batch: " F ": line " i ": no label :" w; bad = 1 }
        else if (!iscall && label[w] <= i) { print "check-batch: " F ": line " i ": goto " w " jumps backward"; bad = 1 }
      }
    }
    if (depth != 0) { print "check-batch: " F ": " depth " unclosed ("; bad = 1 }
    exit bad
  }' "$f.lf" || bad=1

grep -Eq '^set MAXRUNS=[0-9]+$' "$f.lf" || err "MAXRUNS is not set to a number"
grep -Eq '^set MAXREBOOTS=[0-9]+$' "$f.lf" || err "MAXREBOOTS is not set to a number"
grep -Eq 'if !RUNS! GTR %MAXRUNS% goto [a-z]+' "$f.lf" || err "the run counter is never compared with MAXRUNS"
first_call=$(grep -n '^call :' "$f.lf" | head -1 | cut -d: -f1)
counter=$(grep -n '^> "%V2K%\\runs" echo !RUNS!' "$f.lf" | head -1 | cut -d: -f1)
[ -n "$counter" ] && [ -n "$first_call" ] && [ "$counter" -lt "$first_call" ] ||
  err "the run counter is not saved before the first step"
while IFS=: read -r n _; do
  guard=$(head -n "$n" "$f.lf" | grep -n 'if !REBOOTS! GEQ %MAXREBOOTS% goto' | tail -1 | cut -d: -f1)
  bump=$(head -n "$n" "$f.lf" | grep -n '^> "%V2K%\\reboots" echo !REBOOTS!' | tail -1 | cut -d: -f1)
  [ -n "$guard" ] && [ -n "$bump" ] && [ "$guard" -lt "$bump" ] ||
    err "line $n: shutdown without the MAXREBOOTS guard and counter"
done < <(grep -n -i '^[ \t]*shutdown' "$f.lf")
exit $bad
