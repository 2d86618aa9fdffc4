# tests/archive.mk: owned by the archive area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-archive-verify.sh \
	tests/test-archive-hostile.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-archive-verify.sh \
	tests/test-archive-hostile.sh \
	$(NULL)
