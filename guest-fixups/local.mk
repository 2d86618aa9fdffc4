# guest-fixups/: the only folder that links libguestfs.
