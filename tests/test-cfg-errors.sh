#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Malformed and hostile guest configs: each gives one error line naming
# the file and line (or XML element) and what is wrong, exit 3 (4 for a
# valid config v2kvm cannot use), never a crash or a silent default.
. "$srcdir/functions.sh"
cd "$TMP"

bad () {                        # bad CODE TYPE FILE REGEX
  expect_exit "$1" "$V2KVM" source show -i "$2" "$3"
  expect_error_match "$4"
  echo "ok: $3: $ERR"
}

# ---- vmx ----
printf 'config.version = "8"\ndisplayName = "oops\nmemsize = "1"\n' >unterminated.vmx
bad 3 vmx unterminated.vmx 'unterminated.vmx:2: unterminated string'
printf 'memsize = "lots"\n' >badnum.vmx
bad 3 vmx badnum.vmx "badnum.vmx:1: memsize: 'lots' is not a number"
printf 'numvcpus = "-2"\n' >badcpu.vmx
bad 3 vmx badcpu.vmx "badcpu.vmx:1: numvcpus"
printf 'numvcpus = "999999999999999999999999"\n' >overflow.vmx
bad 3 vmx overflow.vmx "overflow.vmx:1: numvcpus"
printf 'memsize = "1024"\nMemSize = "2048"\n' >dup.vmx
bad 3 vmx dup.vmx "dup.vmx:2: duplicate key 'memsize'"
printf 'memsize = "17179869185"\n' >huge.vmx
bad 3 vmx huge.vmx "huge.vmx:1: memsize: memory of .* bytes is more than 16 TiB"
printf 'displayName = "x" junk\n' >junk.vmx
bad 3 vmx junk.vmx "junk.vmx:1: unexpected text"
printf 'just some words\n' >noeq.vmx
bad 3 vmx noeq.vmx "noeq.vmx:1: expected"
printf 'ethernet0.present = "TRUE"\nethernet0.address = "00:50:56:zz:00:01"\n' >mac.vmx
bad 3 vmx mac.vmx "mac.vmx:2: invalid MAC address"
printf '.encoding = "NO-SUCH-CHARSET"\n' >enc.vmx
bad 4 vmx enc.vmx "enc.vmx: unknown .encoding"
printf 'displayName = "x"\nencryption.keySafe = "vmware:key/list/..."\nencryption.data = "AAAA"\n' >enc2.vmx
bad 4 vmx enc2.vmx "enc2.vmx:2: the VM is encrypted"
bad 3 vmx nonexistent.vmx "nonexistent.vmx"

# ---- xl / xm ----
printf 'name = "a"\nkernel = "/boot/vmlinuz\nmemory = 128\n' >unterminated.cfg
bad 3 xl unterminated.cfg 'unterminated.cfg:2: unterminated string'
printf 'name = "a"\ndisk = [ "x,raw,xvda,w",\n  "y,raw,xvdb,w"\n' >unterminated-list.cfg
bad 3 xl unterminated-list.cfg 'unterminated-list.cfg:2: unterminated list'
printf 'name = "a"\nmemory = 12abc\n' >badnum.cfg
bad 3 xl badnum.cfg "badnum.cfg:2: bad number '12abc'"
printf 'name = "a"\nmemory = "lots"\n' >badmem.cfg
bad 3 xl badmem.cfg "badmem.cfg:2: memory: expected a number"
printf 'name = "a"\nmemory = 512\nvcpus = 2\nmemory = 1024\n' >dup.cfg
bad 3 xl dup.cfg "dup.cfg:4: duplicate key 'memory' \\(first set on line 2\\)"
printf 'name = "a"\nmemory = 17179869184\n' >huge.cfg
bad 3 xl huge.cfg "huge.cfg:2: memory must be between 1 MiB and 16 TiB"
printf 'name = "a"\nvcpus = 0\n' >nocpu.cfg
bad 3 xl nocpu.cfg "nocpu.cfg:2: vcpus must be"
printf 'import os\nname = "a"\n' >import.cfg
bad 3 xm import.cfg "import.cfg:1: 'import': Python code is not supported"
printf 'name = "a"\nvmid = 3\nextra = "VMID=%%d" %% vmid\n' >percent.cfg
bad 3 xm percent.cfg "percent.cfg:3: unexpected text after the value"
printf 'name = "a"\nmemory = 64 * 2\n' >arith.cfg
bad 3 xm arith.cfg "arith.cfg:2: unexpected text after the value"
printf 'name = "a"\nxm_vars.check()\n' >call.cfg
bad 3 xm call.cfg "call.cfg:2: expected '=' after 'xm_vars'"
printf 'name = "a"\nif True:\n    memory = 128\n' >if.cfg
bad 3 xm if.cfg "if.cfg:2: 'if': Python code is not supported"
printf 'name = "a"\nmemory = os.environ\n' >expr.cfg
bad 3 xm expr.cfg "expr.cfg:2: value is a Python expression"
printf 'name = "a"\ndisk = [ "phy:/dev/x" ]\n' >novdev.cfg
bad 3 xl novdev.cfg "novdev.cfg:2: disk 'phy:/dev/x' has no vdev"
printf 'name = "a"\nvif = [ "mac=00:16:3e:00:00" ]\n' >badmac.cfg
bad 3 xl badmac.cfg "badmac.cfg:2: vif: invalid MAC address"
printf 'memory = 128\n' >noname.cfg
bad 3 xl noname.cfg "noname.cfg: no 'name' setting"
printf 'name = "a"\ndisk = %s\n' "$(printf '[%.0s' $(seq 20))" >deep.cfg
bad 3 xl deep.cfg "deep.cfg:2: lists nested too deeply"

