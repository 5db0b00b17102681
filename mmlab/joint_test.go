package mmlab

import (
	"context"
	"testing"
)

// TestJoint trains joint briefly: it learns (> 0.5 against chance 0.25; ≈ 0.95 measured), it
// has an encoder per modality, and its curves hold a split head per modality.
func TestJoint(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 20)
	m, err := LookupMethod("joint")
	if err != nil {
		t.Fatal(err)
	}
	if m.PerModality() || m.Requires() != nil {
		t.Fatal("joint: want one run per seed without dependencies")
	}
	pred, curves, err := m.Train(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := DefaultProbeOptions()
	ev, err := Evaluate(env.Backend(), pred, ds, &probe)
	if err != nil {
		t.Fatal(err)
	}
	if ev.TestAcc < 0.5 || ev.ProbeAcc[0] == nil || ev.ProbeAcc[1] == nil {
		t.Errorf("test accuracy %.3f, probes %v", ev.TestAcc, ev.ProbeAcc)
	}
	if len(curves.SplitHeadAcc) != 2 || len(curves.SplitHeadAcc[0]) != 20 {
		t.Errorf("curves: %+v", curves)
	}
	for _, name := range []string{"all", "both_hard", "m0_hard_only", "m1_hard_only"} {
		if _, ok := ev.SubsetAcc[name]; !ok {
			t.Errorf("no accuracy on subset %s: %v", name, ev.SubsetAcc)
		}
	}
}
