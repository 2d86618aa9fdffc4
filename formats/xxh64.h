/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: XXH64 (xxHash specification, seed 0): the digest of the
 * ".xxhash" block members of Citrix Hypervisor 8.1+ XVA exports
 * (archive-xva.c).  The tests check it against xxhsum -H1 and the
 * specification's empty-input value ef46db3751d8e999. */
#ifndef V2K_XXH64_H
#define V2K_XXH64_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of the len bytes at p, seed 0. */
uint64_t xxh64 (const unsigned char *p, size_t len);

#endif /* V2K_XXH64_H */
