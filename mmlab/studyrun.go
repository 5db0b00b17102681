package mmlab

// RunStudy's steps: a studyRunner holds the state of one call (the plan, the pending runs, the
// datasets, the engine, the claims) and RunStudy runs its steps in order: newStudyRunner (parse
// the study), plan (every run, its key, what the store holds), prepare (progress, engine,
// claims), computeAll (restore, train alone, or train a group of replicas, run by run) and
// result.

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// studyRunner is the state of one RunStudy call.
type studyRunner struct {
	study     Study
	start     time.Time
	spec      datasets.Spec
	cfg       *Config
	methods   []string
	backend   compute.Backend
	out       io.Writer
	res       *StudyResult
	plans     [][]*plannedRun // by seed, in dependency order
	pending   []*plannedRun   // runs to compute or restore, in study order
	progress  *studyProgress  // nil when Quiet
	engine    *Engine
	blobs     BlobStore
	claims    *studyClaims
	versions  results.Versions
	replicas  int
	datasetOf map[string]*datasets.Dataset // by seed spec: generated when first needed
	probes    map[int]probeCache           // by seed
	saveErr   *SaveError                   // results that could not be stored
	memLimit  memoryLimit                  // the soft memory limit while the study runs
}

// newStudyRunner checks and parses study: its seeds, dataset spec, options and methods (with
// their dependencies), and resolves the backend and the output.
func newStudyRunner(study Study) (*studyRunner, error) {
	s := &studyRunner{study: study, start: time.Now(), out: study.Output, backend: study.Backend,
		datasetOf: map[string]*datasets.Dataset{}, probes: map[int]probeCache{}, saveErr: &SaveError{}}
	if err := checkSeedList(study.SeedList); err != nil {
		return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
	}
	if len(study.SeedList) == 0 && study.Seeds < 1 {
		return nil, fmt.Errorf("mmlab.RunStudy: Seeds=%d: want at least 1", study.Seeds)
	}
	if len(study.SeedList) == 0 && study.Seeds > MaxSeeds {
		return nil, fmt.Errorf("mmlab.RunStudy: Seeds=%d: more than MaxSeeds = %d", study.Seeds, MaxSeeds)
	}
	var err error
	if s.spec, s.cfg = study.Spec, study.Config; s.spec == nil {
		if s.spec, err = datasets.ParseSpec(study.Dataset); err != nil {
			return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
		}
	}
	if s.cfg == nil {
		if s.cfg, err = ParseConfig(study.Methods, study.Options); err != nil {
			return nil, fmt.Errorf("mmlab.RunStudy: %w", err)
		}
	}
	s.methods, _ = withDependencies(study.Methods)
	if s.backend == nil {
		if s.backend, err = DefaultBackend(); err != nil {
			return nil, err
		}
	}
	if s.out == nil {
		s.out = os.Stdout
	}
	s.res = &StudyResult{Dataset: s.spec.String(), Config: s.cfg, Methods: s.methods}
	return s, nil
}

// warn records a problem that does not stop the study, and prints it unless Quiet.
func (s *studyRunner) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.res.Warnings = append(s.res.Warnings, msg)
	if !s.study.Quiet {
		fmt.Fprintln(s.out, "mmlab: warning:", msg)
	}
}

// plan lists every run of every seed with its key, loads the runs the store already holds, and
// marks the dependencies whose predictors a run to compute needs.
func (s *studyRunner) plan() error {
	for _, seed := range s.study.RunSeeds() {
		seedPlan, err := planSeed(s.spec.String(), s.spec.NumModalities(), s.methods, s.cfg, seed)
		if err != nil {
			return err
		}
		for _, p := range seedPlan {
			p.compute = true
			if s.study.Store != nil {
				run, found, err := s.study.Store.Load(p.key)
				if err != nil {
					s.warn("loading %s (key %s): %v; recomputing it", p.name(), p.key, err)
				} else if found {
					p.run, p.compute = run, false
				}
			}
		}
		// Dependencies of runs to compute need predictors (reverse order: a dependency that is
		// computed or restored may itself need its own dependencies).
		for i := len(seedPlan) - 1; i >= 0; i-- {
			if p := seedPlan[i]; p.compute || p.needPred {
				for _, deps := range p.deps {
					for _, d := range deps {
						d.needPred = true
					}
				}
			}
		}
		s.plans = append(s.plans, seedPlan)
	}
	return nil
}

