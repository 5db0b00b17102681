package mmlab

// The training loop (docs/DESIGN.md §4 "Shared"; the grouping into replicas is ours). One loop trains
// every network: a group of replicas, independent networks that take their steps together in
// one compiled graph (one backend call per step for all of them), of which a single network
// (Engine.Fit) is the group of one. Like GoMLX's ml/train.Loop, which runs a trainer's steps
// and calls hooks at the start, after every step and at the end, the loop is a few named steps:
//
//	setup / setupShared  every replica's network is created and initialised as if it trained
//	                     alone (its seed, TrainJob.Init, then TrainJob.OnEpoch(0)); a group of
//	                     several then moves them into one shared store
//	runEpoch             every active replica shuffles its batch order; each step is one call
//	                     for all replicas, and each replica's loss is checked (stepDiverged)
//	endEpoch             per replica: the epoch's divergence rule, validation, curves, then
//	                     afterEpoch: TrainJob.OnEpoch and early stopping
//	results              every replica's weights (final or best) back in its own network
//
// What methods add are TrainJob's hooks: Loss and Transform act on a replica's training graph
// (buildStep), Init and OnEpoch on its network. A network that trains alone keeps its variables
// in its own store ("/net/..."), so OnEpoch can read and set them between epochs; replica r of a
// group of several lives under "/replica<r>/net/..." of the shared store and is copied back into
// its network at the end. Each replica's loss is differentiated with respect to its own
// variables only and every update is applied variable by variable, so a replica gets the same
// weights, bit for bit, as when it trains alone (TestFitReplicasMatchesFit).

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/results"
)

// replica is one network of a training group and its bookkeeping.
type replica struct {
	job       *TrainJob
	net       *Network
	scope     string            // the replica's scope in the group's store: "" (its network's own store) or replicaScope(r)
	resident  []*tensors.Tensor // the training split's inputs, labels and extras, in TrainJob order
	order     []int32           // the batch order of the current epoch
	shuffler  *pcg
	curves    *results.Curves
	active    bool
	err       error
	steps     int
	lossSum   float64 // of the current epoch
	startLoss float64 // the first step's loss, for the divergence rule (DivergenceFactor)
	best      *checkpoint
	bestAcc   float64
	sinceBest int
	final     *checkpoint // in a shared store: every variable of the network when it stopped early
	stepFLOPs float64     // dot-product FLOPs of one training step (cost.go)
}

// group is one run of the training loop: its replicas, the store they train in, the compiled
// training step and the validator.
type group struct {
	engine        *Engine
	opts          TrainOptions
	caller, name  string // caller prefixes errors; name (groupName) names the group
	reps          []*replica
	store         *model.Store
	exec          *model.Exec
	validator     *groupEvaluator
	stepsPerEpoch int
	totalSteps    int
	step          int     // steps taken
	args          []any   // the step's arguments: every replica's resident data, then rows, learning rate, epoch
	rowsBuf       []int32 // the batch rows of every replica, [replicas × batch]
}

// train is the training loop: it trains jobs as one group of replicas (a single job alone, in its
// network's own store) and returns, for each, its network and curves. The jobs have passed
// TrainJob.check and, if there are several, are Replicable with the same number of steps per
// epoch. An error is that of the first job, in the order of jobs, that failed.
func (e *Engine) train(ctx context.Context, jobs []*TrainJob, caller string) ([]*Network, []*results.Curves, error) {
	g, err := e.newGroup(jobs, caller)
	if err != nil {
		return nil, nil, err
	}
	defer g.finalize()
	if e.Progress != nil {
		e.Progress.Start(g.name, g.totalSteps)
		defer e.Progress.End()
	}
	start := time.Now()
	for epoch := range g.opts.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", caller, g.name, err)
		}
		if err := g.runEpoch(epoch); err != nil {
			return nil, nil, err
		}
		if g.done() {
			break
		}
		if err := g.endEpoch(epoch); err != nil {
			return nil, nil, err
		}
		if g.done() {
			break
		}
	}
	nets, curves, err := g.results(time.Since(start))
	for _, n := range nets {
		addTrainFLOPs(ctx, n.TrainFLOPs)
	}
	return nets, curves, err
}

