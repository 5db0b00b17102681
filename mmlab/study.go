package mmlab

// Orchestration: a Study names a dataset, methods, seeds and options; RunStudy trains what is
// missing, loads what the results store already has, and returns every run as a value.

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// RunStore is where RunStudy loads finished runs and saves new ones. *Store implements it.
type RunStore interface {
	// Load returns the run stored under key; found is false (with a nil error) when there is none.
	Load(key string) (run *results.Run, found bool, err error)
	// Save stores run under run.Key.
	Save(run *results.Run) error
}

// BlobStore is implemented by a RunStore that can also keep data next to a run (*Store does).
// RunStudy uses it to save the trained weights of every run (blob "weights"), so that a run
// loaded from the store can serve as a dependency — a uni-modal teacher of a UMT run that still
// has to be trained — without being retrained.
type BlobStore interface {
	SaveBlob(key, name string, data []byte) error
	LoadBlob(key, name string) ([]byte, bool, error)
}

// DefaultReplicas is Study.Replicas' default (see bench/README.md for the measurements).
const DefaultReplicas = 5

// WeightsBlob is the blob name under which RunStudy saves a run's trained weights.
const WeightsBlob = "weights"

// runSchema is hashed into every run key. Change it when a change of the code changes what a
// run with the same inputs computes, so that stored runs are recomputed rather than reused.
//
//   - mmlab-run/2: runs record ProbeSubsetAcc, the probes' accuracy on the feature subsets.
const runSchema = "mmlab-run/2"

// Study is a set of runs: every method on every seed of one dataset, with one configuration.
type Study struct {
	// Dataset is a dataset spec, e.g. "lazypair" or "lazypair:pi=0.5,pair=add" (see
	// datasets.ParseSpec). Run seed s uses the dataset drawn with the spec's seed + s (docs/DESIGN.md §6).
	Dataset string
	// Methods are registry names, e.g. {"joint", "ume", "umt"}. What they require is added (and
	// returned): "ume" and "umt" bring "uni", whose runs they share.
	Methods []string
	// Seeds is the number of run seeds: 0, 1, …, Seeds−1. Ignored when SeedList is set.
	Seeds int
	// SeedList, if not empty, lists the run seeds instead (distinct, ≥ 0, run in this order),
	// e.g. {5, 6, 7} or {0, 3, 7}. Run seed s means the same with either field (the dataset
	// drawn with the spec's seed + s, the same run key), so stored runs are shared.
	SeedList []int
	// Options set hyperparameters by "group.key" → value, e.g. "umt.lambda": "10",
	// "model.hidden": "64,64", "train.epochs": "150"; see ParseConfig and OptionHelp.
	Options map[string]string
	// Spec and Config, if set, are Dataset and Options already parsed at the edge (the CLI, a
	// notebook): datasets.ParseSpec(Dataset) and ParseConfig(Methods, Options). RunStudy then
	// uses them instead of parsing again (so npy files are not read twice); the strings are
	// kept for messages and reports and must be what was parsed.
	Spec   datasets.Spec
	Config *Config
	// Store, if set, is consulted before training: a run whose key is there is loaded instead of
	// trained, and new runs are saved to it (with their weights, if it is also a BlobStore).
	Store RunStore
	// Backend runs the computations; nil means DefaultBackend().
	Backend compute.Backend
	// Replicas is how many networks RunStudy may train together as replicas in one compiled
	// graph (Engine.FitReplicas, ours): runs of methods that implement JobTrainer, whose
	// dependencies are ready, in study order (e.g. the uni-modal runs of several seeds, then the
	// UMT students). Replicas train bit-identically to one-at-a-time training (tested on the
	// pure-Go backend; a backend that fuses operations across a graph, such as XLA, might round
	// differently: use 1 there if bit-identity with stored runs matters), so the setting does
	// not enter run keys. 0 means DefaultReplicas; 1 trains one network at a time.
	Replicas int
	// Quiet turns off the progress bar and the messages (warnings are still in StudyResult).
	Quiet bool
	// Output receives the progress bar and messages; nil means os.Stdout.
	Output io.Writer
}

// StudyResult is what RunStudy returns.
type StudyResult struct {
	// Dataset is the resolved dataset spec (every key, before the per-seed offset).
	Dataset string
	// Config is the resolved configuration.
	Config *Config
	// Methods are the study's methods with their dependencies, in the order they run: the
	// study's order, each method's requirements inserted before it.
	Methods []string
	// Runs holds every run, ordered by seed, then by Methods, then by modality.
	Runs []results.Run
	// Trained counts runs computed by this call, Loaded runs taken from the store, Retrained
	// dependencies recomputed because their stored weights were missing.
	Trained, Loaded, Retrained int
	// Shared counts the loaded runs that another process sharing the store computed while this
	// call waited for them (see RunClaimer); they are included in Loaded.
	Shared int
	// Warnings are problems that did not stop the study (e.g. a corrupt stored record that was
	// recomputed). A result that could not be saved is a warning too, and RunStudy then also
	// returns a *SaveError.
	Warnings []string
	// Seconds is the wall time of the call.
	Seconds float64
}

