/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: unit tests for the reference rule (formats/refs.h), the pure
 * function both local files and remote sources apply. */
#include <config.h>

#include <stdlib.h>

#include "refs.h"
#include "test.h"

/* ref_resolve (referrer, ref, root) must give verdict v and, when it
 * gives a name, that name. */
static void
check (const char *referrer, const char *ref, const char *root,
       enum ref_verdict v, const char *want)
{
  char *got = NULL;
  enum ref_verdict r = ref_resolve (referrer, ref, root, &got);

  if (r != v)
    FAIL_AT ("ref_resolve (\"%s\", \"%s\", %s%s%s): verdict %d, "
             "expected %d", referrer, ref, root ? "\"" : "",
             root ? root : "NULL", root ? "\"" : "", (int) r, (int) v);
  if (want)
    ASSERT_STR_EQ (got, want);
  else
    ASSERT (got == NULL);
  free (got);
}

int
main (void)
{
  /* Archive members: root "" (the top of the archive). */
  check ("disk.vmdk", "disk-flat.vmdk", "", REF_OK, "disk-flat.vmdk");
  check ("vm/disk.vmdk", "disk-flat.vmdk", "", REF_OK,
         "vm/disk-flat.vmdk");
  check ("vm/disk.vmdk", "./sub/../x.vmdk", "", REF_OK, "vm/x.vmdk");
  check ("vm/disk.vmdk", "../top.vmdk", "", REF_OK, "top.vmdk");
  check ("disk.vmdk", "../outside.vmdk", "", REF_OUTSIDE,
         "../outside.vmdk");
  check ("vm/disk.vmdk", "../../x", "", REF_OUTSIDE, "../x");
  check ("disk.vmdk", "a/../../x", "", REF_OUTSIDE, "../x");
  check ("disk.vmdk", "/etc/hostname", "", REF_ABSOLUTE, NULL);
  check ("disk.vmdk", "", "", REF_EMPTY, NULL);
  check ("disk.vmdk", "a//b/./c", "", REF_OK, "a/b/c");

  /* Loose files: absolute referrer and root. */
  check ("/d/vm/a.vmdk", "a-flat.vmdk", "/d/vm", REF_OK,
         "/d/vm/a-flat.vmdk");
  check ("/d/vm/a.vmdk", "/d/vm/sub/b.vmdk", "/d/vm", REF_OK,
         "/d/vm/sub/b.vmdk");
  check ("/d/vm/a.vmdk", "/etc/hostname", "/d/vm", REF_OUTSIDE,
         "/etc/hostname");
  check ("/d/vm/a.vmdk", "../vm2/b.vmdk", "/d/vm", REF_OUTSIDE,
         "/d/vm2/b.vmdk");
  check ("/d/vm/a.vmdk", "../vm/b.vmdk", "/d/vm", REF_OK, "/d/vm/b.vmdk");
  /* A sibling directory whose name starts like the root is outside. */
  check ("/d/vm/a.vmdk", "../vm-old/b.vmdk", "/d/vm", REF_OUTSIDE,
         "/d/vm-old/b.vmdk");
  /* A deeper link may go up as far as the root, not further. */
  check ("/d/vm/snap/b.vmdk", "../base.vmdk", "/d/vm", REF_OK,
         "/d/vm/base.vmdk");
  check ("/d/vm/snap/b.vmdk", "../../base.vmdk", "/d/vm", REF_OUTSIDE,
         "/d/base.vmdk");
  /* ".." at the top of an absolute path stays there. */
  check ("/a.vmdk", "../../etc/x", "/", REF_OK, "/etc/x");
  check ("/d/a.vmdk", "../../../etc/x", "/d", REF_OUTSIDE, "/etc/x");
  /* A root given with a trailing slash or dots means the same. */
  check ("/d/vm/a.vmdk", "b.vmdk", "/d/./vm/", REF_OK, "/d/vm/b.vmdk");

  /* No root: --allow-external-refs. */
  check ("/d/vm/a.vmdk", "/etc/hostname", NULL, REF_OK, "/etc/hostname");
  check ("/d/vm/a.vmdk", "../../x", NULL, REF_OK, "/x");
  check ("a.vmdk", "../x", NULL, REF_OK, "../x");

  /* Remote names (a datastore path) follow the same rule. */
  check ("/vmfs/volumes/ds1/vm/vm.vmx", "vm.vmdk",
         "/vmfs/volumes/ds1/vm", REF_OK, "/vmfs/volumes/ds1/vm/vm.vmdk");
  check ("/vmfs/volumes/ds1/vm/vm.vmdk", "/vmfs/volumes/ds2/other.vmdk",
         "/vmfs/volumes/ds1/vm", REF_OUTSIDE,
         "/vmfs/volumes/ds2/other.vmdk");

  ASSERT (ref_inside ("/d/vm", "/d/vm"));
  ASSERT (ref_inside ("/d/vm/x", "/d/vm/"));
  ASSERT (!ref_inside ("/d/vmx", "/d/vm"));
  ASSERT (!ref_inside ("vm/x", "/"));
  ASSERT (!ref_inside ("/x", ""));
  ASSERT (ref_inside ("..x", ""));
  ASSERT (!ref_inside ("../x", ""));
  ASSERT (!ref_inside ("..", ""));
  ASSERT_STR_EQ (ref_verdict_string (REF_ABSOLUTE), "is an absolute path");
  printf ("refs: ok\n");
  return 0;
}