// newGroup sets up the group of jobs (see setup and setupShared) and its validator.
func (e *Engine) newGroup(jobs []*TrainJob, caller string) (*group, error) {
	var g *group
	var err error
	if len(jobs) == 1 {
		g, err = e.setup(jobs[0], caller)
	} else {
		g, err = e.setupShared(jobs, caller)
	}
	if err != nil {
		return nil, err
	}
	if g.validator, err = newGroupEvaluator(g.store, g.reps); err != nil {
		g.finalize()
		return nil, fmt.Errorf("%s: %s: %w", caller, g.name, err)
	}
	return g, nil
}

// newEmptyGroup returns a group for jobs without replicas yet, or an error if the batch is larger
// than the first job's training split.
func (e *Engine) newEmptyGroup(jobs []*TrainJob, caller string) (*group, error) {
	opts := e.Options
	n := jobs[0].Data.Train.Len()
	g := &group{engine: e, opts: opts, caller: caller, name: groupName(jobs), stepsPerEpoch: n / opts.Batch}
	if g.stepsPerEpoch == 0 {
		return nil, fmt.Errorf("%s: %s: train.batch=%d exceeds the %d training samples", caller, jobs[0].Name, opts.Batch, n)
	}
	g.totalSteps = opts.Epochs * g.stepsPerEpoch
	return g, nil
}

// newReplica returns job's replica of net, active, with the training split resident (it stays
// next to the backend for the whole run; every step only sends the batch's row indices, and the
// graph gathers the rows) and the batch order of job.Seed.
func newReplica(job *TrainJob, net *Network) *replica {
	ds := job.Data
	n := ds.Train.Len()
	rep := &replica{job: job, net: net, active: true, bestAcc: -1,
		shuffler: newPCG(uint64(job.Seed), shuffleStream),
		curves:   &results.Curves{SplitHeadAcc: make([][]float64, len(job.Inputs))},
		order:    make([]int32, n)}
	for i := range rep.order {
		rep.order[i] = int32(i)
	}
	for _, m := range job.Inputs {
		rep.resident = append(rep.resident, tensors.FromFlatDataAndDimensions(ds.Train.Features[m], n, ds.Modalities[m].Size()))
	}
	rep.resident = append(rep.resident, tensors.FromFlatDataAndDimensions(ds.Train.Labels, n))
	for i, x := range job.Extra {
		rep.resident = append(rep.resident, tensors.FromFlatDataAndDimensions(x, n, job.ExtraDims[i]))
	}
	return rep
}

// setup returns the group of job alone: it creates job's network, seeds its store with job.Seed,
// builds and compiles the training step in that store, applies job.Init, initialises the
// remaining variables and calls job.OnEpoch(0). caller prefixes the errors.
func (e *Engine) setup(job *TrainJob, caller string) (*group, error) {
	g, err := e.newEmptyGroup([]*TrainJob{job}, caller)
	if err != nil {
		return nil, err
	}
	net := newNetwork(e.Backend, job.Inputs, job.Build, job.Data)
	g.store = net.store
	g.reps = []*replica{newReplica(job, net)}
	fail := func(format string, args ...any) (*group, error) {
		g.finalize()
		return nil, fmt.Errorf("%s: %s: "+format, append([]any{caller, job.Name}, args...)...)
	}
	if err := net.store.SetRNGStateFromSeed(int64(job.Seed)); err != nil {
		return fail("%w", err)
	}
	// Build the training graph and initialise the weights before the first step (the first Exec
	// would do both), so that job.Init can set the variables the network builds and job.OnEpoch
	// sees initialised weights.
	if err := g.compile(); err != nil {
		return fail("%w", err)
	}
	if job.Init != nil {
		if err := net.setWeights(job.Init); err != nil {
			return fail("Init: %w", err)
		}
	}
	if err := net.store.InitializeVariables(e.Backend, nil); err != nil {
		return fail("%w", err)
	}
	if job.OnEpoch != nil {
		if err := job.OnEpoch(0, net); err != nil {
			return fail("before the first epoch: %w", err)
		}
	}
	return g, nil
}