# ---- XML (libvirt XML; the same parser serves OVF and ova.xml) ----
cat >laughs.xml <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<domain type='xen'><name>&lol9;</name><memory>1024</memory></domain>
XML
bad 3 libvirtxml laughs.xml 'laughs.xml:2: <!DOCTYPE> is not allowed'
cat >xxe.xml <<'XML'
<?xml version="1.0"?>
<!DOCTYPE domain [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<domain type='xen'><name>&xxe;</name><memory>1024</memory></domain>
XML
bad 3 libvirtxml xxe.xml 'xxe.xml:2: <!DOCTYPE> is not allowed'
! grep -q 'root:' "$TMP/expect.out" "$TMP/expect.err" || fail "xxe: /etc/passwd leaked"
printf '<domain type="xen"><name>a</name><memory>1024</domain>\n' >broken.xml
bad 3 libvirtxml broken.xml 'broken.xml:1: invalid XML'
printf '<domain type="xen"><name>a</name><memory unit="KiB">lots</memory></domain>\n' >mem.xml
bad 3 libvirtxml mem.xml "mem.xml:1: /domain/memory: bad size 'lots KiB'"
printf '<domain type="xen"><name>a</name><memory unit="TiB">17</memory></domain>\n' >hugemem.xml
bad 3 libvirtxml hugemem.xml "hugemem.xml:1: /domain/memory: memory of .* bytes is more than 16 TiB"
printf '<domain type="xen"><name>a</name><memory>1024</memory><vcpu>0</vcpu></domain>\n' >vcpu.xml
bad 3 libvirtxml vcpu.xml "vcpu.xml:1: /domain/vcpu: bad vCPU count '0'"
printf '<domain type="xen"><memory>1024</memory></domain>\n' >noname.xml
bad 3 libvirtxml noname.xml "noname.xml: /domain/name is missing"
printf '<notdomain/>\n' >root.xml
bad 3 libvirtxml root.xml "root.xml: root element is <notdomain>"
printf '<domain type="xen"><name>a</name><devices><interface type="bridge"><mac address="zz"/></interface></devices></domain>\n' >mac.xml
bad 3 libvirtxml mac.xml "mac.xml:1: interface: invalid MAC address 'zz'"

# ---- OVF ----
ovf_head='<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">'
mkovf () {                      # mkovf FILE ITEMS [REFERENCES+DISKS]
  printf '%s\n%s\n<VirtualSystem ovf:id="vm"><VirtualHardwareSection>\n%s\n</VirtualHardwareSection></VirtualSystem></Envelope>\n' \
         "$ovf_head" "${3:-}" "$2" >"$1"
}
mem='<Item><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>'
mkovf units.ovf '<Item><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>furlongs</rasd:AllocationUnits><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>'
bad 3 ovf units.ovf "units.ovf:4: memory: cannot understand '512' 'furlongs'"
mkovf hugemem.ovf '<Item><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>byte * 2^40</rasd:AllocationUnits><rasd:VirtualQuantity>17</rasd:VirtualQuantity></Item>'
bad 3 ovf hugemem.ovf "hugemem.ovf:4: memory of .* bytes is more than 16 TiB"
mkovf overflow.ovf '<Item><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>byte * 2^40</rasd:AllocationUnits><rasd:VirtualQuantity>99999999999</rasd:VirtualQuantity></Item>'
bad 3 ovf overflow.ovf "overflow.ovf:4: memory: cannot understand"
mkovf nodisk.ovf "$mem"'<Item><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/nope</rasd:HostResource></Item>'
bad 3 ovf nodisk.ovf "nodisk.ovf:4: disk Item: HostResource 'ovf:/disk/nope' names no DiskSection/Disk"
mkovf nofile.ovf "$mem"'<Item><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>' \
      '<References/><DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f9" ovf:capacity="1"/></DiskSection>'
bad 3 ovf nofile.ovf "nofile.ovf:2: Disk fileRef 'f9' names no References/File"
mkovf cpus.ovf "$mem"'<Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>many</rasd:VirtualQuantity></Item>'
bad 3 ovf cpus.ovf "cpus.ovf:4: bad number of CPUs 'many'"
printf '<Envelope xmlns="urn:not-ovf"/>\n' >notovf.ovf
bad 3 ovf notovf.ovf "notovf.ovf: root element is not an OVF Envelope"
{ echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE Envelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>'
  printf '%s<VirtualSystem ovf:id="&xxe;"/></Envelope>\n' "$ovf_head"; } >xxe.ovf
bad 3 ovf xxe.ovf "xxe.ovf:2: <!DOCTYPE> is not allowed"
! grep -q 'root:' "$TMP/expect.out" "$TMP/expect.err" || fail "xxe.ovf: /etc/passwd leaked"
sed 's/<domain type=.xen.><name>&lol9;<\/name><memory>1024<\/memory><\/domain>/<Envelope>\&lol9;<\/Envelope>/' laughs.xml >laughs.ovf
bad 3 ovf laughs.ovf "laughs.ovf:2: <!DOCTYPE> is not allowed"
head -c 300 "$srcdir/data/cfg/vmware-efi.ovf" >truncated.ovf
bad 3 ovf truncated.ovf "truncated.ovf:[0-9]+: invalid XML"

# ---- XenServer ova.xml ----
xr () { printf '<value><struct><member><name>objects</name><value><array><data>%s</data></array></value></member></struct></value>\n' "$1"; }
vm () { printf '<value><struct><member><name>class</name><value>VM</value></member><member><name>id</name><value>Ref:1</value></member><member><name>snapshot</name><value><struct>%s</struct></value></member></struct></value>' "$1"; }
m () { printf '<member><name>%s</name><value>%s</value></member>' "$1" "$2"; }
xr "$(vm "$(m name_label a)$(m memory_static_max lots)$(m VCPUs_max 1)")" >mem-xva.xml
bad 3 xva mem-xva.xml "mem-xva.xml: VM 'Ref:1': memory_static_max 'lots' is not a number"
xr "$(vm "$(m name_label a)$(m memory_static_max 18691697672192)$(m VCPUs_max 1)")" >huge-xva.xml
bad 3 xva huge-xva.xml "huge-xva.xml: memory_static_max: memory of .* bytes is more than 16 TiB"
xr "$(vm "$(m name_label a)$(m memory_static_max 1024)$(m VCPUs_max 0)")" >cpu-xva.xml
bad 3 xva cpu-xva.xml "cpu-xva.xml: VM 'Ref:1': bad VCPUs_max '0'"
xr "$(vm "$(m name_label a)$(m is_a_template true)$(m memory_static_max 1024)")" >tmpl-xva.xml
bad 3 xva tmpl-xva.xml "tmpl-xva.xml: no VM in the export"
printf '<value><struct/></value>\n' >empty-xva.xml
bad 3 xva empty-xva.xml "empty-xva.xml: no 'objects' array"
printf '<appliance version="0.1"><vm name="old"/></appliance>\n' >old-xva.xml
bad 4 xva old-xva.xml "old-xva.xml: legacy XVA 0.1 <appliance> metadata is not supported"
{ echo '<!DOCTYPE value [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>'; xr "$(vm "$(m name_label '&x;')")"; } >xxe-xva.xml
bad 3 xva xxe-xva.xml "xxe-xva.xml:1: <!DOCTYPE> is not allowed"
