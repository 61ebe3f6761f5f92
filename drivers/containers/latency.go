package containers

import (
	"context"

	"github.com/firedrill/firedrill/faults"
)

// latency delays everything the links between the two sides carry.
func latency(ctx context.Context, in *injector, e faults.Effect) error {
	return onLinks(ctx, in, e,
		[]string{"/app", "ctl", "-delay", e.Delay.String(), "-jitter", e.Jitter.String()},
		[]string{"/app", "ctl", "-delay", "0s"})
}