// prepare sets up what computing the runs needs: the pending runs in study order (the others
// count as loaded), the progress bar, the engine, the claims and the number of replicas.
func (s *studyRunner) prepare() {
	loaded := 0
	for _, seedPlan := range s.plans {
		for _, p := range seedPlan {
			if p.compute || p.needPred {
				s.pending = append(s.pending, p)
			} else {
				loaded++
			}
		}
	}
	if !s.study.Quiet {
		s.progress = newStudyProgress(s.out, len(s.pending))
	}
	s.engine = &Engine{Backend: s.backend, Options: s.cfg.Train}
	if s.progress != nil {
		s.engine.Progress = s.progress
	}
	s.blobs, _ = s.study.Store.(BlobStore)
	s.claims = newClaims(s.study.Store, s.out, s.study.Quiet, s.warn)
	s.versions = CurrentVersions(fmt.Sprint(s.backend))
	s.res.Loaded += loaded
	// With Replicas > 1, the first run to compute takes with it, as replicas, the following runs
	// whose dependencies are ready.
	s.replicas = s.study.Replicas
	if s.replicas <= 0 {
		s.replicas = DefaultReplicas
	}
}

// dataOf returns the dataset of seed, generated when a run of the seed first needs it; fixed
// data (a user's files) is the same for every seed, so it is read once, not once per seed.
func (s *studyRunner) dataOf(seed int) (*datasets.Dataset, error) {
	seedSpec := s.spec.WithSeedOffset(seed)
	key := seedSpec.String()
	if data, ok := s.datasetOf[key]; ok {
		return data, nil
	}
	data, err := seedSpec.Generate()
	if err != nil {
		return nil, fmt.Errorf("dataset for seed %d: %w", seed, err)
	}
	if err := checkDataFits(s.cfg, data); err != nil {
		return nil, err
	}
	s.datasetOf[key] = data
	s.memLimit.update(s.datasetOf)
	return data, nil
}

// releaseData drops the datasets that no pending run needs (with replicas, several seeds' data
// are held at once; one at a time, one seed's).
func (s *studyRunner) releaseData() {
	need := map[string]bool{}
	for _, q := range s.pending {
		need[s.spec.WithSeedOffset(q.seed).String()] = true
	}
	for key := range s.datasetOf {
		if !need[key] {
			delete(s.datasetOf, key)
		}
	}
	s.memLimit.update(s.datasetOf)
}

// releasePredictors drops the predictors of the runs that no pending run needs, itself or as a
// dependency (ours: the study used to hold every trained network until it returned); a Network's
// compiled inference graph and cached outputs are freed at once.
func (s *studyRunner) releasePredictors() {
	needed := map[*plannedRun]bool{}
	for _, q := range s.pending {
		needed[q] = true
		for _, deps := range q.deps {
			for _, d := range deps {
				needed[d] = true
			}
		}
	}
	for _, seedPlan := range s.plans {
		for _, p := range seedPlan {
			if p.pred != nil && !needed[p] {
				if net, ok := p.pred.(*Network); ok {
					net.release()
				}
				p.pred = nil
			}
		}
	}
}

// newEnv returns the environment in which run p trains: its seed's data, the engine and the
// predictors of its dependencies.
func (s *studyRunner) newEnv(p *plannedRun) (*Env, error) {
	data, err := s.dataOf(p.seed)
	if err != nil {
		return nil, err
	}
	env := &Env{Data: data, Seed: p.seed, Modality: p.modality, Model: s.cfg.Model, Engine: s.engine,
		Name: p.name(), Deps: map[string][]Predictor{}}
	for name, deps := range p.deps {
		for _, d := range deps {
			env.Deps[name] = append(env.Deps[name], d.pred)
		}
	}
	return env, nil
}

