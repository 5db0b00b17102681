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
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/mmlab-go/mmlab/datasets"
)

// RunStore is where RunStudy loads finished runs and saves new ones. *Store implements it.
type RunStore interface {
	// Load returns the run stored under key; found is false (with a nil error) when there is none.
	Load(key string) (run *Run, found bool, err error)
	// Save stores run under run.Key.
	Save(run *Run) error
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
	// datasets.ParseSpec). Run seed s uses the dataset drawn with the spec's seed + s (DESIGN.md §6).
	Dataset string
	// Methods are registry names, e.g. {"joint", "ume", "umt"}. What they require is added (and
	// returned): "ume" and "umt" bring "uni", whose runs they share.
	Methods []string
	// Seeds is the number of run seeds: 0, 1, …, Seeds−1.
	Seeds int
	// Options set hyperparameters by "group.key" → value, e.g. "umt.lambda": "10",
	// "model.hidden": "64,64", "train.epochs": "150"; see ParseConfig and OptionHelp.
	Options map[string]string
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
	Runs []Run
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
// linked in, see DESIGN.md §8), else the pure-Go backend with its default configuration
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
	run      *Run      // loaded or computed
	pred     Predictor // set when trained, restored or composed
	needPred bool      // a run to compute needs this run's predictor
	compute  bool      // not in the store: compute it
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
// evaluates everything (DESIGN.md §5) and returns the runs. With a Store, runs already there
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
	start := time.Now()
	if study.Seeds < 1 {
		return nil, fmt.Errorf("mmlab.RunStudy: Seeds=%d: want at least 1", study.Seeds)
	}
	spec, err := datasets.ParseSpec(study.Dataset)
	if err != nil {
		return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
	}
	cfg, err := ParseConfig(study.Methods, study.Options)
	if err != nil {
		return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
	}
	methods, _ := withDependencies(study.Methods)
	backend := study.Backend
	if backend == nil {
		if backend, err = DefaultBackend(); err != nil {
			return nil, err
		}
	}
	out := study.Output
	if out == nil {
		out = os.Stdout
	}
	res := &StudyResult{Dataset: spec.String(), Config: cfg, Methods: methods}
	warn := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		res.Warnings = append(res.Warnings, msg)
		if !study.Quiet {
			fmt.Fprintln(out, "mmlab: warning:", msg)
		}
	}

	// Plan: every run of every seed, its key, and what the store already holds.
	var plans [][]*plannedRun
	for seed := range study.Seeds {
		seedPlan, err := planSeed(spec.String(), spec.NumModalities(), methods, cfg, seed)
		if err != nil {
			return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
		}
		for _, p := range seedPlan {
			p.compute = true
			if study.Store != nil {
				run, found, err := study.Store.Load(p.key)
				if err != nil {
					warn("loading %s (key %s): %v; recomputing it", p.name(), p.key, err)
				} else if found {
					p.run, p.compute = run, false
				}
			}
		}
		// Dependencies of runs to compute need predictors (reverse order: a dependency that is
		// computed or restored may itself need its own dependencies).
		for i := len(seedPlan) - 1; i >= 0; i-- {
			p := seedPlan[i]
			if p.compute || p.needPred {
				for _, deps := range p.deps {
					for _, d := range deps {
						d.needPred = true
					}
				}
			}
		}
		plans = append(plans, seedPlan)
	}
	toCompute := 0
	for _, seedPlan := range plans {
		for _, p := range seedPlan {
			if p.compute || p.needPred {
				toCompute++
			}
		}
	}
	var progress *studyProgress
	if !study.Quiet {
		progress = newStudyProgress(out, toCompute)
	}
	engine := &Engine{Backend: backend, Options: cfg.Train}
	if progress != nil {
		engine.Progress = progress
	}
	blobs, _ := study.Store.(BlobStore)
	claims := newClaims(study.Store, out, study.Quiet, warn)
	defer claims.releaseAll()
	versions := CurrentVersions(fmt.Sprint(backend))

	// Datasets by spec: generated when a run of their seed is first computed; fixed data (a
	// user's files) is the same for every seed, so it is read once, not once per seed.
	datasetOf := map[string]*datasets.Dataset{}
	dataOf := func(seed int) (*datasets.Dataset, error) {
		seedSpec := spec.WithSeedOffset(seed)
		key := seedSpec.String()
		if data, ok := datasetOf[key]; ok {
			return data, nil
		}
		data, err := seedSpec.Generate()
		if err != nil {
			return nil, fmt.Errorf("dataset for seed %d: %w", seed, err)
		}
		datasetOf[key] = data
		return data, nil
	}
	// Results that could not be stored: reported as warnings as they happen, and as a
	// *SaveError at the end.
	saveErr := &SaveError{}
	saveFailed := func(p *plannedRun, what string, err error) {
		warn("%v", err)
		saveErr.Missing = append(saveErr.Missing, fmt.Sprintf("%s%s (key %s)", what, p.name(), p.key))
		saveErr.Errs = append(saveErr.Errs, err)
	}
	probes := map[int]probeCache{} // by seed
	newEnv := func(p *plannedRun) (*Env, error) {
		data, err := dataOf(p.seed)
		if err != nil {
			return nil, err
		}
		env := &Env{Data: data, Seed: p.seed, Modality: p.modality, Model: cfg.Model, Engine: engine,
			Name: p.name(), Deps: map[string][]Predictor{}}
		for name, deps := range p.deps {
			for _, d := range deps {
				env.Deps[name] = append(env.Deps[name], d.pred)
			}
		}
		return env, nil
	}
	// finish evaluates and records a trained run.
	finish := func(p *plannedRun, env *Env, pred Predictor, curves *Curves, trainSeconds float64) error {
		if probes[p.seed] == nil {
			probes[p.seed] = probeCache{}
		}
		ev, err := evaluate(backend, pred, env.Data, &cfg.Probe, probes[p.seed])
		if err != nil {
			return fmt.Errorf("%s: %w", p.name(), err)
		}
		p.pred = pred
		p.run = &Run{Key: p.key, Method: p.method, Seed: p.seed, Dataset: spec.String(),
			Config: cfg.Values(p.method), Versions: versions,
			ValAcc: ev.ValAcc, TestAcc: ev.TestAcc, SubsetAcc: ev.SubsetAcc, ProbeAcc: ev.ProbeAcc,
			ProbeSubsetAcc: ev.ProbeSubsetAcc, TrainSeconds: trainSeconds, Curves: curves}
		if p.modality >= 0 {
			m := p.modality
			p.run.Modality = &m
		}
		res.Trained++
		if study.Store != nil {
			if err := saveRun(study.Store, blobs, p); err != nil {
				saveFailed(p, "", err)
			}
		}
		claims.release(p) // after the save: a waiter then finds the record
		return nil
	}

	// Runs are computed in study order (seed, then method); with Replicas > 1, the first run to
	// compute takes with it, as replicas, the following runs whose dependencies are ready.
	replicas := study.Replicas
	if replicas <= 0 {
		replicas = DefaultReplicas
	}
	var pending []*plannedRun
	for _, seedPlan := range plans {
		for _, p := range seedPlan {
			if p.compute || p.needPred {
				pending = append(pending, p)
			} else {
				res.Loaded++
			}
		}
	}
	ready := func(p *plannedRun) bool {
		for _, deps := range p.deps {
			for _, d := range deps {
				if d.pred == nil {
					return false
				}
			}
		}
		return true
	}
	// release drops the datasets that no pending run needs (with replicas, several seeds' data
	// are held at once; one at a time, one seed's).
	release := func() {
		need := map[string]bool{}
		for _, q := range pending {
			need[spec.WithSeedOffset(q.seed).String()] = true
		}
		for key := range datasetOf {
			if !need[key] {
				delete(datasetOf, key)
			}
		}
	}
	// take decides whether run q, to be computed, is this call's to compute now: it claims q
	// (RunClaimer). A run that another process stored meanwhile becomes a loaded one (false, and
	// dropped from pending if nothing here needs its predictor); one that another live process
	// is computing is left for later (false).
	take := func(q *plannedRun) bool {
		switch claims.claim(q) {
		case claimMine:
			return true
		case claimStored:
			res.Shared++
			if !q.needPred {
				res.Loaded++
				progress.skipRun()
				pending = slices.DeleteFunc(pending, func(r *plannedRun) bool { return r == q })
			}
		}
		return false
	}
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
		}
		release()
		// The first run, in study order, that is ready and not being computed elsewhere.
		var p *plannedRun
		for _, q := range slices.Clone(pending) {
			if !ready(q) {
				continue
			}
			// Not taken: busy elsewhere (still to compute), or stored meanwhile and not needed
			// here (dropped). Stored meanwhile and needed as a dependency: restore it now.
			if q.compute && !take(q) && (q.compute || !q.needPred) {
				continue
			}
			p = q
			break
		}
		if p == nil {
			// Everything left waits for runs that other processes are computing.
			if err := claims.wait(ctx); err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			continue
		}
		pending = slices.DeleteFunc(pending, func(r *plannedRun) bool { return r == p })
		if !p.compute {
			// A stored run whose predictor a run to compute needs: restore or retrain it.
			res.Loaded++
			env, err := newEnv(p)
			if err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			progress.beginRun(p.name(), 1)
			retrained, err := recoverPredictor(ctx, p, env, blobs, backend, warn, res)
			if err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			if retrained {
				// Its weights were lost: save them again, so later studies need not retrain it.
				if err := saveWeights(blobs, p); err != nil {
					saveFailed(p, "the weights of ", err)
				}
			}
			progress.endRun()
			continue
		}
		group := []*plannedRun{p}
		if _, ok := p.impl.(JobTrainer); ok && replicas > 1 {
			var joining []*plannedRun
			for _, q := range slices.Clone(pending) {
				if _, ok := q.impl.(JobTrainer); ok && q.compute && len(group) < replicas && ready(q) && take(q) {
					group = append(group, q)
					joining = append(joining, q)
				}
			}
			pending = slices.DeleteFunc(pending, func(r *plannedRun) bool { return slices.Contains(joining, r) })
		}
		if len(group) == 1 {
			env, err := newEnv(p)
			if err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			progress.beginRun(p.name(), 1)
			t0 := time.Now()
			pred, curves, err := p.impl.Train(ctx, env, p.opts)
			if err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %s: %w", p.name(), err)
			}
			if err := finish(p, env, pred, curves, time.Since(t0).Seconds()); err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			progress.endRun()
			continue
		}
		// Replicas: every run's job, trained together; each run's TrainSeconds is its share.
		envs := make([]*Env, len(group))
		jobs := make([]*TrainJob, len(group))
		for i, q := range group {
			env, err := newEnv(q)
			if err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
			if jobs[i], err = q.impl.(JobTrainer).TrainJob(env, q.opts); err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %s: %w", q.name(), err)
			}
			envs[i] = env
		}
		progress.beginRun(groupName(jobs), len(group))
		t0 := time.Now()
		nets, curves, err := engine.FitReplicas(ctx, jobs)
		if err != nil {
			return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
		}
		share := time.Since(t0).Seconds() / float64(len(group))
		for i, q := range group {
			if err := finish(q, envs[i], nets[i], curves[i], share); err != nil {
				return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
			}
		}
		progress.endRun()
	}
	progress.finish()
	for _, seedPlan := range plans {
		for _, p := range seedPlan {
			res.Runs = append(res.Runs, *p.run)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	if !study.Quiet {
		fmt.Fprintf(out, "mmlab: %s: %d runs trained, %d loaded (%d retrained as dependencies) in %.1f s\n",
			strings.Join(methods, ", "), res.Trained, res.Loaded, res.Retrained, res.Seconds)
	}
	if len(saveErr.Missing) > 0 {
		return res, saveErr
	}
	return res, nil
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
			p.key = Key(in)
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
func (r *StudyResult) RunsOf(method string, m int) []Run {
	var out []Run
	for _, run := range r.Runs {
		if run.Method == method && (m < 0 || run.Modality == nil || *run.Modality == m) {
			out = append(out, run)
		}
	}
	return out
}
