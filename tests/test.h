/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: C test harness.  Each test program is a plain main() that
 * exits 0 (pass), 1 (fail) or 77 (skip, with a reason printed).  The
 * assertions print file:line and both values, then exit 1. */
#ifndef V2K_TEST_H
#define V2K_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define FAIL_AT(...) do {                                               \
    fprintf (stderr, "%s:%d: ", __FILE__, __LINE__);                    \
    fprintf (stderr, __VA_ARGS__);                                      \
    fprintf (stderr, "\n");                                             \
    exit (1);                                                           \
  } while (0)

#define ASSERT(e) do { if (!(e)) FAIL_AT ("assertion failed: %s", #e); } while (0)
#define ASSERT_INT_EQ(a, b) do {                                        \
    long long _a = (long long) (a), _b = (long long) (b);               \
    if (_a != _b) FAIL_AT ("%s == %lld, expected %s == %lld", #a, _a, #b, _b); \
  } while (0)
#define ASSERT_STR_EQ(a, b) do {                                        \
    const char *_a = (a), *_b = (b);                                    \
    if (!_a || !_b || strcmp (_a, _b) != 0)                             \
      FAIL_AT ("%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
  } while (0)
#define ASSERT_MEM_EQ(a, b, n) do {                                     \
    if (memcmp ((a), (b), (n)) != 0) FAIL_AT ("memory %s != %s", #a, #b); \
  } while (0)
/* call must fail with errno e and a message starting with prefix. */
#define ASSERT_FAILS_WITH(call, e, prefix) do {                         \
    clear_error ();                                                     \
    if ((call) == 0) FAIL_AT ("%s succeeded, expected failure", #call); \
    if (get_errno () != (e))                                            \
      FAIL_AT ("%s: errno %d, expected %d (%s)", #call, get_errno (), (e), get_error ()); \
    if (strncmp (get_error (), (prefix), strlen (prefix)) != 0)         \
      FAIL_AT ("%s: message \"%s\", expected prefix \"%s\"", #call, get_error (), (prefix)); \
  } while (0)

#define SKIP(...) do {                                                  \
    printf ("SKIP: "); printf (__VA_ARGS__); printf ("\n"); exit (77);  \
  } while (0)

#endif /* V2K_TEST_H */
