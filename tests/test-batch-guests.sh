#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm batch over a plan of the real Debian test guests (VMware .vmx,
# Xen xl.cfg; tests/guests) and two that must fail: the Xen-PV-only
# phony (tests/phony/make-phony.sh) and a missing source.
#   - batch --assess predicts exactly which fail and why (xen-pv-only
#     exit 7, source-missing exit 3) and that the two real guests convert;
#   - the run (-P 2) converts the real guests and records the failures
#     with the exit codes and classes --assess predicted (batch report);
#   - the used bytes inspect measured are within 5% of the bytes the copy
#     wrote; the sources' sha256 are unchanged; the scratch directory is
#     left empty;
#   - each real guest's output passes convert-functions.sh's end-to-end
#     checks on its batch JSON lines (e2e_check_output: qemu-img check,
#     virtual sizes, virt-xml-validate, the source's MAC kept) and boots
#     under TCG on virtio to its marker with its static IP up; the vmware
#     guest's open-vm-tools were removed, the xen guest's enX0 pinned to
#     its vif's MAC.
# This is the one test that converts and boots the vmware .vmx and xen
# xl.cfg inputs with the appliance (test-convert-vmware-vmx.sh and
# test-convert-xen-xl.sh did the same conversions and boots again before;
# their checks are these).  Appliance launches: 3 for --assess, 3 for
# the run; 2 guest boots.
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"     # source_sums, require_convert_input
require_slow
require_phony
requires jq python3 sha256sum "$QEMU_IMG" qemu-img virt-xml-validate
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
require_convert_input vmware vmx
vm_type=$INPUT_TYPE vm_src=$INPUT_SOURCE
require_convert_input xen xl
xen_type=$INPUT_TYPE xen_src=$INPUT_SOURCE
cd "$TMP" || fail "cd"
phony_copy xenonly
mkdir out scratch vm-out xen-out
export V2KVM_TMPDIR=$TMP/scratch
{ INPUT_TYPE=$vm_type INPUT_SOURCE=$vm_src source_sums
  INPUT_TYPE=$xen_type INPUT_SOURCE=$xen_src source_sums
  sha256sum xenonly.img; } >sums.before

cat >plan <<EOF
# two real guests and two that cannot convert
defaults -o local -os out --accel tcg
-i $vm_type '$vm_src' -on vm -os '$TMP/vm-out'
-i $xen_type '$xen_src' -on xen -os '$TMP/xen-out'
-i disk xenonly.img
-i disk missing.img
EOF

rc=0
"$V2KVM" batch plan --assess --machine-readable -P 2 >assess.jsonl 2>assess.err || rc=$?
[ $rc = 10 ] || fail "--assess exited $rc: $(cat assess.err)"
[ ! -e plan.state ] &&
  [ -z "$(ls -A out)$(ls -A scratch)$(ls -A vm-out)$(ls -A xen-out)" ] ||
  fail "--assess wrote something"
rc=0
"$V2KVM" batch plan -P 2 >run.out 2>run.err || rc=$?
[ $rc = 10 ] || fail "batch exited $rc: $(cat run.out run.err)"
cat run.out
"$V2KVM" batch report plan --json >report.json || fail "batch report"
python3 <<'EOF' || fail "assess and run disagree: $(cat run.out)"
import json
lines = [json.loads(l) for l in open("assess.jsonl")]
ins = {l["guest"]: l["inspect"] for l in lines if l["type"] == "assess"}
rep = {g["guest"]: g for g in json.load(open("report.json"))["guests"]}
want = {"vm": (0, None), "xen": (0, None), "xenonly": (7, "xen-pv-only"),
        "missing": (3, "source-missing")}
assert set(ins) == set(rep) == set(want), (ins.keys(), rep.keys())
for name, (code, blocker) in want.items():
    i, r = ins[name], rep[name]
    assert i["exit"] == r["exit"] == code, (name, i["exit"], r["exit"])
    assert r["status"] == ("done" if code == 0 else "failed"), r
    assert r["class"] == i["exit_class"], (r, i["exit_class"])
    if blocker:
        assert i["blockers"][0]["code"] == blocker, i["blockers"]
    else:
        used = sum(d["used"] for d in i["disks"])
        wrote = r["bytes_written"]
        print(f"{name}: inspect used {used}, the copy wrote {wrote}")
        assert abs(used - wrote) <= 0.05 * wrote, (name, used, wrote)
        assert i["os"]["distro"] == "debian" and i["os"]["kernels"], i["os"]
EOF
{ INPUT_TYPE=$vm_type INPUT_SOURCE=$vm_src source_sums
  INPUT_TYPE=$xen_type INPUT_SOURCE=$xen_src source_sums
  sha256sum xenonly.img; } | cmp -s - sums.before || fail "a source changed"
[ -z "$(ls -A scratch)" ] || fail "scratch left: $(ls -A scratch)"
e2e_check_output vmware "$vm_type" "$TMP/vm-out" plan.state/logs/vm.jsonl
jq -e -s 'any(.[]; .type == "change" and (.change | test("open-vm-tools")))' \
  plan.state/logs/vm.jsonl >/dev/null || fail "open-vm-tools was not removed"
e2e_check_output xen "$xen_type" "$TMP/xen-out" plan.state/logs/xen.jsonl
# the MAC came from the xl vif: the guest keeps the name enX0
jq -e -s 'any(.[]; .type == "change" and
          (.change | test("pinned enX0 to MAC 00:16:3e:aa:bb:02")))' \
  plan.state/logs/xen.jsonl >/dev/null || fail "enX0 was not pinned to the vif's MAC"
# -P 2: each child's appliance got half the cores (batch's --smp), as
# libguestfs reports it back (guestfs_get_smp, the result's guest.smp)
want=$(( $(nproc) / 2 )); [ "$want" -ge 1 ] || want=1
for g in vm xen; do
  got=$(jq -s '.[-1].guest.smp' "plan.state/logs/$g.jsonl")
  [ "$got" = "$want" ] || fail "$g: appliance vCPUs $got, expected $want (cores / -P)"
done
echo "appliance vCPUs per guest at -P 2: $want"
exit 0
