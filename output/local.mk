# output/: domain XML and the libvirt / local / qemu / null outputs;
# the only folder that links libvirt.
