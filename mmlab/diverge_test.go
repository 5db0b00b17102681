package mmlab

import (
	"context"
	"math"
	"strings"
	"testing"
)

// TestFitExplodingLoss: a learning rate of 1e10 makes the loss explode while staying finite, and a
// weight decay of 1e30 makes it NaN; both Fit and FitReplicas fail the run with a divergence error
// whose hint names the option actually responsible.
func TestFitExplodingLoss(t *testing.T) {
	for _, tc := range []struct {
		name        string
		lr, wd      float64
		hint, notIn string
	}{
		{"lr=1e10", 1e10, 0, "smaller train.lr", "weight_decay"},
		{"weight_decay=1e30", 1e-3, 1e30, "train.weight_decay=1e+30 is too large", "smaller train.lr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engine, jobs := replicaTestJobs(t, 2)
			engine.Options.LR, engine.Options.WeightDecay = tc.lr, tc.wd
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: training with %s succeeded, want a divergence error", what, tc.name)
				}
				msg := err.Error()
				t.Logf("%s: %s", what, msg)
				if !strings.Contains(msg, jobs[0].Name+" diverged") || !strings.Contains(msg, tc.hint) || strings.Contains(msg, tc.notIn) {
					t.Errorf("%s: got %q, want a divergence error naming %q with hint %q (and not %q)", what, msg, jobs[0].Name, tc.hint, tc.notIn)
				}
			}
			_, _, err := engine.Fit(context.Background(), jobs[0])
			check("Fit", err)
			fitErr := err
			_, _, err = engine.FitReplicas(context.Background(), jobs[:2])
			check("FitReplicas", err)
			if err != nil && fitErr != nil && !strings.Contains(err.Error(), strings.TrimPrefix(fitErr.Error(), "mmlab.Engine.Fit: ")) {
				t.Errorf("FitReplicas and Fit disagree on where training diverged:\n%v\n%v", err, fitErr)
			}
		})
	}
}

func TestEpochDiverged(t *testing.T) {
	for _, tc := range []struct {
		mean, start float64
		want        bool
	}{
		{0.7, 0.69, false}, {999, 0.69, false}, {1001, 0.69, true}, {5e33, 0.69, true},
		{2e3, 3, false}, {4e3, 3, true}, {math.Inf(1), 1, true}, {math.NaN(), 1, true},
	} {
		if got := epochDiverged(tc.mean, tc.start) != ""; got != tc.want {
			t.Errorf("epochDiverged(%g, %g) = %v, want %v", tc.mean, tc.start, got, tc.want)
		}
	}
}
