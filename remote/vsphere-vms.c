/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the vSphere inventory: the datacenter and its VMs, read with a
 * ContainerView and RetrievePropertiesEx (the PropertyCollector pattern
 * of the vSphere Web Services SDK programming guide: an ObjectSpec on the
 * view, a TraversalSpec over ContainerView.view, one PropertySpec), and
 * ContinueRetrievePropertiesEx while the reply carries a token. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "error.h"
#include "vsphere-int.h"
#include "xalloc.h"

int
vsphere_reply_objects (struct vsphere *v, xmlNodePtr ret, object_fn fn,
                       void *opaque, char **token)
{
  xmlNodePtr rv = xml_child (ret, "returnval");

  *token = NULL;
  for (xmlNodePtr o = rv ? rv->children : NULL; o; o = o->next)
    if (o->type == XML_ELEMENT_NODE && !strcmp ((const char *) o->name,
                                                "objects") &&
        fn (v, o, opaque) == -1)
      return -1;
  *token = xml_child_text (rv, "token");
  return 0;
}

/* Every object of type under container (recursively), with props. */
static int
retrieve (struct vsphere *v, const char *container, const char *ctype,
          const char *type, const char *const *props, object_fn fn,
          void *opaque)
{
  CLEANUP_FREE char *body = NULL;
  CLEANUP_FREE char *view = NULL;
  CLEANUP_FREE char *paths = xstrdup ("");
  CLEANUP_FREE char *token = NULL;
  xmlNodePtr ret;
  xmlDocPtr doc;
  int r = -1;

  body = xasprintf ("<_this type=\"ViewManager\">%s</_this>"
                    "<container type=\"%s\">%s</container>"
                    "<type>%s</type><recursive>true</recursive>",
                    v->view_manager, ctype, container, type);
  doc = soap_call (v, "CreateContainerView", body, &ret);
  if (!doc)
    return -1;
  view = xml_child_text (ret, "returnval");
  xmlFreeDoc (doc);
  for (size_t i = 0; props[i]; i++) {
    char *n = xasprintf ("%s<pathSet>%s</pathSet>", paths, props[i]);
    free (paths);
    paths = n;
  }
  free (body);
  body = xasprintf (
    "<_this type=\"PropertyCollector\">%s</_this>"
    "<specSet><propSet><type>%s</type>%s</propSet>"
    "<objectSet><obj type=\"ContainerView\">%s</obj><skip>true</skip>"
    "<selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
    "<type>ContainerView</type><path>view</path><skip>false</skip>"
    "</selectSet></objectSet></specSet><options></options>",
    v->prop_collector, type, paths, view);
  doc = soap_call (v, "RetrievePropertiesEx", body, &ret);
  while (doc) {
    free (token);
    if (vsphere_reply_objects (v, ret, fn, opaque, &token) == -1) {
      xmlFreeDoc (doc);
      goto out;
    }
    xmlFreeDoc (doc);
    doc = NULL;
    if (!token) {
      r = 0;
      break;
    }
    free (body);
    body = xasprintf ("<_this type=\"PropertyCollector\">%s</_this>"
                      "<token>%s</token>", v->prop_collector, token);
    doc = soap_call (v, "ContinueRetrievePropertiesEx", body, &ret);
  }
 out:
  free (body);
  body = xasprintf ("<_this type=\"ContainerView\">%s</_this>", view);
  if (r == 0) {
    doc = soap_call (v, "DestroyView", body, &ret);
    xmlFreeDoc (doc);
  }
  return r;
}

/* The val element of property name in object, or NULL. */
static xmlNodePtr
prop (xmlNodePtr object, const char *name)
{
  for (xmlNodePtr p = object->children; p; p = p->next) {
    if (p->type != XML_ELEMENT_NODE || strcmp ((const char *) p->name,
                                               "propSet"))
      continue;
    CLEANUP_FREE char *n = xml_child_text (p, "name");
    if (n && !strcmp (n, name))
      return xml_child (p, "val");
  }
  return NULL;
}

