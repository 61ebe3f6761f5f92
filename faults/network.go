package faults

// sides reads the two sides of a network fault: from and to. Without to,
// from is cut off from every other datacenter.
func sides(a *Attrs, s *Scope) (from, to []string) {
	from = a.Refs("from", "datacenter")
	to = a.Refs("to", "datacenter")
	if a.Valid("from") && len(from) == 0 {
		a.Errorf("from", "No datacenter", "from must name at least one datacenter.")
	}
	in := map[string]bool{}
	for _, d := range from {
		in[d] = true
	}
	for _, d := range to {
		if in[d] {
			a.Errorf("to", "Datacenter on both sides", "%s is listed in both from and to.", d)
		}
	}
	if !a.Has("to") {
		to = s.DatacentersWhere(func(d DatacenterInfo) bool { return !in[d.Name] })
	}
	return from, to
}

var sideAttrs = []Attribute{
	{Name: "from", Required: true, Doc: "datacenters on one side, e.g. [datacenter.sbg3]"},
	{Name: "to", Doc: "datacenters on the other side; unset means every other datacenter"},
}

func sideSchema(extra ...Attribute) []Attribute {
	out := []Attribute{{Name: "from", Required: true}, {Name: "to"}}
	for _, e := range extra {
		out = append(out, Attribute{Name: e.Name, Required: e.Required})
	}
	return out
}
