package mmlab

// Replica training (ours): independent networks — the same method on several seeds, the
// uni-modal models of one seed, a student next to another seed's teachers — trained side by side
// in one compiled graph, so that each step is one call into the backend instead of one per
// network, and the backend sees independent work it can spread over the cores. Every replica is
// trained exactly as Engine.Fit trains it (same initial weights, batch order, Adam arithmetic,
// validation, early stopping and divergence checks); the test checks bit-identical weights.

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
)

// Replicable reports whether FitReplicas can train job as a replica: jobs with a Transform or an
// OnEpoch need the network alone in its graph and store, and are trained with Fit instead.
// FitReplicas also trains every job with Fit when train.optimizer is not Adam (replicas share
// one Adam update; SGD was added later and is not replicated).
func (job *TrainJob) Replicable() bool {
	return job.Transform == nil && job.OnEpoch == nil
}

// replicaScope is the scope of replica r in the shared store; its network lives under
// replicaScope(r)/net, its Adam moments under /adam/replicaScope(r)/net.
func replicaScope(r int) string { return fmt.Sprintf("replica%d", r) }

// FitReplicas trains jobs and returns, for each, what Fit would return: the network and its
// curves. Replicable jobs whose training splits give the same number of steps per epoch are
// trained together as replicas in one compiled graph (ours): each keeps its own dataset, inputs,
// network structure, loss, initial weights (initialised as Fit initialises them, from the job's
// seed), batch order, validation curves and early-stopping decision, and the Adam update is
// applied variable by variable, as in Fit, so the weights are bit-identical to Fit's (checked by
// TestFitReplicasMatchesFit). Other jobs (see Replicable) are trained one at a time with Fit,
// after the replicas.
//
// A replica that stops early or diverges keeps being computed (its results are frozen at that
// point) until every replica is done. An error is that of the first job, in the order of jobs,
// that Fit would have failed on (e.g. a divergence naming the job and the step); no networks are
// returned then. Every network's TrainTime is the wall time of the whole group.
//
// Measured on this project's 2-core machine: see BenchmarkFitReplicas and bench/README.md.
func (e *Engine) FitReplicas(ctx context.Context, jobs []*TrainJob) ([]*Network, []*Curves, error) {
	const caller = "mmlab.Engine.FitReplicas"
	opts := e.Options
	if err := opts.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caller, err)
	}
	nets := make([]*Network, len(jobs))
	curves := make([]*Curves, len(jobs))
	var group []int // indices of the jobs trained as replicas
	for i, job := range jobs {
		if err := job.check(); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", caller, job.Name, err)
		}
		if !job.Replicable() || (opts.Optimizer != "" && opts.Optimizer != OptimizerAdam) {
			continue
		}
		if len(group) > 0 && job.Data.Train.Len()/opts.Batch != jobs[group[0]].Data.Train.Len()/opts.Batch {
			return nil, nil, fmt.Errorf("%s: %s has %d steps per epoch, %s %d: replicas take their steps together",
				caller, job.Name, job.Data.Train.Len()/opts.Batch, jobs[group[0]].Name, jobs[group[0]].Data.Train.Len()/opts.Batch)
		}
		group = append(group, i)
	}
	switch len(group) {
	case 0:
	case 1:
		i := group[0]
		net, c, err := e.Fit(ctx, jobs[i])
		if err != nil {
			return nil, nil, err
		}
		nets[i], curves[i] = net, c
	default:
		groupJobs := make([]*TrainJob, len(group))
		for k, i := range group {
			groupJobs[k] = jobs[i]
		}
		gnets, gcurves, err := e.fitReplicas(ctx, groupJobs, caller)
		if err != nil {
			return nil, nil, err
		}
		for k, i := range group {
			nets[i], curves[i] = gnets[k], gcurves[k]
		}
	}
	for i, job := range jobs {
		if nets[i] == nil {
			net, c, err := e.Fit(ctx, job)
			if err != nil {
				return nil, nil, err
			}
			nets[i], curves[i] = net, c
		}
	}
	return nets, curves, nil
}