int
vsphere_dc_object (struct vsphere *v, xmlNodePtr o, void *opaque)
{
  struct dc_search *s = opaque;
  CLEANUP_FREE char *name = xml_text (prop (o, "name"));

  s->count++;
  if (s->found || !name)
    return 0;
  if (v->want_dc ? !strcmp (name, v->want_dc) : true) {
    v->dc = xstrdup (name);
    v->dc_ref = xml_child_text (o, "obj");
    v->vm_folder = xml_text (prop (o, "vmFolder"));
    s->found = true;
  }
  return 0;
}

int
vsphere_find_datacenter (struct vsphere *v)
{
  static const char *const props[] = { "name", "vmFolder", NULL };
  struct dc_search s = { 0 };

  if (retrieve (v, v->root_folder, "Folder", "Datacenter", props,
                vsphere_dc_object,
                &s) == -1)
    return -1;
  if (!s.found || !v->vm_folder) {
    if (v->want_dc)
      set_error (ENOENT, "%s: no datacenter called '%s'", v->display,
                 v->want_dc);
    else
      set_error (ENOENT, "%s: the server has no datacenter", v->display);
    return -1;
  }
  if (!v->want_dc && s.count > 1)
    warning ("vsphere-several-datacenters", "%s: %zu datacenters, using '%s' (name one with "
             "vpx://HOST/DATACENTER)", v->display, s.count, v->dc);
  return 0;
}

int
vsphere_ds_object (struct vsphere *v, xmlNodePtr o, void *opaque)
{
  CLEANUP_FREE char *name = xml_text (prop (o, "name"));
  CLEANUP_FREE char *url = xml_text (prop (o, "summary.url"));
  char *id = folder_datastore_id (url);

  (void) opaque;
  if (!name || !id || !strcmp (id, name) || strchr (id, ':')) {
    free (id);
    return 0;
  }
  string_vector_append (&v->ds_ids, id);
  string_vector_append (&v->ds_names, xstrdup (name));
  return 0;
}

int
vsphere_find_datastores (struct vsphere *v)
{
  static const char *const props[] = { "name", "summary.url", NULL };

  if (v->ds_read)
    return 0;
  if (!v->dc_ref) {
    set_error (EIO, "%s: the datacenter has no object id", v->display);
    return -1;
  }
  if (retrieve (v, v->dc_ref, "Datacenter", "Datastore", props,
                vsphere_ds_object, NULL) == -1)
    return -1;
  v->ds_read = true;
  for (size_t i = 0; i < v->ds_ids.len; i++)
    debug ("%s: datastore '%s' is /vmfs/volumes/%s", v->display,
           v->ds_names.ptr[i], v->ds_ids.ptr[i]);
  return 0;
}

/* ---- VMs ---- */

static const char *const vm_props[] = {
  "name", "runtime.powerState", "config.files.vmPathName", "config.guestId",
  "config.guestFullName", "config.firmware", "config.hardware.device",
  "summary.storage.committed", "layoutEx.disk", "layoutEx.file", NULL
};

/* The integer in child name of n, or dflt if absent or malformed. */
static long long
child_long (xmlNodePtr n, const char *name, long long dflt)
{
  CLEANUP_FREE char *t = xml_child_text (n, name);
  char *end;
  long long v;

  if (!t || !*t)
    return dflt;
  errno = 0;
  v = strtoll (t, &end, 10);
  return errno || *end ? dflt : v;
}

struct file_size {
  long long key, size;
};

static int
by_key (const void *a, const void *b)
{
  long long x = ((const struct file_size *) a)->key;
  long long y = ((const struct file_size *) b)->key;

  return x < y ? -1 : x > y;
}

/* Each disk's used bytes from layoutEx: disk key -> chain of units ->
 * file keys -> file sizes (looked up in a sorted copy: linear-log in
 * the reply's size).  A disk that layoutEx does not describe, or whose
 * files it does not size, stays VSPHERE_UNKNOWN. */
