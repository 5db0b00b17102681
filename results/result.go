package results

import "slices"

// Result types shared by the training code, the results store, the analysis and the figures.
// A Run is a value: everything needed to know what was trained and what it measured.

// Run is one trained (or composed) model: one method, one seed, and for "uni" one modality.
type Run struct {
	// Key is the hash of every input that determines this run (see the results store).
	Key    string `json:"key"`
	Method string `json:"method"` // lower-case registry name: "uni", "joint", "ume", "umt", ...
	// Modality is the modality index for uni-modal runs; nil for multi-modal methods.
	Modality *int `json:"modality,omitempty"`
	// ModalityNames are the names of the dataset's modalities, in order ("image", "audio"; the
	// file names of npy data), for tables and legends; absent in records written before them.
	ModalityNames []string `json:"modality_names,omitempty"`
	Seed          int      `json:"seed"`
	// Dataset is the resolved dataset spec (all keys, defaults filled in), without the run seed offset.
	Dataset string `json:"dataset"`
	// NumClasses is the run's class count, so that figures and analyses need not parse the spec
	// or read the data again (with ModalityNames, what they need of the data). Records stored
	// before it was added have 0: FeatureScores then falls back to the spec (see numClasses).
	NumClasses int `json:"num_classes,omitempty"`
	// Config holds the full method, model and training configuration, as key → value.
	Config map[string]any `json:"config"`
	// Versions records Go, GoMLX, backend and git commit.
	Versions Versions `json:"versions"`

	// What evaluation measures, from ValAcc to ProbeSubsetAcc and Shapley: mmlab.Evaluate returns a
	// Run with only these set, and the study runner fills in the rest.
	ValAcc    float64            `json:"val_acc"`
	TestAcc   float64            `json:"test_acc"`
	SubsetAcc map[string]float64 `json:"subset_acc"` // "all", "both_hard", "pair_only", ...
	// ProbeAcc has one entry per modality: linear-probe test accuracy of this run's encoder for
	// that modality, nil where the method has no encoder for it.
	ProbeAcc []*float64 `json:"probe_acc"`
	// ProbeSubsetAcc[m] holds the accuracy of modality m's probe (the one of ProbeAcc[m]) on the
	// test samples of modality m's feature subsets, "m<m>_easy" and "m<m>_hard" (see
	// FeatureSubsets); nil where ProbeAcc[m] is nil or the data has no tags. The feature map
	// (FeatureScores) reads it.
	ProbeSubsetAcc []map[string]float64 `json:"probe_subset_acc,omitempty"`
	// TrainSeconds is the wall time of the run's training: it varies from run to run and with
	// the machine's load, so it is kept out of the run's key; the record keeps the value measured
	// when the run was trained (a loaded run reports that, not a new measurement).
	TrainSeconds float64 `json:"train_seconds"`
	// Params is the number of trainable parameters of the run's predictor (ParamCount); 0 for
	// runs stored before it was recorded.
	Params int `json:"params,omitempty"`
	// TrainFLOPs are the training FLOPs of the networks the run itself trained (not its
	// dependencies: UME's and UMT's uni-modal runs are runs of their own) per training sample,
	// counted as cost.go says: total dot-product FLOPs of every training step divided by the
	// training split's size. 0 for a method without training (UME) and for old records.
	TrainFLOPs float64 `json:"train_flops,omitempty"`
	// Shapley holds the Shapley modality contributions on the test split (ShapleyValues), nil
	// for a predictor whose logits are not a sum of per-modality parts and for runs stored
	// before they were measured (issue 18).
	Shapley *Shapley `json:"shapley,omitempty"`
	Curves  *Curves  `json:"curves,omitempty"`
}

// ModalityNamesOf returns the dataset's modality names the runs recorded (Run.ModalityNames), or
// nil when none did or they disagree (runs of different datasets). Runs without names (stored
// before they were recorded) are skipped.
func ModalityNamesOf(runs []Run) []string {
	var names []string
	for _, r := range runs {
		if len(r.ModalityNames) == 0 {
			continue
		}
		if names != nil && !slices.Equal(names, r.ModalityNames) {
			return nil
		}
		names = r.ModalityNames
	}
	return names
}

// Versions identifies the software that produced a run.
type Versions struct {
	Go      string `json:"go"`
	GoMLX   string `json:"gomlx"`
	Backend string `json:"backend"`
	Commit  string `json:"commit"`
}

// Curves are per-epoch measurements taken during training.
type Curves struct {
	Epoch     []int     `json:"epoch"`
	TrainLoss []float64 `json:"train_loss"`
	ValAcc    []float64 `json:"val_acc"`
	// SplitHeadAcc[m][i] is the validation accuracy of modality m's split head o_m after Epoch[i]
	// (docs/DESIGN.md §3); for uni-modal runs it is the model's own accuracy, in SplitHeadAcc[0].
	SplitHeadAcc [][]float64 `json:"split_head_acc,omitempty"`
	// BestEpoch is the epoch whose weights the run kept when early stopping was on (train.patience
	// > 0); 0 when it was off and the run kept its last weights.
	BestEpoch int `json:"best_epoch,omitempty"`
	// LossWeights records, for a method whose loss is a weighted sum of terms with weights it
	// estimates (G-Blending), each set of weights it used and from when: LossWeights[i].Weights
	// were in use from LossWeights[i].Epoch completed epochs on (0 = from the start).
	LossWeights []LossWeights `json:"loss_weights,omitempty"`
}

// LossWeights are the weights of a method's loss terms from a given epoch on (Curves.LossWeights);
// the method's documentation says which term each weight belongs to.
type LossWeights struct {
	Epoch   int       `json:"epoch"`
	Weights []float64 `json:"weights"`
}
