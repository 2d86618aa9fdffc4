/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: the vSphere API's SOAP replies (remote/vsphere-int.h).
 * The input is the body of a reply as a server would send it:
 * soap_parse_reply (the envelope, its Body and a soapenv:Fault), then on
 * the reply element every parser the session runs on what comes back:
 * the ServiceContent, the Datacenter objects, the VirtualMachine
 * objects (devices, disks, NICs, layoutEx) with the continuation token,
 * the Datastore objects (name, summary.url: ids mapped), and the
 * datastore paths a VM names ("[DS] dir/x.vmx", disk backings) as the
 * /folder transport maps and resolves them. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "fuzz.h"
#include "https.h"
#include "vsphere-int.h"
#include "xalloc.h"

static void
check_path (void *tp, const char *dspath)
{
  char *p, *r;

  if (!dspath)
    return;
  p = folder_path_from_ds (dspath);
  if (!p) {
    fuzz_check_error ("folder_path_from_ds");
    return;
  }
  /* What the vmx reader hands the transport: a name beside the .vmx. */
  r = folder_ops.resolve (tp, p, "disk-flat.vmdk");
  if (!r)
    fuzz_check_error ("resolve");
  free (r);
  r = folder_ops.resolve (tp, "/vmfs/volumes/ds/vm/vm.vmx", dspath);
  if (!r)
    fuzz_check_error ("resolve");
  free (r);
  free (p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct https_conf conf = { .scheme = (char *) "esx",
                             .host = (char *) "fuzz", .port = 443 };
  struct vsphere *v;
  struct dc_search dcs = { 0 };
  struct vm_list l = { 0 };
  enum fault fault = FAULT_NONE;
  xmlNodePtr ret;
  xmlDocPtr doc;
  char *token = NULL;
  void *tp;

  fuzz_init ();
  doc = soap_parse_reply ("esx://root@fuzz:443", "RetrievePropertiesEx",
                          200, (const char *) data, size, &fault, &ret);
  if (!doc) {
    fuzz_check_error ("soap_parse_reply");
    return 0;
  }
  /* Issue 18's rule for every XML reader: no DTD, no entities. */
  if (doc->intSubset || doc->extSubset) {
    fprintf (stderr, "fuzz: soap_parse_reply accepted a <!DOCTYPE>\n");
    abort ();
  }
  v = xzalloc (sizeof *v);
  v->display = xstrdup ("esx://root@fuzz:443");
  if (vsphere_service_content (v, ret) == -1)
    fuzz_check_error ("service content");
  if (vsphere_reply_objects (v, ret, vsphere_dc_object, &dcs, &token) == -1)
    fuzz_check_error ("datacenters");
  free (token);
  token = NULL;
  if (vsphere_reply_objects (v, ret, vsphere_vm_object, &l, &token) == -1)
    fuzz_check_error ("vms");
  free (token);
  token = NULL;
  if (vsphere_reply_objects (v, ret, vsphere_ds_object, NULL, &token) == -1)
    fuzz_check_error ("datastores");
  free (token);
  tp = folder_transport (&conf, v->dc ? v->dc : "ha-datacenter");
  for (size_t i = 0; i < v->ds_ids.len; i++)
    folder_map_datastore (tp, v->ds_ids.ptr[i], v->ds_names.ptr[i]);
  for (size_t i = 0; i < l.n; i++) {
    check_path (tp, l.vms[i].vmx);
    for (size_t j = 0; j < l.vms[i].ndisks; j++)
      check_path (tp, l.vms[i].disks[j].file);
    if (vsphere_check_off (v, &l.vms[i]) == -1)
      fuzz_check_error ("check_off");
  }
  folder_ops.close (tp);
  vsphere_vms_free (l.vms, l.n);
  xmlFreeDoc (doc);
  vsphere_close (v);
  clear_error ();
  return 0;
}
