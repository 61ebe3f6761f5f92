package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "disk_loss",
		Doc:  "Every volume of a datacenter is lost (a storage array failure): databases and backups there lose their data while the machines keep running.",
		Attributes: []Attribute{
			atAttr,
			{Name: "datacenter", Required: true, Doc: "the datacenter whose volumes are lost"},
		},
		Decode: decodeDiskLoss,
	})
}

type diskLoss struct {
	base
	dc string
}

func decodeDiskLoss(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("disk_loss", name, body, s, []Attribute{{Name: "datacenter", Required: true}})
	return &diskLoss{base: b, dc: a.Ref("datacenter", "datacenter")}, a.Diags()
}

func (d *diskLoss) Effects(at time.Duration) []Effect {
	return []Effect{{Fault: d.id(), Action: LoseDisk, At: at, Datacenters: []string{d.dc}}}
}
