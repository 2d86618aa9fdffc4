# SPDX-License-Identifier: BSD-3-Clause
# common/: no external dependencies; linked by everything.
noinst_LIBRARIES += libcommon.a
libcommon_a_SOURCES = \
	common/error.c common/error.h \
	common/xalloc.c common/xalloc.h \
	common/json.c common/json.h \
	common/extents.c common/extents.h \
	common/guest.c common/guest.h \
	common/guestcaps.c common/guestcaps.h \
	common/strindex.c common/strindex.h \
	common/vector.h common/cleanup.h common/checked.h common/iszero.h \
	common/byteorder.h \
	$(NULL)
