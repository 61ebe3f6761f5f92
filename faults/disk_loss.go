package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "disk_loss",
		Doc:  "Every volume of a datacenter is lost (a storage array failure): databases and backups there lose their data while the machines keep running.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "datacenter", Required: true, Doc: "the datacenter whose volumes are lost; with every, a list, each on its own"},
		},
		Decode: decodeDiskLoss,
	})
}

type diskLoss struct {
	base
	dcs []string // one target each
}

func decodeDiskLoss(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("disk_loss", name, body, s, []Attribute{{Name: "datacenter", Required: true}})
	dcs := a.RefOrRefs("datacenter", "datacenter")
	several(a, &b, "datacenter", len(dcs))
	return &diskLoss{base: b, dcs: dcs}, a.Diags()
}

func (d *diskLoss) Effects(o Occurrence) []Effect {
	if o.Target >= len(d.dcs) {
		return nil
	}
	return []Effect{{Fault: d.id(), Action: LoseDisk, At: o.At, Datacenters: []string{d.dcs[o.Target]}}}
}
