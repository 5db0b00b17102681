package mmlab

import (
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// Acceptance test of issue 12's imbalanced regime: on LazyPair with modality 1 made weaker
// (rho1=0.3: 30% easy samples in m1 against 80% in m0), OGM-GE trained as its official code
// (train.optimizer=sgd: momentum 0.9, weight decay 1e-4; train.schedule=step; ogmge.modulate=
// weights) lifts the weak modality's probe accuracy above joint training's under the same
// optimizer, beyond the 95% interval of the paired difference (seeds 0–4, default sizes and
// 150 epochs). The learning rate, 0.1 for both, is the one of the grid 0.001/0.01/0.03/0.1
// with the highest mean validation accuracy on three other dataset draws (spec seed=101,
// notebook 05 §7); the test split and these draws played no part in choosing it.
//
// Measured (the same runs as notebook 05 §7): weak probe joint 0.809 ± 0.015, OGM-GE
// 0.831 ± 0.013, OGM-GE − joint +0.022 ± 0.006; test accuracy +0.000 ± 0.002. The margin a
// broken modulation would miss: with no modulation OGM-GE is joint training plus noise. Under
// Adam the same comparison gives −0.002 ± 0.004 (no lift), and joint training under Adam
// probes m1 at 0.879, above both SGD runs: the lift is relative to the SGD control only.
//
// Wall time: 282 s measured on the shared 2-core machine under heavy load (load average ≈ 15;
// 10 uni, 5 joint, 5 OGM-GE MLP runs); the same joint and OGM-GE runs took 12 s and 34 s in a
// CLI study there.
func TestAcceptanceOGMGELiftsWeakModality(t *testing.T) {
	skipUnlessLong(t)
	res, err := acceptanceStudy("lazypair:rho1=0.3", []string{results.UniMethod, results.JointMethod, results.OGMGEMethod}, map[string]string{
		"train.optimizer": OptimizerSGD, "train.schedule": ScheduleStep, "train.lr": "0.1", "ogmge.modulate": OGMModulateWeights,
	})()
	if err != nil {
		t.Fatal(err)
	}
	weak, uni, err := results.WeakerModality(res.Runs)
	if err != nil {
		t.Fatal(err)
	}
	if weak != 1 {
		t.Fatalf("weaker modality m%d (uni-modal test accuracy %v), want m1 (rho1=0.3)", weak, uni)
	}
	lifts, err := results.CompareWeak(res.Runs, weak, results.JointMethod, results.OGMGEMethod)
	if err != nil {
		t.Fatal(err)
	}
	l := lifts[1]
	t.Logf("weak probe joint %v, OGM-GE %v; OGM-GE − joint: probe %v, test %v", lifts[0].WeakProbe, l.WeakProbe, l.DWeakProbe, l.DTest)
	if !l.LiftsWeakModality() {
		t.Errorf("OGM-GE − joint (SGD) on the weak modality's probe: %v; want an interval above 0", l.DWeakProbe)
	}
}