// setupShared returns the group of several Replicable jobs: each replica's network is set up as
// if it trained alone (setup: its own store, seeded by the job's seed), then its variables are
// copied into the shared store under /replica<r>/, where one training step is compiled for all.
func (e *Engine) setupShared(jobs []*TrainJob, caller string) (*group, error) {
	g, err := e.newEmptyGroup(jobs, caller)
	if err != nil {
		return nil, err
	}
	g.store = model.NewStore()
	fail := func(err error) (*group, error) {
		g.finalize()
		return nil, err
	}
	for r, job := range jobs {
		if !job.Replicable() {
			return fail(fmt.Errorf("%s: %s cannot train as a replica next to %s (see TrainJob.Replicable)", caller, job.Name, jobs[0].Name))
		}
		alone, err := e.setup(job, caller)
		if err != nil {
			return fail(err)
		}
		alone.exec.Finalize()
		rep := alone.reps[0]
		rep.scope = replicaScope(r)
		g.reps = append(g.reps, rep)
		if err := copyNetVariables(rep.net.store, g.store, rep.prefix()); err != nil {
			return fail(fmt.Errorf("%s: %s: %w", caller, job.Name, err))
		}
	}
	if err := g.compile(); err != nil {
		return fail(fmt.Errorf("%s: %s: %w", caller, g.name, err))
	}
	if v := g.store.GetVariable(model.JoinPath("/", model.RNGStateVariableName)); v != nil {
		return fail(fmt.Errorf("%s: %s: a network draws random numbers while training (e.g. dropout): "+
			"replicas would share one random stream; train these jobs with Fit", caller, g.name))
	}
	if err := g.store.InitializeVariables(e.Backend, nil); err != nil {
		return fail(fmt.Errorf("%s: %w", caller, err))
	}
	return g, nil
}

// copyNetVariables copies the variables under from's "/net/" into to, each at prefix + its
// path, with the same trainable flag.
func copyNetVariables(from, to *model.Store, prefix string) error {
	for v := range from.IterVariables() {
		if !strings.HasPrefix(v.Path(), "/"+netScope+"/") {
			continue
		}
		t, err := v.Value()
		if err == nil {
			t, err = t.Clone()
		}
		var nv *model.Variable
		if err == nil {
			nv, err = to.CreateVariable(prefix+v.Path(), t)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", v.Path(), err)
		}
		nv.SetTrainable(v.Trainable)
	}
	return nil
}

// compile builds and compiles the group's training step (buildStep) in its store with the
// engine's optimizer (train.optimizer), and prepares the step's arguments.
func (g *group) compile() error {
	updater, err := newUpdater(g.opts)
	if err != nil {
		return err
	}
	g.exec, err = model.NewExec(g.engine.Backend, g.store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		return g.buildStep(root, in, updater)
	})
	if err != nil {
		return err
	}
	var stepShapes []shapes.Shape
	for _, rep := range g.reps {
		for _, t := range rep.resident {
			stepShapes = append(stepShapes, t.Shape())
			g.args = append(g.args, t)
		}
	}
	R := len(g.reps)
	stepShapes = append(stepShapes, shapes.Make(dtypes.Int32, R, g.opts.Batch), shapes.Make(dtypes.Float32), shapes.Make(dtypes.Int32))
	g.args = append(g.args, nil, nil, nil) // batch rows of every replica, learning rate, epoch
	g.rowsBuf = make([]int32, R*g.opts.Batch)
	if perr := exceptions.TryCatch[error](func() { _, err = g.exec.Compile(stepShapes...) }); perr != nil {
		return perr
	}
	return err
}

// in returns the replica's scope under root: root itself for a network in its own store.
func (rep *replica) in(root *model.Scope) *model.Scope {
	if rep.scope == "" {
		return root
	}
	return root.In("%s", rep.scope)
}

// prefix is the path of the replica's scope in the group's store ("" or "/replica<r>").
func (rep *replica) prefix() string {
	if rep.scope == "" {
		return ""
	}
	return "/" + rep.scope
}

