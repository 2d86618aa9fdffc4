# tests/vmdk.mk: owned by the vmdk area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-vmdk-qemu.sh \
	tests/test-vmdk-corpus.sh \
	$(NULL)
EXTRA_DIST += \
	tests/vmdk-functions.sh \
	tests/test-vmdk-qemu.sh \
	tests/test-vmdk-corpus.sh \
	$(NULL)
