# tests/copy.mk: disk writers, the copy engine and `disk convert`.
TESTS += \
	tests/test-copy-qcow2.sh \
	tests/test-copy-errors.sh \
	tests/test-copy-machine-readable.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-copy-qcow2.sh \
	tests/test-copy-errors.sh \
	tests/test-copy-machine-readable.sh \
	$(NULL)
