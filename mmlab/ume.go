package mmlab

// ume — Uni-Modal Ensemble (Du et al., ICML 2023): the uni-modal models, trained independently,
// predict together; no fusion parameters and no training of its own (docs/DESIGN.md §4).

import (
	"context"
	"fmt"
	"math"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.UMEMethod, umeMethod{}) }

// Combination rules of UME (UMEOptions.Combine).
const (
	// CombineLogits averages the members' logits (the default).
	CombineLogits = "logits"
	// CombineProbs averages the members' softmax probabilities.
	CombineProbs = "probs"
)

// UMEOptions are UME's options ("ume.<key>").
type UMEOptions struct {
	Combine string `opt:"combine" choices:"logits|probs" help:"average the uni-modal models' logits or their softmax probabilities (the paper's exact rule is unverified)"`
}

// Validate implements Validator.
func (o *UMEOptions) Validate() error {
	return checkChoices(o, "ume.")
}

type umeMethod struct{}

// Doc implements Method.
func (umeMethod) Doc() string {
	return "Uni-Modal Ensemble (Du et al., ICML 2023): the uni runs' predictions averaged (logits by default, " +
		"or probabilities); no training of its own."
}

// DefaultOptions, Requires and PerModality implement Method.
func (umeMethod) DefaultOptions() Validator { return &UMEOptions{Combine: CombineLogits} }
func (umeMethod) Requires() []string        { return []string{results.UniMethod} }
func (umeMethod) PerModality() bool         { return false }

// Train implements Method.
func (umeMethod) Train(_ context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	members := env.Deps[results.UniMethod]
	if len(members) != len(env.Data.Modalities) {
		return nil, nil, fmt.Errorf("mmlab: ume: %d uni-modal models for %d modalities", len(members), len(env.Data.Modalities))
	}
	return &Ensemble{Members: members, Combine: opts.(*UMEOptions).Combine}, nil, nil
}

// Ensemble is UME's predictor: Members[m] is the uni-modal model of modality m.
type Ensemble struct {
	Members []Predictor
	Combine string // CombineLogits or CombineProbs
}

// Logits implements Predictor: the mean of the members' logits, or (CombineProbs) the log of the
// mean of their softmax probabilities.
func (e *Ensemble) Logits(s *datasets.Split) ([]float32, error) {
	var sum []float64
	for m, p := range e.Members {
		logits, err := p.Logits(s)
		if err != nil {
			return nil, fmt.Errorf("mmlab.Ensemble: member %d: %w", m, err)
		}
		if sum == nil {
			sum = make([]float64, len(logits))
		} else if len(logits) != len(sum) {
			return nil, fmt.Errorf("mmlab.Ensemble: member %d gives %d logits, member 0 gave %d", m, len(logits), len(sum))
		}
		if e.Combine == CombineProbs {
			addSoftmax(sum, logits, len(logits)/s.Len())
		} else {
			for i, x := range logits {
				sum[i] += float64(x)
			}
		}
	}
	out := make([]float32, len(sum))
	for i, x := range sum {
		x /= float64(len(e.Members))
		if e.Combine == CombineProbs {
			x = math.Log(x)
		}
		out[i] = float32(x)
	}
	return out, nil
}

// addSoftmax adds the row-wise softmax of logits ([n × k]) to sum.
func addSoftmax(sum []float64, logits []float32, k int) {
	for r := 0; r < len(logits); r += k {
		row := logits[r : r+k]
		mx := row[0]
		for _, x := range row {
			mx = max(mx, x)
		}
		z := 0.0
		for _, x := range row {
			z += math.Exp(float64(x - mx))
		}
		for c, x := range row {
			sum[r+c] += math.Exp(float64(x-mx)) / z
		}
	}
}

func (e *Ensemble) encoderOf(m int) Predictor {
	if m < 0 || m >= len(e.Members) {
		return nil
	}
	return e.Members[m]
}

// Features implements Predictor: UME's encoder for modality m is the uni-modal model's.
func (e *Ensemble) Features(m int, s *datasets.Split) ([]float32, int, bool, error) {
	if m < 0 || m >= len(e.Members) {
		return nil, 0, false, nil
	}
	return e.Members[m].Features(m, s)
}