// saveFailed records a result that could not be stored: a warning now, and a *SaveError at the
// end.
func (s *studyRunner) saveFailed(p *plannedRun, what string, err error) {
	s.warn("%v", err)
	s.saveErr.Missing = append(s.saveErr.Missing, fmt.Sprintf("%s%s (key %s)", what, p.name(), p.key))
	s.saveErr.Errs = append(s.saveErr.Errs, err)
}

// finish evaluates and records a trained run, and stores it.
func (s *studyRunner) finish(p *plannedRun, env *Env, pred Predictor, curves *results.Curves, trainSeconds, trainFLOPs float64) error {
	if s.probes[p.seed] == nil {
		s.probes[p.seed] = probeCache{}
	}
	ev, err := evaluate(s.backend, pred, env.Data, &s.cfg.Probe, s.probes[p.seed])
	if err != nil {
		return fmt.Errorf("%s: %w", p.name(), err)
	}
	p.pred = pred
	p.run = ev // evaluate filled in what it measured; the rest says what was run
	p.run.Key, p.run.Method, p.run.Seed, p.run.Dataset = p.key, p.method, p.seed, s.spec.String()
	p.run.Config, p.run.Versions, p.run.NumClasses = s.cfg.Values(p.method), s.versions, env.Data.NumClasses
	p.run.TrainSeconds, p.run.Curves = trainSeconds, curves
	p.run.Params, p.run.TrainFLOPs = ParamCount(pred), trainFLOPs/float64(env.Data.Train.Len())
	if p.modality >= 0 {
		m := p.modality
		p.run.Modality = &m
	}
	for _, mod := range env.Data.Modalities {
		p.run.ModalityNames = append(p.run.ModalityNames, mod.Name)
	}
	s.res.Trained++
	if s.study.Store != nil {
		if err := saveRun(s.study.Store, s.blobs, p); err != nil {
			s.saveFailed(p, "", err)
		}
	}
	s.claims.release(p) // after the save: a waiter then finds the record
	return nil
}

// ready reports whether every dependency of p has its predictor.
func (p *plannedRun) ready() bool {
	for _, deps := range p.deps {
		for _, d := range deps {
			if d.pred == nil {
				return false
			}
		}
	}
	return true
}

// drop removes the runs in qs from the pending runs.
func (s *studyRunner) drop(qs ...*plannedRun) {
	s.pending = slices.DeleteFunc(s.pending, func(r *plannedRun) bool { return slices.Contains(qs, r) })
}

// take decides whether run q, to be computed, is this call's to compute now: it claims q
// (RunClaimer). A run that another process stored meanwhile becomes a loaded one (false, and
// dropped from pending if nothing here needs its predictor); one that another live process is
// computing is left for later (false).
func (s *studyRunner) take(q *plannedRun) bool {
	switch s.claims.claim(q) {
	case claimMine:
		return true
	case claimStored:
		s.res.Shared++
		if !q.needPred {
			s.res.Loaded++
			s.progress.skipRun()
			s.drop(q)
		}
	}
	return false
}

// next returns the first pending run, in study order, that is ready and not being computed
// elsewhere, or nil if every pending run waits for runs other processes are computing.
func (s *studyRunner) next() *plannedRun {
	for _, q := range slices.Clone(s.pending) {
		if !q.ready() {
			continue
		}
		// Not taken: busy elsewhere (still to compute), or stored meanwhile and not needed here
		// (dropped). Stored meanwhile and needed as a dependency: restore it now.
		if q.compute && !s.take(q) && (q.compute || !q.needPred) {
			continue
		}
		return q
	}
	return nil
}

