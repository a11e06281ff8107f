package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestFor(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		seen := make([]int32, n)
		if err := For(context.Background(), n, func(i int) { atomic.AddInt32(&seen[i], 1) }); err != nil {
			t.Fatalf("For(%d) = %v", n, err)
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("For(%d): item %d ran %d times, want 1", n, i, c)
			}
		}
	}
}

func TestForCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := For(ctx, 1000, func(i int) {
		if ran.Add(1) == 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("For after cancel = %v, want context.Canceled", err)
	}
	if n := ran.Load(); n >= 1000 {
		t.Errorf("For ran all %d items after cancel", n)
	}
}
