/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: VMware's vSphere API simulator (govmomi's simulator
 * package) serving TLS on 127.0.0.1, with real guests laid out on its
 * datastore as ESXi lays them out and registered with RegisterVM_Task.
 *
 *   vsphere-sim -model esx|vpx -creds FILE -info FILE
 *               [-guest NAME=DIR]... [-cert PEM -key PEM]
 *
 * -creds: a file "USER\nPASSWORD\n"; the simulator accepts any password
 * unless Service.Listen carries one, so it is set there.  -guest: the
 * files of DIR are linked into DATASTORE/NAME/ (the .vmx renamed NAME.vmx,
 * plus the NAME.nvram and vmware.log the simulator opens when it
 * registers a VM); the VM is registered as NAME, and the disk its .vmx
 * names as scsi0:0 (if present) attached to it, so that the API reports
 * the disk and its files' sizes (layoutEx).  -info: written once serving, as "key value" lines:
 * url, port, datastore, datacenter, and one "vm NAME POWER GUESTID
 * FIRMWARE NDISKS NNICS" line per VM of the inventory, then a "disk
 * VMNAME FILE USED" line per disk (FILE with spaces as '_', USED the
 * sizes of its layoutEx chain's files), read back through govmomi's own
 * client (the tests' oracle for `source list`).  SIGUSR1: write the
 * number of sessions logged in (other than the one asking) to
 * INFO.sessions.  Runs until killed (SIGTERM). */
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type guestList []string

func (g *guestList) String() string     { return strings.Join(*g, ",") }
func (g *guestList) Set(v string) error { *g = append(*g, v); return nil }

func die(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "vsphere-sim: "+f+"\n", a...)
	os.Exit(1)
}