static void
disk_usage (struct vsphere_vm *vm, xmlNodePtr ldisks, xmlNodePtr lfiles)
{
  struct file_size *files = NULL;
  size_t nfiles = 0;

  for (xmlNodePtr f = lfiles ? lfiles->children : NULL; f; f = f->next) {
    if (f->type != XML_ELEMENT_NODE)
      continue;
    files = xreallocarray (files, nfiles + 1, sizeof *files);
    files[nfiles].key = child_long (f, "key", -1);
    files[nfiles++].size = child_long (f, "size", -1);
  }
  if (nfiles > 1)
    qsort (files, nfiles, sizeof *files, by_key);
  for (xmlNodePtr dl = ldisks ? ldisks->children : NULL; dl; dl = dl->next) {
    long long key = child_long (dl, "key", -1);
    struct vsphere_disk *k = NULL;
    uint64_t sum = 0;
    bool ok = true;

    if (dl->type != XML_ELEMENT_NODE || key < 0)
      continue;
    for (size_t i = 0; i < vm->ndisks && !k; i++)
      if (vm->disks[i].key == key && vm->disks[i].used == VSPHERE_UNKNOWN)
        k = &vm->disks[i];
    if (!k)
      continue;
    for (xmlNodePtr ch = dl->children; ch && ok; ch = ch->next) {
      if (ch->type != XML_ELEMENT_NODE || strcmp ((const char *) ch->name,
                                                  "chain"))
        continue;
      for (xmlNodePtr fk = ch->children; fk && ok; fk = fk->next) {
        CLEANUP_FREE char *t = NULL;
        struct file_size want = { -1, -1 }, *f;
        char *end;
        if (fk->type != XML_ELEMENT_NODE || strcmp ((const char *) fk->name,
                                                    "fileKey"))
          continue;
        t = xml_text (fk);
        errno = 0;
        want.key = t && *t ? strtoll (t, &end, 10) : -1;
        if (!t || !*t || errno || *end)
          want.key = -1;
        f = nfiles ? bsearch (&want, files, nfiles, sizeof *files, by_key)
          : NULL;
        if (!f || f->size < 0 || (uint64_t) f->size > UINT64_MAX - 1 - sum)
          ok = false;
        else
          sum += (uint64_t) f->size;
      }
    }
    if (ok)
      k->used = sum;
  }
  free (files);
}

static void
add_device (struct vsphere_vm *vm, xmlNodePtr d)
{
  CLEANUP_FREE char *type = (char *) xmlGetProp (d, BAD_CAST "type");
  const char *t = type ? type : "";

  if (!strncmp (t, "Virtual", 7))
    t += 7;
  if (!strcmp (t, "Disk")) {
    struct vsphere_disk *k;
    CLEANUP_FREE char *bytes = xml_child_text (d, "capacityInBytes");
    CLEANUP_FREE char *kb = xml_child_text (d, "capacityInKB");
    vm->disks = xreallocarray (vm->disks, vm->ndisks + 1, sizeof *vm->disks);
    k = &vm->disks[vm->ndisks++];
    k->capacity = bytes ? strtoull (bytes, NULL, 10)
      : kb ? strtoull (kb, NULL, 10) * 1024 : 0;
    k->file = xml_child_text (xml_child (d, "backing"), "fileName");
    k->used = VSPHERE_UNKNOWN;
    k->key = child_long (d, "key", -1);
  }
  else if (xml_child (d, "macAddress") || xml_child (d, "addressType")) {
    struct vsphere_nic *nic;
    xmlNodePtr b = xml_child (d, "backing");
    vm->nics = xreallocarray (vm->nics, vm->nnics + 1, sizeof *vm->nics);
    nic = &vm->nics[vm->nnics++];
    nic->model = xstrdup (t);
    for (char *p = nic->model; *p; p++)
      *p = (char) tolower ((unsigned char) *p);
    nic->mac = xml_child_text (d, "macAddress");
    nic->network = xml_child_text (b, "deviceName");
    if (!nic->network)
      nic->network = xml_child_text (xml_child (d, "deviceInfo"), "summary");
  }
}

