#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm inspect and batch --assess on phony guests (tests/phony/make-phony.sh),
# then the same plan run for real:
#   - a plan of the Ubuntu phony (converts), the Xen-PV-only phony
#     (blocked: xen-pv-only, exit 7), a missing source (source-missing,
#     exit 3) and a Windows 10 phony with BitLocker and a dirty NTFS
#     system volume (two blockers, both reported: bitlocker then
#     ntfs-dirty, exit 7; its hives come from tests/phony/make-hive.py);
#   - batch --assess: exit 10, each guest's inspect JSON equal to the
#     golden file in tests/data/inspect/ (paths and times normalised; the
#     golden facts are those make-phony.sh writes: kernels, ifcfg
#     address, netplan MAC, fake tools); nothing written: the images'
#     sha256 unchanged, the scratch directory and the state left empty;
#   - batch (run): exit 10, the Ubuntu phony converted (qemu-img check),
#     the others failed with the exit codes --assess predicted; the
#     used bytes inspect measured within 5% of the bytes the copy wrote.
# Regenerate a golden file from the JSON the failure prints (in the log).
# Appliance launches: 2 (3 with Windows) for --assess, 2 (3) for the run.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
require_phony
requires python3 sha256sum "$QEMU_IMG"
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
cd "$TMP" || fail "cd"
phony_copy xenonly ubuntu
imgs="xenonly.img ubuntu.img"
win=
if command -v hivexregedit >/dev/null; then
  "$srcdir/phony/make-windows.sh" "$TMP/bitlocker.img" win10 bitlocker >/dev/null ||
    fail "make-windows.sh bitlocker"
  # and its system volume marked dirty: a second, independent blocker
  "$srcdir/phony/ntfs-set-dirty.py" "$TMP/bitlocker.img" $((2048 * 512)) ||
    fail "ntfs-set-dirty.py"
  "$srcdir/phony/make-virtio-win.sh" "$TMP/vw" w10 >/dev/null || fail "make-virtio-win.sh"
  win=1 imgs="$imgs bitlocker.img"
fi
sha256sum $imgs >sums.before
mkdir scratch out
export V2KVM_TMPDIR=$TMP/scratch

cat >plan <<EOF
defaults -o local -os out --accel tcg
-i disk ubuntu.img
-i disk xenonly.img
-i disk missing.img
${win:+-i disk bitlocker.img --virtio-win vw}
EOF

# ---- assess ----
rc=0
"$V2KVM" batch plan --assess --machine-readable -P 1 >assess.jsonl 2>assess.err || rc=$?
[ $rc = 10 ] || fail "--assess exited $rc: $(cat assess.err)"
sha256sum -c --quiet sums.before || fail "--assess changed a source image"
[ -z "$(ls -A scratch)" ] || fail "scratch left: $(ls -A scratch)"
[ ! -e plan.state ] && [ -z "$(ls -A out)" ] || fail "--assess wrote state or output"
python3 - "$TMP" "$srcdir/data/inspect" "${win:-}" <<'EOF' || fail "assess results"
import json, os, re, sys
tmp, golden, win = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [json.loads(l) for l in open("assess.jsonl")]
by = {l["guest"]: l for l in lines if l["type"] == "assess"}
total = [l for l in lines if l["type"] == "assess_total"][0]
want = {"ubuntu": (0, []), "xenonly": (7, ["xen-pv-only"]),
        "missing": (3, ["source-missing"])}
if win:
    want["bitlocker"] = (7, ["bitlocker", "ntfs-dirty"])
assert set(by) == set(want), by.keys()
for name, (code, blocker) in want.items():
    ins = by[name]["inspect"]
    assert by[name]["exit"] == code == ins["exit"], (name, by[name]["exit"])
    # every blocker, each with its exit code; stable warning codes
    assert [b["code"] for b in ins["blockers"]] == blocker, ins["blockers"]
    assert all(b["exit"] == code and b["message"] for b in ins["blockers"]), ins["blockers"]
    assert ins["verdict"] == ("blocked" if blocker else "convertible"), ins["verdict"]
    assert all(w["code"] and w["message"] for w in ins["warnings"]), ins["warnings"]
    print("assess:", name, "exit", code, "blocker", blocker)
assert total["convertible"] == 1 and total["blocked"] == len(want) - 1, total
def allocated(path):
    fd, total, off = os.open(path, os.O_RDONLY), 0, 0
    size = os.fstat(fd).st_size
    while off < size:
        try:
            data = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            break
        hole = os.lseek(fd, data, os.SEEK_HOLE)
        total, off = total + hole - data, hole
    os.close(fd)
    return total
# golden comparison (not for Windows, which has no golden file)
def norm(o):
    if isinstance(o, dict):
        return {k: norm(v) for k, v in o.items() if k != "seconds"}
    if isinstance(o, list):
        return [norm(v) for v in o]
    if isinstance(o, str):
        o = o.replace(tmp, "@TMP@")
        return re.sub(r"52:54:00(:[0-9a-f]{2}){3}", "52:54:00:@:@:@", o)
    return o
for name in ("ubuntu", "xenonly", "missing"):
    got = norm(by[name]["inspect"])
    # used bytes depend on where ext4 put the edited files: checked
    # against the copy below, not against a golden number
    # allocation depends on the file system the copy is on: checked
    # against SEEK_DATA/SEEK_HOLE (lseek(2)), then normalised
    for d in got["disks"]:
        if d["used"] is not None:
            d["used"] = "@USED@"
        if d["allocated"] is not None:
            assert d["allocated"] == allocated(d["source"].replace("@TMP@", tmp)), d
            d["allocated"] = "@ALLOCATED@"
    if got["estimate"]:
        got["estimate"]["output_bytes"] = "@USED@"
    try:
        exp = json.load(open(f"{golden}/{name}.json"))
    except FileNotFoundError:
        exp = None
    if got != exp:
        print(f"{name}: differs from tests/data/inspect/{name}.json; got:")
        print(json.dumps(got, indent=1, sort_keys=True))
        sys.exit(1)
json.dump({n: by[n]["inspect"]["disks"][0]["used"] for n in by}, open("used.json", "w"))
EOF

# ---- run ----
rc=0
"$V2KVM" batch plan -P 1 >run.out 2>run.err || rc=$?
[ $rc = 10 ] || fail "batch exited $rc: $(cat run.out run.err)"
sha256sum -c --quiet sums.before || fail "the run changed a source image"
"$QEMU_IMG" check -q out/ubuntu-sda.qcow2 || fail "qemu-img check"
"$V2KVM" batch report plan --json >report.json || fail "report"
python3 - "${win:-}" <<'EOF' || fail "run results: $(cat run.out)"
import json, sys
rep = {g["guest"]: g for g in json.load(open("report.json"))["guests"]}
used = json.load(open("used.json"))
want = {"ubuntu": ("done", 0, "ok"), "xenonly": ("failed", 7, "guest"),
        "missing": ("failed", 3, "input")}
if sys.argv[1]:
    want["bitlocker"] = ("failed", 7, "guest")
assert set(rep) == set(want), rep.keys()
for name, (status, code, cls) in want.items():
    r = rep[name]
    assert (r["status"], r["exit"], r["class"]) == (status, code, cls), r
written = rep["ubuntu"]["bytes_written"]
assert abs(used["ubuntu"] - written) <= 0.05 * written, (used["ubuntu"], written)
print("ubuntu: inspect used", used["ubuntu"], "copy wrote", written)
EOF
[ -z "$(ls -A scratch)" ] || fail "scratch left after the run: $(ls -A scratch)"
exit 0
