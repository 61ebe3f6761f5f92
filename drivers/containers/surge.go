package containers

import (
	"context"

	"github.com/firedrill/firedrill/faults"
)

// surge sends the region's users, multiplied as rules.Surge says, as real
// HTTP load against its entry point.
func surge(ctx context.Context, in *injector, e faults.Effect) error {
	return in.loads.run(ctx, in.g, e)
}