// buildStep builds one training step of every replica: in holds each replica's resident data,
// then the batch rows of every replica [replicas, batch], the learning rate and the epoch. Each
// replica's loss (buildBatch) is differentiated with respect to its own trainable variables
// (gradients), and one optimizer update applies every gradient. It returns the losses, [replicas].
func (g *group) buildStep(root *model.Scope, in []*graph.Node, updater gradientUpdater) []*graph.Node {
	gr := in[0].Graph()
	// Training mode also keeps the Go backend from embedding variables as constants.
	root.SetTraining(gr, true)
	rowsAll, lr, epoch := in[len(in)-3], in[len(in)-2], in[len(in)-1]
	losses := make([]*graph.Node, len(g.reps))
	gradOf := map[*model.Variable]*graph.Node{}
	off := 0
	for r, rep := range g.reps {
		k := len(rep.resident)
		rows := graph.Reshape(graph.Slice(rowsAll, graph.AxisRange(r, r+1)), g.opts.Batch, 1)
		scope := rep.in(root)
		b := buildBatch(rep.net, rep.job, scope.In(netScope), in[off:off+k], rows, epoch, g.caller)
		off += k
		roots := rep.gradients(scope, b, gradOf)
		rep.stepFLOPs = dotFLOPs(append(roots, b.Loss))
		losses[r] = graph.ConvertDType(b.Loss, dtypes.Float32)
	}
	var grads []*graph.Node
	for v := range root.IterVariables() {
		if v.Trainable && v.InUseByGraph(gr) {
			grad, ok := gradOf[v]
			if !ok {
				exceptions.Panicf("%s: trainable variable %s is used by no replica's loss", g.caller, v.Path())
			}
			grads = append(grads, grad)
		}
	}
	optimizer.LearningRateVar(root, losses[0].DType(), g.opts.LR).SetNodeValue(lr)
	updater.UpdateGraphWithGradients(root, grads, losses[0].DType())
	return []*graph.Node{graph.Stack(losses, 0)}
}

// gradients differentiates the replica's loss b.Loss with respect to its trainable variables
// (those under scope used by the graph: the graph its network builds alone), lets the job's
// Transform rewrite them (it sees the paths of the network alone, "/net/..."), records each
// variable's gradient in gradOf and returns the gradients.
func (rep *replica) gradients(scope *model.Scope, b *Batch, gradOf map[*model.Variable]*graph.Node) []*graph.Node {
	named := trainableInGraph(scope, b.Loss.Graph())
	nodes := make([]*graph.Node, len(named))
	for i := range named {
		named[i].Path = strings.TrimPrefix(named[i].Path, rep.prefix())
		nodes[i] = named[i].Variable.NodeValue(b.Loss.Graph())
	}
	for i, grad := range graph.Gradient(b.Loss, nodes...) {
		named[i].Grad = grad
	}
	if rep.job.Transform != nil {
		rep.job.Transform(b, named)
	}
	out := make([]*graph.Node, len(named))
	for i, n := range named {
		gradOf[n.Variable] = n.Grad
		out[i] = n.Grad
	}
	return out
}

// runEpoch takes the steps of epoch (0-based): every active replica shuffles its batch order,
// then each step trains every replica on its next batch. It stops early when the group is done.
func (g *group) runEpoch(epoch int) error {
	for _, rep := range g.reps {
		if rep.active {
			rep.shuffler.shuffle(rep.order)
			rep.lossSum = 0
		}
	}
	for s := range g.stepsPerEpoch {
		losses, err := g.takeStep(s, epoch)
		if err != nil {
			return err
		}
		g.recordStep(losses, epoch, s)
		if g.done() {
			break
		}
	}
	return nil
}

// takeStep runs step s of epoch, one call for every replica (a replica that stopped keeps being
// computed, its results ignored), and returns the replicas' losses.
func (g *group) takeStep(s, epoch int) ([]float32, error) {
	B := g.opts.Batch
	for r, rep := range g.reps {
		copy(g.rowsBuf[r*B:(r+1)*B], rep.order[s*B:(s+1)*B])
	}
	rows := tensors.FromFlatDataAndDimensions(g.rowsBuf, len(g.reps), B)
	g.args[len(g.args)-3] = rows
	g.args[len(g.args)-2] = float32(g.opts.learningRate(g.step, g.totalSteps))
	g.args[len(g.args)-1] = int32(epoch)
	var outs []*tensors.Tensor
	var err error
	if perr := exceptions.TryCatch[error](func() { outs, err = g.exec.Exec(g.args...) }); perr != nil {
		err = perr
	}
	rows.MustFinalizeAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: step %d: %w", g.caller, g.name, g.step, err)
	}
	losses := tensors.MustCopyFlatData[float32](outs[0])
	finalizeAll(outs)
	return losses, nil
}

// recordStep books the losses of step s of epoch: a NaN or infinite loss fails its replica (see
// stepDiverged); the others add to their epoch's loss; progress gets the mean loss of the
// active replicas.
func (g *group) recordStep(losses []float32, epoch, s int) {
	sum, active := 0.0, 0
	for r, rep := range g.reps {
		if !rep.active {
			continue
		}
		loss := float64(losses[r])
		if why := stepDiverged(loss); why != "" {
			rep.fail(fmt.Errorf("%s: %s diverged: %s at step %d (epoch %d, batch %d); %s",
				g.caller, rep.job.Name, why, g.step, epoch, s, divergenceHint(&g.opts)))
			continue
		}
		if rep.steps == 0 {
			rep.startLoss = loss
		}
		rep.lossSum += loss
		rep.steps++
		sum += loss
		active++
	}
	g.step++
	if g.engine.Progress != nil && active > 0 {
		g.engine.Progress.Step(sum / float64(active))
	}
}