// DefaultBackend returns the process's shared compute backend: the one GoMLX configures from
// $GOMLX_BACKEND if that is set (GoMLX's own variable, e.g. "xla:cpu" when an XLA backend is
// linked in, see docs/DESIGN.md §8), else the pure-Go backend with its default configuration
// (parallelism=-1 measured no faster for mmlab's models on 2 cores).
func DefaultBackend() (compute.Backend, error) {
	return defaultBackend()
}

var defaultBackend = sync.OnceValues(func() (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("mmlab.DefaultBackend: %v", r)
		}
	}()
	if _, set := os.LookupEnv(compute.ConfigEnvVar); set {
		return compute.New()
	}
	return gobackend.New("")
})

// plannedRun is one run of the study while it is being computed.
type plannedRun struct {
	method   string
	impl     Method
	opts     Validator
	modality int // -1 for multi-modal methods
	seed     int
	deps     map[string][]*plannedRun
	key      string
	run      *results.Run // loaded or computed
	pred     Predictor    // set when trained, restored or composed
	needPred bool         // a run to compute needs this run's predictor
	compute  bool         // not in the store: compute it
}

func (p *plannedRun) name() string {
	if p.modality >= 0 {
		return fmt.Sprintf("%s m%d seed %d", p.method, p.modality, p.seed)
	}
	return fmt.Sprintf("%s seed %d", p.method, p.seed)
}

// runKeyInputs is what a run's key hashes: everything that determines the run.
type runKeyInputs struct {
	Schema   string         `json:"schema"`
	Method   string         `json:"method"`
	Modality *int           `json:"modality,omitempty"`
	Seed     int            `json:"seed"`
	Dataset  string         `json:"dataset"`
	Config   map[string]any `json:"config"`
	Deps     []string       `json:"deps,omitempty"` // keys of the runs this one consumes
}

// JobTrainer is implemented by methods whose Train is a single Engine.Fit: for the job TrainJob
// returns, Train(ctx, env, opts) returns exactly the network and curves of
// env.Engine.Fit(ctx, job). RunStudy uses it to train the runs of such methods together as
// replicas (Engine.FitReplicas, Study.Replicas), with bit-identical results.
type JobTrainer interface {
	TrainJob(env *Env, opts Validator) (*TrainJob, error)
}

// RunStudy runs a study: for each seed s it generates the dataset with seed offset s, trains
// what each method needs (the uni-modal runs once per modality and seed, shared by UME and UMT),
// evaluates everything (docs/DESIGN.md §5) and returns the runs. With a Store, runs already there
// are loaded instead of trained, and a dataset is only generated for seeds that need training.
//
// When a loaded uni-modal run is needed as a dependency of a run that must be trained (UMT's
// teachers, UME's members), its weights come from the store's "weights" blob; if that is
// missing (a store without blobs), the run is retrained — training is deterministic, so the
// retrained model is the stored one (checked: a mismatch of its validation or test accuracy
// with the stored run is reported as a warning); its weights are then saved again.
//
// If some computed results could not be stored (their weights or their record), RunStudy still
// returns the complete result, together with a *SaveError naming what is missing from the store.
func RunStudy(ctx context.Context, study Study) (*StudyResult, error) {
	s, err := newStudyRunner(study)
	if err != nil {
		return nil, err
	}
	if err := s.plan(); err != nil {
		return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
	}
	s.prepare()
	defer s.claims.releaseAll()
	s.memLimit.start()
	defer s.memLimit.stop()
	if err := s.computeAll(ctx); err != nil {
		return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
	}
	return s.result()
}

// planSeed lists the runs of one seed in dependency order, with their keys.
func planSeed(dataset string, numModalities int, methods []string, cfg *Config, seed int) ([]*plannedRun, error) {
	byMethod := map[string][]*plannedRun{}
	var plan []*plannedRun
	for _, name := range methods {
		impl, err := LookupMethod(name)
		if err != nil {
			return nil, err
		}
		modalities := []int{-1}
		if impl.PerModality() {
			modalities = modalities[:0]
			for m := range numModalities {
				modalities = append(modalities, m)
			}
		}
		for _, m := range modalities {
			p := &plannedRun{method: name, impl: impl, opts: cfg.Methods[name], modality: m, seed: seed,
				deps: map[string][]*plannedRun{}}
			in := runKeyInputs{Schema: runSchema, Method: name, Seed: seed, Dataset: dataset, Config: cfg.Values(name)}
			if m >= 0 {
				mm := m
				in.Modality = &mm
			}
			for _, dep := range impl.Requires() {
				p.deps[dep] = byMethod[dep]
				for _, d := range byMethod[dep] {
					in.Deps = append(in.Deps, d.key)
				}
			}
			p.key = results.Key(in)
			byMethod[name] = append(byMethod[name], p)
			plan = append(plan, p)
		}
	}
	return plan, nil
}

