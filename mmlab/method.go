package mmlab

// The method registry (docs/DESIGN.md §4): one file and one registration per method; the study runner
// asks the registry and never branches on a method's name.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// Method is a training method (uni, joint, ume, umt, ...). Implementations register themselves
// with Register from an init function.
type Method interface {
	// Doc is a one-paragraph description, with the method's source (paper) or "(ours)".
	Doc() string
	// DefaultOptions returns a new pointer to the method's options struct holding the defaults
	// (see SetOption), or nil if the method has no options.
	DefaultOptions() Validator
	// Requires lists the methods whose runs (same seed) this method consumes; the runner trains
	// them first and hands their predictors in Env.Deps. E.g. UMT requires "uni".
	Requires() []string
	// PerModality reports whether the method makes one run per modality (uni).
	PerModality() bool
	// Train trains (or composes) the method's predictor for env's dataset and seed. opts is the
	// value DefaultOptions returned, set and validated. Curves may be nil (no training).
	Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error)
}

// Restorer is implemented by methods whose predictors can be rebuilt from saved weights
// (see WeightSaver), so that a run loaded from the results store can serve as a dependency
// (e.g. a uni-modal teacher of UMT) without retraining.
type Restorer interface {
	Restore(env *Env, opts Validator, weights []byte) (Predictor, error)
}

// WeightSaver is implemented by predictors that can save their weights (Network does).
type WeightSaver interface {
	MarshalWeights() ([]byte, error)
}

// Env is what a method's Train sees: the data of one seed, the shared options and engine, and the
// predictors of the runs it requires.
type Env struct {
	Data *datasets.Dataset
	Seed int
	// Modality is the modality of a per-modality method's run, -1 otherwise.
	Modality int
	Model    ModelOptions
	// Deps holds, for each method in Requires, its predictors for this seed: one per modality
	// for a per-modality method (Deps["uni"][m]), else one.
	Deps map[string][]Predictor
	// Engine trains networks with the study's training options, backend and progress display.
	Engine *Engine
	// Name identifies the run in messages, e.g. "umt seed 3" or "uni m1 seed 0".
	Name string
}

// Fit trains job with env's engine (Engine.Fit) and returns the network as the method's
// Predictor: on error a nil interface, never a typed nil *Network.
func (env *Env) Fit(ctx context.Context, job *TrainJob) (Predictor, *results.Curves, error) {
	net, curves, err := env.Engine.Fit(ctx, job)
	if err != nil {
		return nil, nil, err
	}
	return net, curves, nil
}

// Backend is the compute backend of env's engine.
func (env *Env) Backend() compute.Backend { return env.Engine.Backend }

// AllModalities returns 0, 1, …, M−1 for env's dataset.
func (env *Env) AllModalities() []int {
	ms := make([]int, len(env.Data.Modalities))
	for i := range ms {
		ms[i] = i
	}
	return ms
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Method{}
)

// Register adds a method under name (lower case, e.g. "umt"). It is meant for init functions and
// panics on an empty name, a name with '.', '=' or spaces, a nil method or a duplicate: each is
// a programming error.
func Register(name string, m Method) {
	if name == "" || strings.ContainsAny(name, ".= ,:") || m == nil {
		panic(fmt.Sprintf("mmlab.Register: invalid registration %q (want a non-empty name without '.', '=', ',', ':', ' ' and a method)", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("mmlab.Register: method %q registered twice", name))
	}
	registry[name] = m
}

// Methods returns the registered method names, sorted.
func Methods() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}

// LookupMethod returns the method registered under name, or an error listing the valid names.
func LookupMethod(name string) (Method, error) {
	registryMu.RLock()
	m, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown method %q; valid methods: %s", name, strings.Join(Methods(), ", "))
	}
	return m, nil
}
