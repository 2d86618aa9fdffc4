# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by the tests/test-qcow2-*.sh scripts (sourced after
# functions.sh, vmdk-functions.sh and vhd-functions.sh).

# qpatch FILE OFFSET FMT VALUE: overwrite a big-endian field with
# struct.pack('>FMT', VALUE) ("s" formats take a string).
qpatch () {
  python3 - "$@" <<'PY'
import struct, sys
path, off, fmt, value = sys.argv[1:5]
value = value.encode() if fmt.endswith("s") else int(value, 0)
f = open(path, "r+b"); f.seek(int(off, 0)); f.write(struct.pack(">" + fmt, value))
PY
}

# qget FILE OFFSET FMT: read a big-endian field.
qget () {
  python3 -c 'import struct, sys
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2], 0))
fmt = ">" + sys.argv[3]; print(struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0])' "$@"
}
