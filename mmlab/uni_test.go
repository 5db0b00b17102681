package mmlab

import (
	"context"
	"reflect"
	"testing"
)

// TestUni trains the uni-modal model of modality 1 briefly and checks that it learns (chance is
// 0.25 with 4 classes; 80% of samples carry the easy feature, so 20 epochs on 512 samples give
// ≈ 0.8, and 0.5 leaves a wide margin), that it has an encoder for its modality only, and that
// it is restored exactly from its weights.
func TestUni(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 20)
	env.Modality = 1
	m, err := LookupMethod("uni")
	if err != nil {
		t.Fatal(err)
	}
	if !m.PerModality() || m.Requires() != nil || m.DefaultOptions() != nil {
		t.Fatal("uni: want a per-modality method without dependencies or options")
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
	if ev.TestAcc < 0.5 {
		t.Errorf("test accuracy %.3f, want > 0.5", ev.TestAcc)
	}
	if ev.ProbeAcc[0] != nil || ev.ProbeAcc[1] == nil {
		t.Errorf("probes %v: want modality 1 only", ev.ProbeAcc)
	}
	if len(curves.SplitHeadAcc) != 1 || !reflect.DeepEqual(curves.SplitHeadAcc[0], curves.ValAcc) {
		t.Errorf("a uni run's split head is its own prediction: %+v", curves)
	}
	weights := checkRestores(t, m, env, nil, pred)
	env.Model.Hidden = []int{32, 32} // a different architecture: the weights do not fit
	if _, err := m.(Restorer).Restore(env, nil, weights); err == nil {
		t.Error("restoring into a different architecture: no error")
	}
}
