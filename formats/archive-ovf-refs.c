/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the disk references of an OVF descriptor (see archive-ova.h).
 *
 * DMTF DSP0243 §7/§9: References/File (id, href, compression,
 * chunkSize) and DiskSection/Disk (diskId, fileRef, capacity,
 * capacityAllocationUnits: "byte * 2^N").  Elements and attributes are
 * matched on local names (producers use ovf: prefixes or a default
 * namespace).  libxml2 is run with no network, no entity substitution
 * and no DTD loading.  Only what opening the disks needs: the guest
 * description is cfg-ovf's business.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "checked.h"
#include "cleanup.h"
#include "cfg-xml.h"
#include "error.h"
#include "archive-ova.h"
#include "xalloc.h"

/* Value of the attribute of n whose local name is local (any
 * namespace: prefixes vary between producers), or NULL. */
static char *
attr (xmlNode *n, const char *local)
{
  for (xmlAttr *a = n->properties; a; a = a->next)
    if (strcmp ((const char *) a->name, local) == 0) {
      xmlChar *v = xmlNodeListGetString (n->doc, a->children, 1);
      char *r = xstrdup (v ? (const char *) v : "");
      xmlFree (v);
      return r;
    }
  return NULL;
}

/* Bytes per unit of capacityAllocationUnits ("byte", "byte * 2^20"),
 * or 0 if not understood. */
static uint64_t
units_bytes (const char *units)
{
  char buf[64];
  size_t o = 0;
  unsigned p;
  char *end;

  if (!units)
    return 1;
  for (const char *s = units; *s && o < sizeof buf - 1; ++s)
    if (*s != ' ')
      buf[o++] = *s;
  buf[o] = '\0';
  if (strcasecmp (buf, "byte") == 0 || strcasecmp (buf, "bytes") == 0)
    return 1;
  if (strncasecmp (buf, "byte*2^", 7) == 0) {
    p = (unsigned) strtoul (buf + 7, &end, 10);
    return (*end == '\0' && end != buf + 7 && p < 63) ? UINT64_C (1) << p : 0;
  }
  return 0;
}

static int64_t
parse_capacity (const char *cap, const char *units)
{
  uint64_t n, mult = units_bytes (units), r;
  char *end;

  if (!cap || mult == 0)
    return -1;
  errno = 0;
  n = strtoull (cap, &end, 10);
  if (errno || end == cap || *end || MUL_OVERFLOW (n, mult, &r) ||
      r > INT64_MAX)
    return -1;                          /* "${property}" and friends */
  return (int64_t) r;
}

/* Walk the tree: References/File and DiskSection/Disk, in order. */
static void
collect (xmlNode *n, xmlNode **files, size_t *nfiles, xmlNode **disks,
         size_t *ndisks)
{
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    const char *name = (const char *) n->name;
    const char *parent = n->parent && n->parent->type == XML_ELEMENT_NODE ?
      (const char *) n->parent->name : "";
    if (strcmp (name, "File") == 0 && strcmp (parent, "References") == 0 &&
        *nfiles < OVA_MAX_DISKS)
      files[(*nfiles)++] = n;
    else if (strcmp (name, "Disk") == 0 &&
             strcmp (parent, "DiskSection") == 0 && *ndisks < OVA_MAX_DISKS)
      disks[(*ndisks)++] = n;
    collect (n->children, files, nfiles, disks, ndisks);
  }
}

/* Fill d from the Disk element dn and the File it refers to. */
static void
fill_disk (struct ova_disk *d, xmlNode *dn, xmlNode **files, size_t nfiles)
{
  CLEANUP_FREE char *cap = attr (dn, "capacity");
  CLEANUP_FREE char *units = attr (dn, "capacityAllocationUnits");
  CLEANUP_FREE char *ref = attr (dn, "fileRef");

  d->id = attr (dn, "diskId");
  d->capacity = parse_capacity (cap, units);
  for (size_t i = 0; ref && i < nfiles; ++i) {
    CLEANUP_FREE char *id = attr (files[i], "id");
    if (id && strcmp (id, ref) == 0) {
      CLEANUP_FREE char *comp = attr (files[i], "compression");
      CLEANUP_FREE char *chunk = attr (files[i], "chunkSize");
      d->href = attr (files[i], "href");
      d->gzip = comp && strcmp (comp, "gzip") == 0;
      d->chunked = chunk != NULL;
      break;
    }
  }
}

int
ovf_disk_refs (struct bfile *ovf, ova_disk_vector *out)
{
  CLEANUP_FREE char *buf = NULL;
  xmlNode *files[OVA_MAX_DISKS], *disks[OVA_MAX_DISKS];
  size_t nfiles = 0, ndisks = 0;
  xmlDoc *doc;

  if (ovf->size > OVF_MAX_SIZE) {
    set_error (EINVAL, "'%s': OVF descriptor is larger than %d bytes",
               ovf->name, OVF_MAX_SIZE);
    return -1;
  }
  buf = xmalloc (ovf->size + 1);
  if (bfile_pread (ovf, buf, ovf->size, 0) == -1)
    return -1;
  /* No network, no DTD, no entities (cfg-xml.h). */
  doc = cfg_xml_parse (buf, (size_t) ovf->size, ovf->name);
  if (!doc)
    return -1;
  collect (xmlDocGetRootElement (doc), files, &nfiles, disks, &ndisks);
  for (size_t i = 0; i < ndisks; ++i) {
    struct ova_disk d = { .capacity = -1 };
    fill_disk (&d, disks[i], files, nfiles);
    ova_disk_vector_append (out, d);
  }
  xmlFreeDoc (doc);
  return 0;
}
