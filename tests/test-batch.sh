#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm batch on small bare images (-i disk --no-fixup: no appliance):
#   - a plan with bad lines: every one reported with its line number,
#     exit 2, nothing run, no state written;
#   - defaults precedence: the guest line's -of wins over the defaults';
#   - a run with a missing source: exit 10, the others converted (qemu-img
#     compare against the source), the failure recorded as class input;
#     `batch report` CSV and JSON read by Python's csv and json modules;
#   - rerun: nothing run again; --retry-failed runs only the failure;
#   - --only; --shard 1/2 and 2/2 as two processes cover the plan exactly
#     once, and `batch report` over both states lists every guest;
#   - a plan with an -it ssh source is read (names checked, --only) without
#     a connection to its host (a listener counts them; a run does reach
#     it), the guest named after its path ('web' for .../web/web.vmx);
#   - SIGINT while two guests convert (the children held with SIGSTOP at
#     the moment both are writing, so the interrupt lands mid-copy):
#     exit 130, no partial file left, journal consistent; the rerun
#     converts only what is missing and every output is identical in
#     content (qemu-img compare) to an uninterrupted run's.
. "$srcdir/functions.sh"
requires "$QEMU_IMG" python3
cd "$TMP" || fail "cd"

# small images with data at a few offsets
mkimg () {
  truncate -s 64M "$1"
  for off in 0 5 33; do
    printf '%s-%s' "$1" "$off" | dd of="$1" bs=1M seek="$off" conv=notrunc status=none
  done
}
for g in a b c d; do mkimg "$g.img"; done

# ---- bad plans ----
cat >bad.plan <<'EOF'
# comment, then a blank line

-i disk a.img -o bogus
-i disk "unterminated
defaults -os out --no-fixup
-i disk b.img --frobnicate
-i disk c.img -on same
-i disk d.img -on same
v2kvm convert -i disk a.img
EOF
"$V2KVM" batch bad.plan >bad.out 2>bad.err
[ $? = 2 ] || fail "bad plan: expected exit 2: $(cat bad.err)"
for want in "bad.plan:3: unknown -o type 'bogus'" "bad.plan:4: unterminated quote" \
            "bad.plan:6: unknown option '--frobnicate' (with the defaults of line 5)" \
            "bad.plan:8: guest 'same' is already on line 7" \
            "bad.plan:9: a guest line is convert's arguments only" \
            "bad.plan: 5 bad lines: nothing was run"; do
  grep -qF "$want" bad.err || fail "no '$want' in: $(cat bad.err)"
done
[ ! -e bad.plan.state ] || fail "a bad plan wrote state"

# ---- a run with a failure ----
mkdir out
cat >plan <<'EOF'
defaults -o local -os out --no-fixup -of raw
-i disk a.img -of qcow2     # the line's own -of wins
-i disk 'b.img' -on "b two"
-i disk missing.img
-i disk c.img
EOF
rc=0
"$V2KVM" batch plan -P 2 >run.out 2>run.err || rc=$?
[ $rc = 10 ] || fail "run: exit $rc, expected 10: $(cat run.err)"
"$QEMU_IMG" info out/a-sda.qcow2 | grep -q 'file format: qcow2' ||
  fail "the guest line's -of qcow2 did not win"
"$QEMU_IMG" info "out/b two-sda.raw" | grep -q 'file format: raw' ||
  fail "the defaults' -of raw was not used"
"$QEMU_IMG" compare -q a.img out/a-sda.qcow2 || fail "a differs"
"$QEMU_IMG" compare -q b.img "out/b two-sda.raw" || fail "b differs"
"$QEMU_IMG" compare -q c.img out/c-sda.raw || fail "c differs"
grep -q "^missing  *failed  *3 input" run.out || fail "summary: $(cat run.out)"
"$V2KVM" batch report plan --csv >report.csv || fail "report --csv"
"$V2KVM" batch report --state plan.state --json >report.json || fail "report --json"
python3 - report.csv report.json <<'EOF' || fail "report contents"
import csv, json, sys
rows = {r["guest"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
js = {g["guest"]: g for g in json.load(open(sys.argv[2]))["guests"]}
assert set(rows) == set(js) == {"a", "b two", "missing", "c"}, (rows, js)
for name, want in [("a", "done"), ("b two", "done"), ("c", "done"), ("missing", "failed")]:
    assert rows[name]["status"] == js[name]["status"] == want, name
assert js["missing"]["exit"] == 3 and js["missing"]["class"] == "input"
assert "missing.img" in js["missing"]["message"], js["missing"]
assert js["a"]["line"] == 2 and int(rows["c"]["line"]) == 5
for name in ("a", "b two", "c"):
    # three 1 MiB-aligned pieces of data: the copy read them
    assert js[name]["bytes_read"] > 0 and js[name]["exit"] == 0, js[name]
    assert rows[name]["start"].endswith("Z") and float(rows[name]["seconds"]) > 0
EOF
[ -s plan.state/logs/missing.log ] || fail "no log for the failed guest"
grep -q '"guest":"b two","type":"result"' "plan.state/logs/b two.jsonl" ||
  fail "the JSON lines carry no guest field"

# ---- rerun: done and failed skipped; --retry-failed ----
"$V2KVM" batch plan >rerun.out 2>&1
[ $? = 10 ] || fail "rerun exit"
grep -q "started" rerun.out && fail "rerun started a guest: $(cat rerun.out)"
"$V2KVM" batch plan --retry-failed >retry.out 2>&1
[ "$(grep -c started retry.out)" = 1 ] && grep -q "missing: started" retry.out ||
  fail "--retry-failed: $(cat retry.out)"

# ---- --only, --shard ----
rm -rf out && mkdir out
"$V2KVM" batch plan --only c --state only.state >only.out 2>&1 || fail "--only: $(cat only.out)"
[ "$(ls only.state/guests)" = c ] || fail "--only ran $(ls only.state/guests)"
rm -rf out && mkdir out
sed -i '/missing/d' plan
r1=0; r2=0
"$V2KVM" batch plan --shard 1/2 >s1.out 2>&1 & p1=$!
"$V2KVM" batch plan --shard 2/2 >s2.out 2>&1 & p2=$!
wait $p1 || r1=$?; wait $p2 || r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] || fail "shards exited $r1 $r2: $(cat s1.out s2.out)"
s1=$(ls plan.shard1-of-2.state/guests) s2=$(ls plan.shard2-of-2.state/guests)
[ "$(printf '%s\n' "$s1" "$s2" | grep . | sort)" = "$(printf '%s\n' a 'b two' c)" ] ||
  fail "shards ran '$s1' and '$s2'"
"$V2KVM" batch report --state plan.shard1-of-2.state --state plan.shard2-of-2.state \
  --csv >shards.csv || fail "report over the shards"
[ "$(grep -c ',done,' shards.csv)" = 3 ] || fail "shard report: $(cat shards.csv)"

# ---- an -it ssh source: reading the plan contacts no host ----
# a listener counts the connections made to it (closing each at once)
python3 - >port <<'PY' & lp=$!
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); sys.stdout.close()
n = 0
while True:
    c, _ = s.accept(); n += 1; c.close()
    with open("ssh-contacts", "w") as f:
        f.write(f"{n}\n")
