# SPDX-License-Identifier: BSD-3-Clause
# tests/remote.mk: remote inputs.  -ic esx:// / vpx:// against VMware's
# vSphere API simulator (govmomi, built from tests/vsphere-sim/main.go
# once per source hash into /var/tmp/v2kvm-vsphere-sim), through a fault-
# injecting proxy (tests/vsphere-proxy.py); all on 127.0.0.1.
TESTS += \
	tests/test-vsphere-cli.sh \
	tests/test-vsphere-faults.sh \
	$(NULL)
# The vmware test guest from the simulator's datastore, booted: slow.
TESTS += tests/test-vsphere-convert.sh
SLOW_TESTS += tests/test-vsphere-convert.sh
EXTRA_DIST += \
	tests/test-vsphere-convert.sh \
	tests/test-vsphere-cli.sh \
	tests/test-vsphere-faults.sh \
	tests/vsphere-functions.sh \
	tests/vsphere-proxy.py \
	tests/vsphere-sim/main.go \
	$(NULL)
# -it ssh against a throwaway sshd on 127.0.0.1 (tests/ssh-functions.sh);
# the two guest boots are slow (SLOW=1).
SSH_SLOW_TESTS = tests/test-ssh-vmware-esx.sh tests/test-ssh-xen-phy.sh
TESTS += $(SSH_SLOW_TESTS)
SLOW_TESTS += $(SSH_SLOW_TESTS)
EXTRA_DIST += $(SSH_SLOW_TESTS)
TESTS += tests/test-ssh-convert.sh tests/test-ssh-blockdev.sh
EXTRA_DIST += tests/test-ssh-convert.sh tests/test-ssh-blockdev.sh \
	tests/ssh-functions.sh tests/sftp-throttle.py