// replicaState is one replica's bookkeeping in fitReplicas.
type replicaState struct {
	job       *TrainJob
	net       *Network
	resident  []*tensors.Tensor
	order     []int32
	shuffler  *pcg
	curves    *Curves
	active    bool
	err       error
	steps     int
	lossSum   float64
	startLoss float64 // the first step's loss, for the divergence rule (DivergenceFactor)
	best      *checkpoint
	bestAcc   float64
	sinceBest int
	final     *checkpoint // every variable of the network when it stopped (nil: still training)
}

// fitReplicas trains replicable jobs with the same number of steps per epoch in one graph.
func (e *Engine) fitReplicas(ctx context.Context, jobs []*TrainJob, caller string) ([]*Network, []*Curves, error) {
	opts := e.Options
	n0 := jobs[0].Data.Train.Len()
	stepsPerEpoch := n0 / opts.Batch
	if stepsPerEpoch == 0 {
		return nil, nil, fmt.Errorf("%s: %s: train.batch=%d exceeds the %d training samples", caller, jobs[0].Name, opts.Batch, n0)
	}
	totalSteps := opts.Epochs * stepsPerEpoch
	R := len(jobs)

	// Each replica's network is created and initialised exactly as Fit does it (its own store
	// seeded by the job's seed); its variables are then copied into the shared store under
	// /replica<r>/, and copied back when training ends.
	reps := make([]*replicaState, R)
	defer func() {
		for _, rep := range reps {
			if rep != nil {
				finalizeAll(rep.resident)
			}
		}
	}()
	shared := model.NewStore()
	for r, job := range jobs {
		net, exec, resident, err := e.setup(job, caller)
		if err != nil {
			return nil, nil, err
		}
		exec.Finalize()
		reps[r] = &replicaState{job: job, net: net, resident: resident, active: true, bestAcc: -1,
			shuffler: newPCG(uint64(job.Seed), shuffleStream),
			curves:   &Curves{SplitHeadAcc: make([][]float64, len(job.Inputs))}}
		n := job.Data.Train.Len()
		reps[r].order = make([]int32, n)
		for i := range reps[r].order {
			reps[r].order[i] = int32(i)
		}
		for v := range net.store.IterVariables() {
			if !strings.HasPrefix(v.Path(), "/"+netScope+"/") {
				continue
			}
			t, err := v.Value()
			if err == nil {
				t, err = t.Clone()
			}
			var sv *model.Variable
			if err == nil {
				sv, err = shared.CreateVariable("/"+replicaScope(r)+v.Path(), t)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %s: %s: %w", caller, job.Name, v.Path(), err)
			}
			sv.SetTrainable(v.Trainable)
		}
	}

	updater, err := adamUpdater(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caller, err)
	}
	trainStep := func(root *model.Scope, in []*graph.Node) []*graph.Node {
		g := in[0].Graph()
		root.SetTraining(g, true)
		rowsAll, lr, epoch := in[len(in)-3], in[len(in)-2], in[len(in)-1]
		losses := make([]*graph.Node, R)
		gradOf := map[*model.Variable]*graph.Node{}
		off := 0
		for r, rep := range reps {
			k := len(rep.resident)
			rows := graph.Reshape(graph.Slice(rowsAll, graph.AxisRange(r, r+1)), opts.Batch, 1)
			scope := root.In("%s", replicaScope(r))
			b := buildBatch(rep.net, rep.job, scope.In(netScope), in[off:off+k], rows, epoch, caller)
			off += k
			// The gradient of this replica's loss with respect to its own variables: the
			// graph Fit builds for the job alone.
			var vars []*model.Variable
			var nodes []*graph.Node
			for v := range scope.IterVariables() {
				if v.Trainable && v.InUseByGraph(g) {
					vars = append(vars, v)
					nodes = append(nodes, v.NodeValue(g))
				}
			}
			for i, grad := range graph.Gradient(b.Loss, nodes...) {
				gradOf[vars[i]] = grad
			}
			losses[r] = graph.ConvertDType(b.Loss, dtypes.Float32)
		}
		var grads []*graph.Node
		for v := range root.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				grad, ok := gradOf[v]
				if !ok {
					exceptions.Panicf("%s: trainable variable %s is used by no replica's loss", caller, v.Path())
				}
				grads = append(grads, grad)
			}
		}
		optimizer.LearningRateVar(root, losses[0].DType(), opts.LR).SetNodeValue(lr)
		updater.UpdateGraphWithGradients(root, grads, losses[0].DType())
		return []*graph.Node{graph.Stack(losses, 0)}
	}
	exec, err := model.NewExec(e.Backend, shared, trainStep)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caller, err)
	}
	defer exec.Finalize()
	var stepShapes []shapes.Shape
	args := []any{}
	for _, rep := range reps {
		for _, t := range rep.resident {
			stepShapes = append(stepShapes, t.Shape())
			args = append(args, t)
		}
	}
	stepShapes = append(stepShapes, shapes.Make(dtypes.Int32, R, opts.Batch), shapes.Make(dtypes.Float32), shapes.Make(dtypes.Int32))
	args = append(args, nil, nil, nil) // batch rows of every replica, learning rate, epoch
	if perr := exceptions.TryCatch[error](func() { _, err = exec.Compile(stepShapes...) }); perr != nil {
		err = perr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", caller, groupName(jobs), err)
	}
	if v := shared.GetVariable(model.JoinPath("/", model.RNGStateVariableName)); v != nil {
		return nil, nil, fmt.Errorf("%s: %s: a network draws random numbers while training (e.g. dropout): "+
			"replicas would share one random stream; train these jobs with Fit", caller, groupName(jobs))
	}
	if err := shared.InitializeVariables(e.Backend, nil); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caller, err)
	}
	validator, err := newReplicaEvaluator(shared, reps)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", caller, groupName(jobs), err)
	}
	defer validator.finalize()

	if e.Progress != nil {
		e.Progress.Start(groupName(jobs), totalSteps)
		defer e.Progress.End()
	}
	rowsBuf := make([]int32, R*opts.Batch)
	start := time.Now()
	step := 0
	// done reports whether training can stop: every replica stopped, or one failed and every
	// replica before it (whose results Fit, one job after the other, would have delivered) stopped.
	done := func() bool {
		for _, rep := range reps {
			if rep.err != nil {
				return true
			}
			if rep.active {
				return false
			}
		}
		return true
	}
	for epoch := range opts.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", caller, groupName(jobs), err)
		}
		for _, rep := range reps {
			if rep.active {
				rep.shuffler.shuffle(rep.order)
				rep.lossSum = 0
			}
		}
		for s := range stepsPerEpoch {
			for r, rep := range reps {
				copy(rowsBuf[r*opts.Batch:(r+1)*opts.Batch], rep.order[s*opts.Batch:(s+1)*opts.Batch])
			}
			rows := tensors.FromFlatDataAndDimensions(rowsBuf, R, opts.Batch)
			args[len(args)-3] = rows
			args[len(args)-2] = float32(opts.learningRate(step, totalSteps))
			args[len(args)-1] = int32(epoch)
			var outs []*tensors.Tensor
			if perr := exceptions.TryCatch[error](func() { outs, err = exec.Exec(args...) }); perr != nil {
				err = perr
			}
			rows.MustFinalizeAll()
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %s: step %d: %w", caller, groupName(jobs), step, err)
			}
			losses := tensors.MustCopyFlatData[float32](outs[0])
			finalizeAll(outs)
			meanLoss, numActive := 0.0, 0
			for r, rep := range reps {
				if !rep.active {
					continue
				}
				loss := float64(losses[r])
				if why := stepDiverged(loss); why != "" {
					rep.err = fmt.Errorf("%s: %s diverged: %s at step %d (epoch %d, batch %d); %s",
						caller, rep.job.Name, why, step, epoch, s, divergenceHint(&opts))
					rep.active = false
					continue
				}
				if rep.steps == 0 {
					rep.startLoss = loss
				}
				rep.lossSum += loss
				rep.steps++
				meanLoss += loss
				numActive++
			}
			step++
			if e.Progress != nil && numActive > 0 {
				e.Progress.Step(meanLoss / float64(numActive))
			}
			if done() {
				break
			}
		}
		if done() {
			break
		}
		accs, err := validator.accuracies()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: validation after epoch %d: %w", caller, groupName(jobs), epoch, err)
		}
		for r, rep := range reps {
			if !rep.active {
				continue
			}
			if why := epochDiverged(rep.lossSum/float64(stepsPerEpoch), rep.startLoss); why != "" {
				rep.err = fmt.Errorf("%s: %s diverged in epoch %d: %s; %s",
					caller, rep.job.Name, epoch+1, why, divergenceHint(&opts))
				rep.active = false
				continue
			}
			acc, split := accs[r][0], accs[r][1:]
			c := rep.curves
			c.Epoch = append(c.Epoch, epoch+1)
			c.TrainLoss = append(c.TrainLoss, rep.lossSum/float64(stepsPerEpoch))
			c.ValAcc = append(c.ValAcc, acc)
			for i, a := range split {
				c.SplitHeadAcc[i] = append(c.SplitHeadAcc[i], a)
			}
			if opts.Patience > 0 {
				if acc > rep.bestAcc {
					rep.bestAcc, rep.sinceBest = acc, 0
					if rep.best, err = replicaCheckpoint(shared, r, true); err != nil {
						return nil, nil, fmt.Errorf("%s: %s: %w", caller, rep.job.Name, err)
					}
					c.BestEpoch = epoch + 1
				} else if rep.sinceBest++; rep.sinceBest >= opts.Patience {
					rep.active = false
					if rep.final, err = replicaCheckpoint(shared, r, false); err != nil {
						return nil, nil, fmt.Errorf("%s: %s: %w", caller, rep.job.Name, err)
					}
				}
			}
		}
		if done() {
			break
		}
	}
	for _, rep := range reps {
		if rep.err != nil {
			return nil, nil, rep.err
		}
	}
	elapsed := time.Since(start)
	nets := make([]*Network, R)
	curves := make([]*Curves, R)
	for r, rep := range reps {
		final := rep.final
		if final == nil {
			if final, err = replicaCheckpoint(shared, r, false); err != nil {
				return nil, nil, fmt.Errorf("%s: %s: %w", caller, rep.job.Name, err)
			}
		}
		if err := rep.net.restore(final); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", caller, rep.job.Name, err)
		}
		if rep.best != nil {
			if err := rep.net.restore(rep.best); err != nil {
				return nil, nil, fmt.Errorf("%s: %s: %w", caller, rep.job.Name, err)
			}
		}
		rep.net.Steps = rep.steps
		rep.net.TrainTime = elapsed
		nets[r], curves[r] = rep.net, rep.curves
	}
	return nets, curves, nil
}

