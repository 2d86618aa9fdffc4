#!/bin/bash
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