// fail stops the replica with err.
func (rep *replica) fail(err error) {
	rep.err = err
	rep.active = false
}

// done reports whether training can stop: every replica stopped, or one failed and every
// replica before it (whose results training one job after the other would have delivered)
// stopped.
func (g *group) done() bool {
	for _, rep := range g.reps {
		if rep.err != nil {
			return true
		}
		if rep.active {
			return false
		}
	}
	return true
}

// endEpoch ends epoch (0-based) for every active replica: the divergence rule on its mean
// training loss (epochDiverged), then, for the replicas still active, the validation
// accuracies, the curves and afterEpoch.
func (g *group) endEpoch(epoch int) error {
	for _, rep := range g.reps {
		if !rep.active {
			continue
		}
		if why := epochDiverged(rep.lossSum/float64(g.stepsPerEpoch), rep.startLoss); why != "" {
			rep.fail(fmt.Errorf("%s: %s diverged in epoch %d: %s; %s",
				g.caller, rep.job.Name, epoch+1, why, divergenceHint(&g.opts)))
		}
	}
	if g.done() {
		return nil
	}
	accs, err := g.validator.accuracies()
	if err != nil {
		return fmt.Errorf("%s: %s: validation after epoch %d: %w", g.caller, g.name, epoch, err)
	}
	for r, rep := range g.reps {
		if !rep.active {
			continue
		}
		c := rep.curves
		c.Epoch = append(c.Epoch, epoch+1)
		c.TrainLoss = append(c.TrainLoss, rep.lossSum/float64(g.stepsPerEpoch))
		c.ValAcc = append(c.ValAcc, accs[r][0])
		for i, a := range accs[r][1:] {
			c.SplitHeadAcc[i] = append(c.SplitHeadAcc[i], a)
		}
		if err := g.afterEpoch(rep, epoch+1, accs[r][0]); err != nil {
			return err
		}
	}
	return nil
}

// afterEpoch runs the replica's hooks after its done-th epoch, validation accuracy acc: the
// job's OnEpoch, then early stopping (TrainOptions.Patience): a better accuracy checkpoints the
// trainable weights, Patience epochs without one stop the replica.
func (g *group) afterEpoch(rep *replica, done int, acc float64) error {
	if rep.job.OnEpoch != nil {
		if err := rep.job.OnEpoch(done, rep.net); err != nil {
			return fmt.Errorf("%s: %s: after epoch %d: %w", g.caller, rep.job.Name, done, err)
		}
	}
	if g.opts.Patience == 0 {
		return nil
	}
	var err error
	if acc > rep.bestAcc {
		rep.bestAcc, rep.sinceBest = acc, 0
		rep.best, err = storeCheckpoint(g.store, rep.prefix(), true)
		rep.curves.BestEpoch = done
	} else if rep.sinceBest++; rep.sinceBest >= g.opts.Patience {
		rep.active = false
		if rep.scope != "" { // the shared store goes on training the other replicas
			rep.final, err = storeCheckpoint(g.store, rep.prefix(), false)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", g.caller, rep.job.Name, err)
	}
	return nil
}

// results returns every replica's network and curves, or the error of the first replica that
// failed. A replica in a shared store gets its variables back (as they were when it stopped);
// with early stopping, every network then gets its best epoch's trainable weights.
func (g *group) results(elapsed time.Duration) ([]*Network, []*results.Curves, error) {
	for _, rep := range g.reps {
		if rep.err != nil {
			return nil, nil, rep.err
		}
	}
	nets := make([]*Network, len(g.reps))
	curves := make([]*results.Curves, len(g.reps))
	for r, rep := range g.reps {
		if err := rep.restoreInto(g.store); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", g.caller, rep.job.Name, err)
		}
		rep.net.Steps = rep.steps
		rep.net.TrainTime = elapsed
		rep.net.TrainFLOPs = rep.stepFLOPs * float64(rep.steps)
		nets[r], curves[r] = rep.net, rep.curves
	}
	return nets, curves, nil
}

