#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm tests: compare `v2kvm source show --json` with an oracle's view of
# the same guest and print the comparison table.  Exit 1 on a mismatch.
#
#   cfg-compare.py libvirt EXPECTED.xml OURS.json [IGNORE_FIELD...]
#   cfg-compare.py v2v EXPECTED OURS.json [IGNORE_FIELD...]
#
# libvirt: a libvirt domain XML (libvirt's vmx2xml / xmconfig / xlconfig
# test data, or `virsh domxml-from-native` output).  v2v: virt-v2v's
# --print-source text (tests/test-i-*.expected).  The fields compared are
# the ones a conversion needs: name, UUID, memory, vCPUs, firmware, each
# disk's file and order, CD-ROM count, each NIC's MAC, model and network.
# IGNORE_FIELD names fields a test documents as deliberately different.
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

NIC_MODELS = {"vlance": "pcnet", "pcnet": "pcnet", "vmxnet": "vmxnet",
              "vmxnet2": "vmxnet2", "vmxnet3": "vmxnet3", "e1000": "e1000",
              "e1000e": "e1000e", "rtl8139": "rtl8139", "virtio": "virtio",
              "netfront": "netfront"}


def base(p):
    if p is None or p == "":
        return None
    p = p.replace("\\", "/")
    return re.split(r"[/ \]]", p)[-1]


def from_libvirt(path):
    r = ET.parse(path).getroot()
    g = {}
    name = r.findtext("name")
    if name is not None:
        g["name"] = name
    uuid = r.findtext("hwuuid") or r.findtext("uuid")
    if uuid and uuid != "00000000-0000-0000-0000-000000000000":
        g["uuid"] = uuid.lower()
    else:
        g["uuid"] = None
    g["memory"] = int(r.findtext("memory")) * 1024
    cur = r.findtext("currentMemory")
    g["current_memory"] = int(cur) * 1024 if cur else g["memory"]
    vcpu = r.find("vcpu")
    g["vcpus"] = int(vcpu.get("current") or vcpu.text)
    os_ = r.find("os")
    uefi = os_.get("firmware") == "efi"
    loader = os_.find("loader")
    if loader is not None and (loader.get("type") == "pflash" or
                               "ovmf" in (loader.text or "").lower()):
        uefi = True
    g["firmware"] = "uefi" if uefi else "bios"
    ostype = os_.findtext("type")
    pv = ostype in ("linux", "xen", "xenpvh")
    if pv:
        # A Xen PV/PVH guest has no firmware: libvirt prints nothing,
        # v2kvm says "unknown" (inspection of the disks decides).
        g["firmware"] = "unknown"
    disks, cds = [], []
    for d in r.iter("disk"):
        src = d.find("source")
        f = None
        if src is not None:
            f = src.get("file") or src.get("dev") or src.get("name")
        if d.get("device") == "disk":
            disks.append(base(f))
        elif d.get("device") in ("cdrom", "lun"):
            # libvirt maps a vmx cdrom-raw to a passthrough "lun"
            cds.append(base(f))
    g["disks"] = disks
    g["cdroms"] = len(cds)
    nics = []
    for i in r.iter("interface"):
        mac = i.find("mac")
        model = i.find("model")
        src = i.find("source")
        net = None
        if src is not None:
            net = src.get("bridge") or src.get("network")
        nics.append({"mac": mac.get("address").lower() if mac is not None else None,
                     "model": NIC_MODELS.get(model.get("type"), model.get("type"))
                     if model is not None else ("netfront" if pv else None),
                     "network": net})
    g["nics"] = nics
    return g


def from_v2v(path):
    g = {"disks": [], "nics": [], "cdroms": 0}
    section = None
    for line in open(path):
        line = line.rstrip("\n")
        m = re.match(r"\s*([a-zA-Z ]+?):\s?(.*)$", line)
        if line.startswith("\t"):
            t = line.strip()
            if section == "disks":
                g["disks"].append(t)
            elif section == "removable media" and t.startswith("CD-ROM"):
                g["cdroms"] += 1
            elif section == "NICs":
                n = re.match(r'(Network|Bridge) "(.*)"(?: mac: (\S+))? \[(\S+)\]', t)
                if n:
                    g["nics"].append({"mac": n.group(3), "network": n.group(2),
                                      "model": NIC_MODELS.get(n.group(4), n.group(4))})
            continue
        if not m:
            continue
        k, v = m.group(1).strip(), m.group(2).strip()
        if k in ("disks", "removable media", "NICs"):
            section = k
        elif k == "source name":
            g["name"] = v
        elif k == "memory":
            g["memory"] = int(v.split()[0])
        elif k == "nr vCPUs":
            g["vcpus"] = int(v)
        elif k == "firmware":
            g["firmware"] = v
        elif k == "UEFI secureboot":
            g["secure_boot"] = v == "true"
    return g


def ours(path, kind):
    j = json.load(open(path))
    g = {"name": j["name"], "uuid": j["uuid"], "memory": j["memory"],
         "current_memory": j["memory"],
         "vcpus": j["vcpus"], "firmware": j["firmware"],
         "secure_boot": j["secure_boot"]}
    if j["max_memory"]:
        g["memory"] = j["max_memory"]
    if kind == "v2v":
        # virt-v2v prints "N [bus]" per disk
        g["disks"] = ["%d [%s]" % (i, d["bus"]) for i, d in enumerate(j["disks"])]
    else:
        g["disks"] = [base(d["path"]) for d in j["disks"]]
    g["cdroms"] = sum(1 for d in j["removables"] if d["device"] == "cdrom")
    g["nics"] = [{"mac": n["mac"], "model": n["model"] if n["model"] != "unknown"
                  else None, "network": n["network"]} for n in j["nics"]]
    return g


def main():
    kind, exp_path, our_path = sys.argv[1:4]
    ignore = set(sys.argv[4:])
    exp = from_libvirt(exp_path) if kind == "libvirt" else from_v2v(exp_path)
    got = ours(our_path, kind)
    bad = 0
    rows = []
    for k in ["name", "uuid", "memory", "current_memory", "vcpus", "firmware",
              "secure_boot", "disks", "cdroms", "nics"]:
        if k not in exp:
            continue
        e, o = exp[k], got.get(k)
        if k == "nics":
            for i in range(max(len(e), len(o))):
                ei = e[i] if i < len(e) else None
                oi = o[i] if i < len(o) else None
                for f in ("mac", "model", "network"):
                    ev = ei[f] if ei else "(none)"
                    ov = oi[f] if oi else "(none)"
                    rows.append(("nic%d.%s" % (i, f), ev, ov, f))
            continue
        if k == "disks":
            for i in range(max(len(e), len(o))):
                rows.append(("disk%d" % i, e[i] if i < len(e) else "(none)",
                             o[i] if i < len(o) else "(none)", "disks"))
            continue
        rows.append((k, e, o, k))
    for field, e, o, group in rows:
        ok = e == o
        status = "ok" if ok else ("ignored" if group in ignore or field in ignore
                                  else "MISMATCH")
        if status == "MISMATCH":
            bad += 1
        print("  %-16s %-40s %-40s %s" % (field, str(e)[:40], str(o)[:40], status))
    return 1 if bad else 0


sys.exit(main())
