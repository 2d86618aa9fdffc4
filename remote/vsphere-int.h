/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: what vsphere.c and vsphere-vms.c share (not for other files). */
#ifndef V2K_VSPHERE_INT_H
#define V2K_VSPHERE_INT_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "https.h"
#include "vector.h"
#include "vsphere.h"

enum fault { FAULT_NONE, FAULT_LOGIN, FAULT_AUTH, FAULT_OTHER };

struct vsphere {
  struct https_conf conf;       /* fields owned here */
  char *display;                /* esx://user@host:port */
  char *want_dc;                /* vpx: the URI's datacenter */
  CURLSH *share;                /* the API's connection and session cookie
                                 * (https.h: a new handle per call) */
  bool logged_in;
  bool closing;                 /* logging out: not stopped by Ctrl-C */
  enum fault last_fault;
  /* ServiceContent */
  char *root_folder, *prop_collector, *view_manager, *session_manager;
  char *api_version, *api_type;
  /* the datacenter */
  char *dc;                     /* its name (dcPath of /folder URLs) */
  char *dc_ref;                 /* its managed object id */
  char *vm_folder;              /* its vmFolder */
  /* its datastores, once read: id (of /vmfs/volumes/ID) and name */
  bool ds_read;
  string_vector ds_ids, ds_names;
};

/* One SOAP call of method with the given inner XML; the doc to free
 * and *ret, the reply element (METHODResponse).  NULL + set_error
 * (faults set v->last_fault). */
xmlDocPtr soap_call (struct vsphere *v, const char *method,
                     const char *body, xmlNodePtr *ret);

/* The reply parsers, apart from the network so that fuzz/fuzz-soap.c
 * drives them on the bytes a server could send. */

/* Parse the body of a SOAP reply to method (buf[0..len), NULL if the
 * server sent none; status: the HTTP status, for messages): the doc to
 * free and *ret, the reply element.  A soapenv:Fault sets *fault (left
 * alone otherwise) and set_error "DISPLAY: METHOD failed: MESSAGE
 * (FAULT-TYPE)".  NULL + set_error. */
xmlDocPtr soap_parse_reply (const char *display, const char *method,
                            long status, const char *buf, size_t len,
                            enum fault *fault, xmlNodePtr *ret);

/* RetrieveServiceContent's reply element into v's ServiceContent
 * fields (which must be NULL).  0, or -1 + set_error if an object v2kvm
 * needs is missing. */
int vsphere_service_content (struct vsphere *v, xmlNodePtr ret);

/* Called for each object of a RetrievePropertiesEx reply. */
typedef int (*object_fn) (struct vsphere *v, xmlNodePtr object, void *opaque);

/* Call fn on each "objects" of the reply element ret
 * (RetrievePropertiesEx or ContinueRetrievePropertiesEx); *token gets
 * the continuation token (new string) or NULL.  0, or -1 if fn failed. */
int vsphere_reply_objects (struct vsphere *v, xmlNodePtr ret, object_fn fn,
                           void *opaque, char **token);

/* object_fn for Datacenter objects (name, vmFolder): the first whose
 * name is v->want_dc (any if NULL) sets v->dc and v->vm_folder. */
struct dc_search {
  bool found;
  size_t count;                 /* datacenters seen */
};
int vsphere_dc_object (struct vsphere *v, xmlNodePtr o, void *opaque);

/* object_fn for VirtualMachine objects (the properties vsphere_list
 * asks for): appends one vsphere_vm to the vm_list; v is not used. */
struct vm_list {
  struct vsphere_vm *vms;
  size_t n;
};
int vsphere_vm_object (struct vsphere *v, xmlNodePtr o, void *opaque);

/* object_fn for Datastore objects (name, summary.url): their ids into
 * v->ds_ids/ds_names. */
int vsphere_ds_object (struct vsphere *v, xmlNodePtr o, void *opaque);

/* Read the datacenter's datastores (once).  0, or -1 + set_error. */
int vsphere_find_datastores (struct vsphere *v);

/* Find the datacenter (the URI's for vpx, the only one for esx). */
int vsphere_find_datacenter (struct vsphere *v);

/* XML helpers: first element child called name; its text (new string,
 * NULL if absent); escape for element content. */
xmlNodePtr xml_child (xmlNodePtr n, const char *name);
char *xml_text (xmlNodePtr n);
char *xml_child_text (xmlNodePtr n, const char *name);
char *xml_escape (const char *s);

#endif /* V2K_VSPHERE_INT_H */
