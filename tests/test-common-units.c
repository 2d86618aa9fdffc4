/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: unit tests for common/ and the blk core. */
#include <config.h>

#include <errno.h>

#include "checked.h"
#include "error.h"
#include "extents.h"
#include "iszero.h"
#include "test.h"
#include "vector.h"

static void
test_extents (void)
{
  extent_list l = empty_vector;

  extent_list_add (&l, 0, 10, EXT_DATA);
  extent_list_add (&l, 10, 5, EXT_DATA);        /* merges */
  extent_list_add (&l, 15, 0, EXT_HOLE);        /* no-op */
  extent_list_add (&l, 15, 5, EXT_HOLE);
  ASSERT_INT_EQ (l.len, 2);
  ASSERT_INT_EQ (l.ptr[0].length, 15);
  ASSERT_INT_EQ (l.ptr[1].type, EXT_HOLE);
  ASSERT (extent_list_valid (&l, 0));
  ASSERT (extent_list_valid (&l, 19));
  ASSERT (!extent_list_valid (&l, 20));
  l.ptr[1].offset = 16;                         /* gap */
  ASSERT (!extent_list_valid (&l, 0));
  extent_list_reset (&l);
  ASSERT (!extent_list_valid (&l, 0));
}

static void
test_checked (void)
{
  uint64_t r;

  ASSERT (MUL_OVERFLOW (UINT64_MAX / 2, (uint64_t) 3, &r));
  ASSERT (!MUL_OVERFLOW ((uint64_t) 1 << 31, (uint64_t) 4, &r));
  ASSERT_INT_EQ (r, (uint64_t) 1 << 33);
  ASSERT (ADD_OVERFLOW (UINT64_MAX, (uint64_t) 1, &r));
  ASSERT (is_power_of_2 (65536));
  ASSERT (!is_power_of_2 (0));
  ASSERT (!is_power_of_2 (65535));
  ASSERT_INT_EQ (DIV_ROUND_UP (10, 4), 3);
}

static void
test_iszero (void)
{
  char buf[4096] = { 0 };

  ASSERT (is_zero (buf, sizeof buf));
  ASSERT (is_zero (buf, 3));
  buf[4095] = 1;
  ASSERT (!is_zero (buf, sizeof buf));
  ASSERT (is_zero (buf, 4095));
  buf[7] = 1;
  ASSERT (!is_zero (buf, 8));
}

static void
test_errors (void)
{
  errno = ENOENT;
  set_error_errno ("cannot open '%s'", "x");
  ASSERT_STR_EQ (get_error (), "cannot open 'x': No such file or directory");
  ASSERT_INT_EQ (get_errno (), ENOENT);
  ASSERT_INT_EQ (errno, ENOENT);
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_INPUT);
  prepend_error ("disk %d: ", 2);
  ASSERT_STR_EQ (get_error (), "disk 2: cannot open 'x': No such file or directory");
  set_error (ENOTSUP, "unsupported");
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_UNSUPPORTED);
  set_error (EBADMSG, "digest mismatch");
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_INTEGRITY);
  set_error (EIO, "write failed");
  error_set_kind (V2K_ERR_OUTPUT);
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_OUTPUT);
  clear_error ();
  ASSERT_STR_EQ (get_error (), "");
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_FAILURE);
}

int
main (void)
{
  test_extents ();
  test_checked ();
  test_iszero ();
  test_errors ();
  printf ("common units: ok\n");
  return 0;
}