// restoreInto puts the replica's trained weights from the group's store into its network.
func (rep *replica) restoreInto(store *model.Store) error {
	if rep.scope != "" {
		final := rep.final
		if final == nil {
			var err error
			if final, err = storeCheckpoint(store, rep.prefix(), false); err != nil {
				return err
			}
		}
		if err := rep.net.restore(final); err != nil {
			return err
		}
	}
	if rep.best != nil {
		return rep.net.restore(rep.best)
	}
	return nil
}

// finalize frees the group's compiled graphs and resident data.
func (g *group) finalize() {
	if g.validator != nil {
		g.validator.finalize()
	}
	if g.exec != nil {
		g.exec.Finalize()
	}
	for _, rep := range g.reps {
		finalizeAll(rep.resident)
	}
}

// storeCheckpoint copies the network variables under prefix + "/net/" of store (the trainable
// ones only, or all), under the paths they have in the network alone ("/net/...").
func storeCheckpoint(store *model.Store, prefix string, trainableOnly bool) (*checkpoint, error) {
	var vs []*model.Variable
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), prefix+"/"+netScope+"/") && (v.Trainable || !trainableOnly) {
			vs = append(vs, v)
		}
	}
	c := &checkpoint{}
	for _, v := range sortedWeights(vs) {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("checkpoint of %s: %w", v.Path(), err)
		}
		if t.DType() != dtypes.Float32 {
			return nil, fmt.Errorf("checkpoint of %s: dtype %s, want float32", v.Path(), t.DType())
		}
		c.paths = append(c.paths, strings.TrimPrefix(v.Path(), prefix))
		c.values = append(c.values, tensors.MustCopyFlatData[float32](t))
	}
	return c, nil
}

// groupEvaluator computes every replica's validation accuracies in one call, with the
// validation splits resident.
type groupEvaluator struct {
	exec     *model.Exec
	resident []*tensors.Tensor
	n        []int
	heads    []int // accuracies per replica: fused + split heads
}

func newGroupEvaluator(store *model.Store, reps []*replica) (*groupEvaluator, error) {
	ev := &groupEvaluator{}
	var sizes []int // inputs per replica (features + labels)
	for _, rep := range reps {
		s := rep.job.Data.Val
		for _, m := range rep.net.inputs {
			ev.resident = append(ev.resident, tensors.FromFlatDataAndDimensions(s.Features[m], s.Len(), len(s.Features[m])/s.Len()))
		}
		ev.resident = append(ev.resident, tensors.FromFlatDataAndDimensions(s.Labels, s.Len()))
		ev.n = append(ev.n, s.Len())
		sizes = append(sizes, len(rep.net.inputs)+1)
	}
	ev.heads = make([]int, len(reps))
	var err error
	ev.exec, err = model.NewExec(reps[0].net.backend, store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		// The weights change between calls: in training mode they are graph parameters; otherwise
		// backends that prefer constants (the Go backend) would freeze them at compile time.
		root.SetTraining(in[0].Graph(), true)
		var counts []*graph.Node
		off := 0
		for r, rep := range reps {
			k := sizes[r] - 1
			out := rep.net.buildOn(rep.in(root).In(netScope), in[off:off+k])
			labels := in[off+k]
			off += sizes[r]
			counts = append(counts, correctCount(out.Logits, labels))
			for _, o := range out.SplitLogits {
				counts = append(counts, correctCount(o, labels))
			}
			ev.heads[r] = 1 + len(out.SplitLogits)
		}
		return []*graph.Node{graph.Stack(counts, 0)}
	})
	if err != nil {
		finalizeAll(ev.resident)
		return nil, err
	}
	return ev, nil
}

// accuracies returns, per replica, the fused accuracy followed by the split-head accuracies.
func (ev *groupEvaluator) accuracies() ([][]float64, error) {
	var outs []*tensors.Tensor
	var err error
	if e := exceptions.TryCatch[error](func() { outs, err = ev.exec.Exec(tensorArgs(ev.resident)...) }); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	defer finalizeAll(outs)
	counts := tensors.MustCopyFlatData[int32](outs[0])
	accs := make([][]float64, len(ev.n))
	i := 0
	for r := range accs {
		for range ev.heads[r] {
			accs[r] = append(accs[r], float64(counts[i])/float64(ev.n[r]))
			i++
		}
	}
	return accs, nil
}

func (ev *groupEvaluator) finalize() {
	ev.exec.Finalize()
	finalizeAll(ev.resident)
}
