# tests/convert.mk: the conversion pipeline (NBD serving, overlays, convert).
TESTS += \
	tests/test-nbd-plugin.sh \
	tests/test-accel-probe.sh \
	$(NULL)
EXTRA_DIST += tests/test-nbd-plugin.sh tests/test-accel-probe.sh
