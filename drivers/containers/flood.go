package containers

import (
	"context"

	"github.com/firedrill/firedrill/faults"
)

// flood sends attack traffic from a botnet against the region's entry
// point.
func flood(ctx context.Context, in *injector, e faults.Effect) error {
	return in.loads.run(ctx, in.g, e)
}