func main() {
	modelName := flag.String("model", "esx", "esx or vpx")
	creds := flag.String("creds", "", "file: user line, password line")
	info := flag.String("info", "", "file written when serving")
	var guests guestList
	flag.Var(&guests, "guest", "NAME=DIR: a guest directory to register")
	cert := flag.String("cert", "", "certificate PEM (default: built-in self-signed)")
	key := flag.String("key", "", "key PEM")
	flag.Parse()

	b, err := os.ReadFile(*creds)
	if err != nil {
		die("%v", err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 {
		die("%s: want a user line and a password line", *creds)
	}
	m := simulator.ESX()
	if *modelName == "vpx" {
		m = simulator.VPX()
	}
	if err := m.Create(); err != nil {
		die("create: %v", err)
	}
	defer m.Remove()
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0",
		User: url.UserPassword(lines[0], lines[1])}
	m.Service.TLS = new(tls.Config)
	if *cert != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			die("%v", err)
		}
		m.Service.TLS.Certificates = []tls.Certificate{c}
	}
	s := m.Service.NewServer()
	defer s.Close()

	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, s.URL, true)
	if err != nil {
		die("client: %v", err)
	}
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		die("datacenter: %v", err)
	}
	f.SetDatacenter(dc)
	dss, err := f.DatastoreList(ctx, "*")
	if err != nil || len(dss) == 0 {
		die("datastore: %v", err)
	}
	ds := dss[0]
	var dsmo mo.Datastore
	if err := ds.Properties(ctx, ds.Reference(), []string{"info", "name"}, &dsmo); err != nil {
		die("datastore info: %v", err)
	}
	dsdir := dsmo.Info.GetDatastoreInfo().Url

	for _, spec := range guests {
		kv := strings.SplitN(spec, "=", 2)
		if len(kv) != 2 {
			die("-guest %s: want NAME=DIR", spec)
		}
		vmName, guest := &kv[0], &kv[1]
		vmdir := filepath.Join(dsdir, *vmName)
		if err := os.MkdirAll(vmdir, 0755); err != nil {
			die("%v", err)
		}
		ents, err := os.ReadDir(*guest)
		if err != nil {
			die("%v", err)
		}
		vmx := ""
		for _, e := range ents {
			src, _ := filepath.Abs(filepath.Join(*guest, e.Name()))
			dst := filepath.Join(vmdir, e.Name())
			if strings.HasSuffix(e.Name(), ".vmx") {
				vmx = *vmName + ".vmx"
				dst = filepath.Join(vmdir, vmx)
			}
			if err := os.Symlink(src, dst); err != nil {
				die("%v", err)
			}
		}
		if vmx == "" {
			die("%s: no .vmx", *guest)
		}
		for _, n := range []string{*vmName + ".nvram", "vmware.log"} {
			p := filepath.Join(vmdir, n)
			if _, err := os.Lstat(p); err != nil {
				if err := os.WriteFile(p, nil, 0644); err != nil {
					die("%v", err)
				}
			}
		}
		folders, err := dc.Folders(ctx)
		if err != nil {
			die("%v", err)
		}
		pools, err := f.ResourcePoolList(ctx, "*")
		if err != nil || len(pools) == 0 {
			die("pool: %v", err)
		}
		hosts, err := f.HostSystemList(ctx, "*")
		if err != nil || len(hosts) == 0 {
			die("host: %v", err)
		}
		task, err := folders.VmFolder.RegisterVM(ctx,
			fmt.Sprintf("[%s] %s/%s", dsmo.Name, *vmName, vmx), *vmName,
			false, pools[0], hosts[0])
		if err != nil {
			die("register: %v", err)
		}
		ti, err := task.WaitForResult(ctx, nil)
		if err != nil {
			die("register: %v", err)
		}
		// RegisterVM gives the VM no devices: attach the disk the .vmx
		// names (an existing file: no capacity, no file operation) on a
		// new SCSI controller, so that layoutEx sizes its files.
		vmx_text, err := os.ReadFile(filepath.Join(vmdir, vmx))
		if err != nil {
			die("%v", err)
		}
		m := regexp.MustCompile(`(?m)^scsi0:0\.fileName = "([^"/]+\.vmdk)"`).FindSubmatch(vmx_text)
		if m == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(vmdir, string(m[1]))); err != nil {
			continue // a guest whose disk is missing on purpose
		}
		vmo := object.NewVirtualMachine(c.Client, ti.Result.(types.ManagedObjectReference))
		ctl, err := object.VirtualDeviceList{}.CreateSCSIController("pvscsi")
		if err != nil {
			die("controller: %v", err)
		}
		if err := vmo.AddDevice(ctx, ctl); err != nil {
			die("controller: %v", err)
		}
		devs, err := vmo.Device(ctx)
		if err != nil {
			die("devices: %v", err)
		}
		sc, err := devs.FindSCSIController("")
		if err != nil {
			die("controller: %v", err)
		}
		disk := devs.CreateDisk(sc, ds.Reference(),
			fmt.Sprintf("[%s] %s/%s", dsmo.Name, *vmName, m[1]))
		if err := vmo.AddDevice(ctx, disk); err != nil {
			// The simulator wants NAME-flat.vmdk beside NAME.vmdk: a
			// sparse or snapshot disk stays unattached.
			log.Printf("%s: disk not attached: %v", *vmName, err)
		}
	}

	var out strings.Builder
	fmt.Fprintf(&out, "url %s\n", s.URL.Host)
	fmt.Fprintf(&out, "port %s\n", s.URL.Port())
	fmt.Fprintf(&out, "datacenter %s\n", dc.Name())
	fmt.Fprintf(&out, "datastore %s\n", dsmo.Name)
	fmt.Fprintf(&out, "datastore-dir %s\n", dsdir)
	vms, err := f.VirtualMachineList(ctx, "*")
	if err != nil {
		die("vms: %v", err)
	}
	for _, vm := range vms {
		var v mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"name", "config", "runtime", "layoutEx"}, &v); err != nil {
			die("vm: %v", err)
		}
		devs := object.VirtualDeviceList(v.Config.Hardware.Device)
		fw := v.Config.Firmware
		if fw == "" {
			fw = "bios"
		}
		fmt.Fprintf(&out, "vm %s %s %s %s %d %d\n", v.Name, v.Runtime.PowerState,
			v.Config.GuestId, fw, len(devs.SelectByType((*types.VirtualDisk)(nil))),
			len(devs.SelectByType((*types.VirtualEthernetCard)(nil))))
		for _, d := range devs.SelectByType((*types.VirtualDisk)(nil)) {
			disk := d.(*types.VirtualDisk)
			file := "-"
			if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
				file = strings.ReplaceAll(b.GetVirtualDeviceFileBackingInfo().FileName, " ", "_")
			}
			used := "unknown"
			if v.LayoutEx != nil {
				for _, dl := range v.LayoutEx.Disk {
					if dl.Key != disk.Key {
						continue
					}
					var sum int64
					for _, unit := range dl.Chain {
						for _, fk := range unit.FileKey {
							for _, f := range v.LayoutEx.File {
								if f.Key == fk {
									sum += f.Size
								}
							}
						}
					}
					used = fmt.Sprint(sum)
				}
			}
			fmt.Fprintf(&out, "disk %s %s %s\n", v.Name, file, used)
		}
	}
	_ = c.Logout(ctx)
	tmp := *info + ".tmp"
	if err := os.WriteFile(tmp, []byte(out.String()), 0644); err != nil {
		die("%v", err)
	}
	if err := os.Rename(tmp, *info); err != nil {
		die("%v", err)
	}
	log.Printf("serving %s", s.URL.Host)
	usr := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR1)
	go func() {
		for range usr {
			writeSessions(ctx, s.URL, *info+".sessions")
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

// writeSessions writes the number of sessions logged in to the server
// (SessionManager.sessionList, not counting the one asking) to file.
func writeSessions(ctx context.Context, u *url.URL, file string) {
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		log.Printf("sessions: %v", err)
		return
	}
	var sm mo.SessionManager
	err = c.RetrieveOne(ctx, *c.ServiceContent.SessionManager, []string{"sessionList"}, &sm)
	_ = c.Logout(ctx)
	if err != nil {
		log.Printf("sessions: %v", err)
		return
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", len(sm.SessionList)-1)), 0644); err == nil {
		_ = os.Rename(tmp, file)
	}
}