int
vsphere_vm_object (struct vsphere *v, xmlNodePtr o, void *opaque)
{
  struct vm_list *l = opaque;
  struct vsphere_vm *vm;
  xmlNodePtr devs = prop (o, "config.hardware.device");
  CLEANUP_FREE char *used = xml_text (prop (o, "summary.storage.committed"));

  (void) v;
  l->vms = xreallocarray (l->vms, l->n + 1, sizeof *l->vms);
  vm = &l->vms[l->n++];
  memset (vm, 0, sizeof *vm);
  vm->name = xml_text (prop (o, "name"));
  if (!vm->name)
    vm->name = xstrdup ("");
  vm->power = xml_text (prop (o, "runtime.powerState"));
  vm->vmx = xml_text (prop (o, "config.files.vmPathName"));
  vm->guest_id = xml_text (prop (o, "config.guestId"));
  vm->guest_name = xml_text (prop (o, "config.guestFullName"));
  vm->firmware = xml_text (prop (o, "config.firmware"));
  vm->used = used ? strtoull (used, NULL, 10) : 0;
  for (xmlNodePtr d = devs ? devs->children : NULL; d; d = d->next)
    if (d->type == XML_ELEMENT_NODE)
      add_device (vm, d);
  disk_usage (vm, prop (o, "layoutEx.disk"), prop (o, "layoutEx.file"));
  return 0;
}

static int
by_name (const void *a, const void *b)
{
  return strcmp (((const struct vsphere_vm *) a)->name,
                 ((const struct vsphere_vm *) b)->name);
}

int
vsphere_list (struct vsphere *v, struct vsphere_vm **vms, size_t *n)
{
  struct vm_list l = { 0 };

  if (retrieve (v, v->vm_folder, "Folder", "VirtualMachine", vm_props,
                vsphere_vm_object, &l) == -1) {
    vsphere_vms_free (l.vms, l.n);
    return -1;
  }
  if (l.n > 1)
    qsort (l.vms, l.n, sizeof *l.vms, by_name);
  *vms = l.vms;
  *n = l.n;
  return 0;
}

/* Edit distance, case-insensitive, capped (for "did you mean"). */
static size_t
distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  size_t *row, best;

  if (la > 256 || lb > 256)
    return SIZE_MAX;
  row = xmalloc ((lb + 1) * sizeof *row);
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = tolower ((unsigned char) a[i - 1]) !=
        tolower ((unsigned char) b[j - 1]);
      size_t m = diag + cost;
      if (up + 1 < m) m = up + 1;
      if (row[j - 1] + 1 < m) m = row[j - 1] + 1;
      row[j] = m;
      diag = up;
    }
  }
  best = row[lb];
  free (row);
  return best;
}

int
vsphere_find (struct vsphere *v, const char *name, struct vsphere_vm *out)
{
  struct vsphere_vm *vms;
  size_t n, nclose = 0;
  char hint[1024] = "";

  if (vsphere_list (v, &vms, &n) == -1)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (strcmp (vms[i].name, name) == 0) {
      *out = vms[i];
      memset (&vms[i], 0, sizeof vms[i]);
      vsphere_vms_free (vms, n);
      return 0;
    }
  }
  for (size_t i = 0; i < n && nclose < 5; i++) {
    size_t d = distance (vms[i].name, name);
    size_t len = strlen (name);
    if (d <= (len > 9 ? len / 3 : 3) || strcasestr (vms[i].name, name) ||
        strcasestr (name, vms[i].name)) {
      size_t used = strlen (hint);
      snprintf (hint + used, sizeof hint - used, "%s'%s'", nclose ? ", " : "",
                vms[i].name);
      nclose++;
    }
  }
  if (nclose)
    set_error (ENOENT, "%s: no VM called '%s' (close names: %s)",
               v->display, name, hint);
  else
    set_error (ENOENT, "%s: no VM called '%s' among its %zu VMs (v2kvm "
               "source list -ic URI names them)", v->display, name, n);
  vsphere_vms_free (vms, n);
  return -1;
}

void
vsphere_vm_free_fields (struct vsphere_vm *vm)
{
  free (vm->name);
  free (vm->power);
  free (vm->guest_id);
  free (vm->guest_name);
  free (vm->firmware);
  free (vm->vmx);
  for (size_t i = 0; i < vm->ndisks; i++)
    free (vm->disks[i].file);
  free (vm->disks);
  for (size_t i = 0; i < vm->nnics; i++) {
    free (vm->nics[i].model);
    free (vm->nics[i].mac);
    free (vm->nics[i].network);
  }
  free (vm->nics);
  memset (vm, 0, sizeof *vm);
}

void
vsphere_vms_free (struct vsphere_vm *vms, size_t n)
{
  for (size_t i = 0; i < n; i++)
    vsphere_vm_free_fields (&vms[i]);
  free (vms);
}