PY
cleanup_fn "kill $lp 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -s port ] && break; sleep 0.1; done
port=$(cat port)
[ -n "$port" ] || fail "the listener did not start"
cat >sshplan <<EOF
defaults -o local -os out --no-fixup
-i vmx -it ssh ssh://root@127.0.0.1:$port/vmfs/volumes/ds1/web/web.vmx
-i disk c.img -on web
EOF
"$V2KVM" batch sshplan >ssh.out 2>ssh.err
[ $? = 2 ] || fail "ssh plan: expected exit 2: $(cat ssh.err)"
grep -qF "sshplan:3: guest 'web' is already on line 2" ssh.err ||
  fail "the ssh guest is not named 'web': $(cat ssh.err)"
sed -i '$d' sshplan
"$V2KVM" batch sshplan --only nosuch >ssh.out 2>ssh.err
[ $? = 2 ] || fail "--only nosuch: $(cat ssh.err)"
[ ! -e ssh-contacts ] || fail "reading the plan contacted the ssh host $(cat ssh-contacts) times"
# the listener does see a run's connection (so it would have seen one)
"$V2KVM" batch sshplan --state ssh.state >ssh.out 2>&1
[ -s ssh-contacts ] || fail "the run did not reach the listener: $(cat ssh.out)"

# ---- SIGINT while two guests convert, then resume ----
head -c 48M /dev/urandom >r1.img
for g in r2 r3; do cp r1.img $g.img; done
printf 'x' | dd of=r2.img bs=1 seek=7 conv=notrunc status=none
printf 'y' | dd of=r3.img bs=1 seek=9 conv=notrunc status=none
cat >big <<'EOF'
defaults -o local --no-fixup -c -j 1
-i disk r1.img -os int
-i disk r2.img -os int
-i disk r3.img -os int
EOF
sed 's/-os int/-os ref/' big >big-ref
mkdir int ref
"$V2KVM" batch big -P 2 >int.out 2>&1 & bp=$!
for ((i = 0; i < 600; i++)); do
  [ "$(ls -a int | grep -c 'v2kvm-tmp')" = 2 ] && break
  sleep 0.05
done
kids=$(pgrep -P $bp)
[ "$(echo $kids | wc -w)" = 2 ] || fail "expected two children writing, got '$kids'"
for k in $kids; do kill -STOP -- -$k; done
kill -INT $bp
sleep 0.5
for k in $kids; do kill -CONT -- -$k; done
rc=0; wait $bp || rc=$?
[ $rc = 130 ] || fail "interrupted batch exited $rc: $(cat int.out)"
[ -z "$(ls -A int)" ] || fail "partial output left: $(ls -A int)"
[ "$(grep -h '^status' big.state/guests/* | sort | uniq -c | awk '{print $1, $3}')" = "2 interrupted" ] ||
  fail "journal after SIGINT: $(grep -H status big.state/guests/*)"
ls -A big.state/guests | grep -q '^\.' && fail "temporary journal file left"
"$V2KVM" batch big >resume.out 2>&1 || fail "resume: $(cat resume.out)"
[ "$(grep -c started resume.out)" = 3 ] || fail "resume ran: $(cat resume.out)"
"$V2KVM" batch big-ref -P 1 >ref.out 2>&1 || fail "reference run: $(cat ref.out)"
for g in r1 r2 r3; do
  "$QEMU_IMG" compare -q int/$g-sda.qcow2 ref/$g-sda.qcow2 ||
    fail "$g: the resumed output differs from the uninterrupted one"
done
"$V2KVM" batch big >again.out 2>&1 || fail "third run"
grep -q started again.out && fail "a finished guest ran again"
exit 0