// recoverPredictor gives a stored run its predictor: from its saved weights if possible, else by
// retraining it (deterministic) and checking the result against the stored run.
func recoverPredictor(ctx context.Context, p *plannedRun, env *Env, blobs BlobStore, backend compute.Backend,
	warn func(string, ...any), res *StudyResult) (retrained bool, err error) {
	if restorer, ok := p.impl.(Restorer); ok && blobs != nil {
		data, found, err := blobs.LoadBlob(p.key, WeightsBlob)
		if err != nil {
			warn("loading the weights of %s: %v; retraining it", p.name(), err)
		} else if found {
			pred, err := restorer.Restore(env, p.opts, data)
			if err == nil {
				p.pred = pred
				return false, nil
			}
			warn("restoring %s from its weights: %v; retraining it", p.name(), err)
		}
	}
	pred, _, err := p.impl.Train(ctx, env, p.opts)
	if err != nil {
		return false, fmt.Errorf("retraining %s: %w", p.name(), err)
	}
	res.Retrained++
	ev, err := Evaluate(backend, pred, env.Data, nil)
	if err != nil {
		return true, fmt.Errorf("retraining %s: %w", p.name(), err)
	}
	if ev.ValAcc != p.run.ValAcc || ev.TestAcc != p.run.TestAcc {
		warn("%s was retrained as a dependency and differs from its stored run (val %.4f vs %.4f, test %.4f vs %.4f): "+
			"different hardware or software? Runs trained now use the retrained model", p.name(),
			ev.ValAcc, p.run.ValAcc, ev.TestAcc, p.run.TestAcc)
	}
	p.pred = pred
	return true, nil
}

// saveRun stores a computed run, its weights first, so a stored record always has its blob: if
// the weights cannot be saved, the record is not written either (the run stays missing and is
// recomputed next time, instead of being stored without the weights its dependents need).
func saveRun(store RunStore, blobs BlobStore, p *plannedRun) error {
	if err := saveWeights(blobs, p); err != nil {
		return err
	}
	if err := store.Save(p.run); err != nil {
		return fmt.Errorf("saving %s: %w", p.name(), err)
	}
	return nil
}

// saveWeights saves p's trained weights as its WeightsBlob, if the store keeps blobs and p's
// predictor can marshal its weights.
func saveWeights(blobs BlobStore, p *plannedRun) error {
	saver, ok := p.pred.(WeightSaver)
	if !ok || blobs == nil {
		return nil
	}
	data, err := saver.MarshalWeights()
	if err == nil {
		err = blobs.SaveBlob(p.key, WeightsBlob, data)
	}
	if err != nil {
		return fmt.Errorf("saving the weights of %s: %w", p.name(), err)
	}
	return nil
}

// SaveError is RunStudy's error when the study computed every run but could not store some of
// them (a full disk, a read-only store): the StudyResult returned with it is complete, but the
// runs named in Missing are not in the store (or, for a dependency retrained because its weights
// were lost, their weights are not), so a later study recomputes them. A caller that must not
// lose results — the CLI — treats it as a failure.
type SaveError struct {
	// Missing names what is not stored, e.g. "uni m0 seed 1 (key 3f…)".
	Missing []string
	// Errs holds the underlying errors, one per entry of Missing.
	Errs []error
}

// Error implements error.
func (e *SaveError) Error() string {
	return fmt.Sprintf("mmlab.RunStudy: %d of the study's results could not be stored: %s; first error: %v",
		len(e.Missing), strings.Join(e.Missing, ", "), e.Errs[0])
}

// Unwrap returns the underlying errors.
func (e *SaveError) Unwrap() []error { return e.Errs }

// RunsOf returns the runs of method (and, for per-modality methods, of modality m; m < 0 for all).
func (r *StudyResult) RunsOf(method string, m int) []results.Run {
	var out []results.Run
	for _, run := range r.Runs {
		if run.Method == method && (m < 0 || run.Modality == nil || *run.Modality == m) {
			out = append(out, run)
		}
	}
	return out
}

// RunSeeds returns the study's run seeds: SeedList if set, else 0, 1, …, Seeds−1.
func (s Study) RunSeeds() []int {
	if len(s.SeedList) > 0 {
		return slices.Clone(s.SeedList)
	}
	seeds := make([]int, 0, max(s.Seeds, 0))
	for seed := range max(s.Seeds, 0) {
		seeds = append(seeds, seed)
	}
	return seeds
}

// MaxSeeds bounds the run seeds of one study (Seeds, or the length of SeedList). A study plans
// every run of every seed before it trains one, so --seeds 100000000 used to spend 30 s and
// 251 MB planning; 10,000 seeds is far beyond any use of confidence intervals over seeds.
const MaxSeeds = 10000

// checkSeedList returns an error naming a negative or repeated seed of list.
func checkSeedList(list []int) error {
	if len(list) > MaxSeeds {
		return fmt.Errorf("SeedList: %d seeds, more than MaxSeeds = %d", len(list), MaxSeeds)
	}
	seen := map[int]bool{}
	for _, seed := range list {
		if seed < 0 {
			return fmt.Errorf("SeedList: seed %d: want seeds ≥ 0", seed)
		}
		if seen[seed] {
			return fmt.Errorf("SeedList: seed %d given twice", seed)
		}
		seen[seed] = true
	}
	return nil
}
