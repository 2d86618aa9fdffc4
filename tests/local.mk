# SPDX-License-Identifier: BSD-3-Clause
# tests/: the whole suite is `make check` (scripts/test.sh wraps it and
# prints the closing "N passed, N failed, N skipped" line).  Each area
# keeps its tests in its own fragment, included below, so the lists stay
# short and owned.  Tests skip with exit 77 and a reason.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)

# Always-on cheap use-after-free detection (nbdkit tests/Makefile.am).
AM_TESTS_ENVIRONMENT = \
	srcdir=$(abs_top_srcdir)/tests; export srcdir; \
	top_srcdir=$(abs_top_srcdir); export top_srcdir; \
	top_builddir=$(abs_top_builddir); export top_builddir; \
	V2KVM=$(abs_top_builddir)/v2kvm; export V2KVM; \
	BLKTOOL=$(abs_top_builddir)/tests/blktool; export BLKTOOL; \
	PATH=$(abs_top_builddir):$$PATH; export PATH; \
	CORPUS=$${CORPUS:-}; export CORPUS; \
	QEMU_IMG=$(QEMU_IMG); export QEMU_IMG; \
	QEMU_IO=$(QEMU_IO); export QEMU_IO; \
	VIRT_XML_VALIDATE=$(VIRT_XML_VALIDATE); export VIRT_XML_VALIDATE; \
	MALLOC_CHECK_=3; export MALLOC_CHECK_; \
	MALLOC_PERTURB_=$$(($$RANDOM % 255 + 1)); export MALLOC_PERTURB_; \
	LIBGUESTFS_BACKEND=$${LIBGUESTFS_BACKEND:-direct}; export LIBGUESTFS_BACKEND; \
	$(NULL)

EXTRA_DIST += tests/functions.sh tests/test.h tests/README.tests

include tests/common.mk
include tests/vmdk.mk
include tests/vhd.mk
include tests/qcow2.mk
include tests/copy.mk
include tests/cfg.mk
include tests/archive.mk
include tests/refs.mk
include tests/fixups.mk
include tests/convert.mk
include tests/guests.mk
include tests/windows.mk
include tests/output.mk
include tests/fuzz.mk
include tests/remote.mk