// groupName names a group of jobs in messages and progress: "uni m0 seed 0 + 4 replicas".
func groupName(jobs []*TrainJob) string {
	if len(jobs) == 1 {
		return jobs[0].Name
	}
	return fmt.Sprintf("%s + %d replicas", jobs[0].Name, len(jobs)-1)
}

// replicaCheckpoint copies replica r's network variables from the shared store (trainable ones
// only, or all) under the paths they have in the replica's own network ("/net/...").
func replicaCheckpoint(shared *model.Store, r int, trainableOnly bool) (*checkpoint, error) {
	prefix := "/" + replicaScope(r)
	var vs []*model.Variable
	for v := range shared.IterVariables() {
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

// replicaEvaluator computes every replica's validation accuracies in one call.
type replicaEvaluator struct {
	exec     *model.Exec
	resident []*tensors.Tensor
	n        []int
	heads    []int // accuracies per replica: fused + split heads
}

func newReplicaEvaluator(shared *model.Store, reps []*replicaState) (*replicaEvaluator, error) {
	ev := &replicaEvaluator{}
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
	ev.exec, err = model.NewExec(reps[0].net.backend, shared, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		// Weights change between calls: training mode keeps them graph parameters (see newEvaluator).
		root.SetTraining(in[0].Graph(), true)
		var counts []*graph.Node
		off := 0
		for r, rep := range reps {
			k := sizes[r] - 1
			out := rep.net.buildOn(root.In("%s", replicaScope(r)).In(netScope), in[off:off+k])
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
func (ev *replicaEvaluator) accuracies() ([][]float64, error) {
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

func (ev *replicaEvaluator) finalize() {
	ev.exec.Finalize()
	finalizeAll(ev.resident)
}
