#!/bin/bash
# v2kvm convert -i xl with a dynamic VHD disk (format=vhd in the xl
# config): the xen test guest boots converted.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e xen vhd
exit 0
