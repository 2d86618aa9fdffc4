# SPDX-License-Identifier: BSD-3-Clause
# tests/cfg.mk: owned by the cfg area (guest config readers, struct
# guest, domain XML, `v2kvm source`).
TESTS += \
	tests/test-cfg-vmx-corpus.sh \
	tests/test-cfg-xl-corpus.sh \
	tests/test-cfg-libvirt-xml.sh \
	tests/test-cfg-ovf-corpus.sh \
	tests/test-cfg-xva.sh \
	tests/test-cfg-golden.sh \
	tests/test-cfg-domxml.sh \
	tests/test-cfg-errors.sh \
	tests/test-cfg-oracle-virsh.sh \
	$(NULL)
EXTRA_DIST += \
	tests/cfg-compare.py \
	tests/cfg-gen.py \
	tests/test-cfg-vmx-corpus.sh \
	tests/test-cfg-xl-corpus.sh \
	tests/test-cfg-libvirt-xml.sh \
	tests/test-cfg-ovf-corpus.sh \
	tests/test-cfg-xva.sh \
	tests/test-cfg-golden.sh \
	tests/test-cfg-domxml.sh \
	tests/test-cfg-errors.sh \
	tests/test-cfg-oracle-virsh.sh \
	tests/data/cfg \
	$(NULL)
