package experiments

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Bounds on what one function call may build. A few bytes of source such as
// concat(range(1024), range(1024), ...) or format("%999999999d", 1) would
// otherwise ask for gigabytes; no experiment needs more than these.
const (
	maxFuncElements = 10000   // values in a function's result, nested ones included
	maxFuncBytes    = 1 << 20 // bytes of strings in a function's result
)

// functions are the HCL functions experiment files may call: the subset of
// Terraform's built-ins that make sense without a filesystem or a network,
// each bounded in what it may build.
func functions() map[string]function.Function {
	fs := stdFunctions()
	for name, f := range fs {
		fs[name] = bounded(f)
	}
	return fs
}

// bounded wraps f so that a result over maxFuncElements values or
// maxFuncBytes of text is an error rather than an allocation.
func bounded(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			budget := funcBudget{elements: maxFuncElements, bytes: maxFuncBytes}
			if !budget.fits(v) {
				return cty.NilVal, fmt.Errorf("the result is over %d values or %d MiB of text; experiment files need far less", maxFuncElements, maxFuncBytes>>20)
			}
			return v, nil
		},
	})
}

type funcBudget struct{ elements, bytes int }

// fits spends the budget on v and says whether it lasted.
func (b *funcBudget) fits(v cty.Value) bool {
	b.elements--
	if b.elements < 0 {
		return false
	}
	if v.IsNull() || !v.IsKnown() {
		return true
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		b.bytes -= len(v.AsString())
		return b.bytes >= 0
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		if v.LengthInt() > b.elements {
			return false
		}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if ty.IsMapType() && !b.fits(k) || !b.fits(e) {
				return false
			}
		}
	}
	return true
}

func stdFunctions() map[string]function.Function {
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"floor":      stdlib.FloorFunc,
		"max":        stdlib.MaxFunc,
		"min":        stdlib.MinFunc,
		"pow":        stdlib.PowFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"element":    stdlib.ElementFunc,
		"flatten":    stdlib.FlattenFunc,
		"keys":       stdlib.KeysFunc,
		"values":     stdlib.ValuesFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"merge":      stdlib.MergeFunc,
		"range":      stdlib.RangeFunc,
		"reverse":    stdlib.ReverseListFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"format":     stdlib.FormatFunc,
		"join":       stdlib.JoinFunc,
		"split":      stdlib.SplitFunc,
		"lower":      stdlib.LowerFunc,
		"upper":      stdlib.UpperFunc,
		"replace":    stdlib.ReplaceFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"substr":     stdlib.SubstrFunc,
		"parseint":   stdlib.ParseIntFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
	}
}
