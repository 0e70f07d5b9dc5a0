package exmail

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// each calls fn for every index 0…n-1 on at most workers goroutines, for the reads the
// API offers only one object at a time (group/get, user/get). The first failure stops
// handing out indexes and cancels the calls in flight. The error returned is the
// failure of the lowest index that is not a cancellation (a read cancelled because
// another failed reports the cancellation, which says nothing), else the first
// cancellation, else the error of ctx if it ended.
func each(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(ctx, i); err != nil {
					errs[i] = err
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	return parent.Err()
}