// computeAll computes (or restores) the pending runs, one step at a time: the next ready run
// alone, or with the ready runs that can join it as replicas.
func (s *studyRunner) computeAll(ctx context.Context) error {
	for len(s.pending) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.releaseData()
		s.releasePredictors()
		p := s.next()
		if p == nil {
			// Everything left waits for runs that other processes are computing.
			if err := s.claims.wait(ctx); err != nil {
				return err
			}
			continue
		}
		s.drop(p)
		var err error
		switch group := s.group(p); {
		case !p.compute:
			err = s.restore(ctx, p)
		case len(group) == 1:
			err = s.trainAlone(ctx, p)
		default:
			err = s.trainReplicas(ctx, group)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// group returns run p with the pending runs that train with it as replicas (taken and dropped
// from pending): with Replicas > 1 and p a JobTrainer run to compute, the following JobTrainer
// runs to compute that are ready, up to Replicas in all.
func (s *studyRunner) group(p *plannedRun) []*plannedRun {
	group := []*plannedRun{p}
	if _, ok := p.impl.(JobTrainer); !ok || !p.compute || s.replicas <= 1 {
		return group
	}
	for _, q := range slices.Clone(s.pending) {
		if _, ok := q.impl.(JobTrainer); ok && q.compute && len(group) < s.replicas && q.ready() && s.take(q) {
			group = append(group, q)
		}
	}
	s.drop(group[1:]...)
	return group
}

// restore gives a stored run whose predictor a run to compute needs its predictor: from its
// weights, or retrained (recoverPredictor), whose weights are then saved again.
func (s *studyRunner) restore(ctx context.Context, p *plannedRun) error {
	s.res.Loaded++
	env, err := s.newEnv(p)
	if err != nil {
		return err
	}
	s.progress.beginRun(p.name(), 1)
	retrained, err := recoverPredictor(ctx, p, env, s.blobs, s.backend, s.warn, s.res)
	if err != nil {
		return err
	}
	if retrained {
		// Its weights were lost: save them again, so later studies need not retrain it.
		if err := saveWeights(s.blobs, p); err != nil {
			s.saveFailed(p, "the weights of ", err)
		}
	}
	s.progress.endRun()
	return nil
}

// trainAlone trains run p with its method's Train, then evaluates and records it.
func (s *studyRunner) trainAlone(ctx context.Context, p *plannedRun) error {
	env, err := s.newEnv(p)
	if err != nil {
		return err
	}
	s.progress.beginRun(p.name(), 1)
	t0 := time.Now()
	counted, flops := withFLOPCounter(ctx)
	pred, curves, err := p.impl.Train(counted, env, p.opts)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name(), err)
	}
	if err := s.finish(p, env, pred, curves, time.Since(t0).Seconds(), flops.total()); err != nil {
		return err
	}
	s.progress.endRun()
	return nil
}

// trainReplicas trains the JobTrainer runs of group together (Engine.FitReplicas); each run's
// TrainSeconds is its share of the group's wall time.
func (s *studyRunner) trainReplicas(ctx context.Context, group []*plannedRun) error {
	envs := make([]*Env, len(group))
	jobs := make([]*TrainJob, len(group))
	for i, q := range group {
		env, err := s.newEnv(q)
		if err != nil {
			return err
		}
		if jobs[i], err = q.impl.(JobTrainer).TrainJob(env, q.opts); err != nil {
			return fmt.Errorf("%s: %w", q.name(), err)
		}
		envs[i] = env
	}
	s.progress.beginRun(groupName(jobs), len(group))
	t0 := time.Now()
	nets, curves, err := s.engine.FitReplicas(ctx, jobs)
	if err != nil {
		return err
	}
	share := time.Since(t0).Seconds() / float64(len(group))
	for i, q := range group {
		if err := s.finish(q, envs[i], nets[i], curves[i], share, nets[i].TrainFLOPs); err != nil {
			return err
		}
	}
	s.progress.endRun()
	return nil
}

// result returns the study's runs (by seed, then in plan order) and the summary line, with a
// *SaveError if some results could not be stored.
func (s *studyRunner) result() (*StudyResult, error) {
	s.progress.finish()
	res := s.res
	for _, seedPlan := range s.plans {
		for _, p := range seedPlan {
			res.Runs = append(res.Runs, *p.run)
		}
	}
	res.Seconds = time.Since(s.start).Seconds()
	if !s.study.Quiet {
		fmt.Fprintf(s.out, "mmlab: %s: %d runs trained, %d loaded (%d retrained as dependencies) in %.1f s\n",
			strings.Join(s.methods, ", "), res.Trained, res.Loaded, res.Retrained, res.Seconds)
	}
	if len(s.saveErr.Missing) > 0 {
		return res, s.saveErr
	}
	return res, nil
}
