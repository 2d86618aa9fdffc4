#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i xl with a dynamic VHD disk (format=vhd in the xl
# config) with -o qemu: the xen test guest boots converted, started by
# the generated script.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e xen vhd -o qemu
exit 0
