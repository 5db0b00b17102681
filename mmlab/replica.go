package mmlab

// Replica training (ours): independent networks — the same method on several seeds, the
// uni-modal models of one seed, a student next to another seed's teachers — trained side by side
// in one compiled graph, so that each step is one call into the backend instead of one per
// network, and the backend sees independent work it can spread over the cores. Fit and
// FitReplicas run the same training loop (loop.go), so every replica is trained exactly as Fit
// trains it (same initial weights, batch order, Adam arithmetic, validation, early stopping and
// divergence checks); the test checks bit-identical weights.

import (
	"context"
	"fmt"

	"github.com/mmlab-go/mmlab/results"
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
func (e *Engine) FitReplicas(ctx context.Context, jobs []*TrainJob) ([]*Network, []*results.Curves, error) {
	const caller = "mmlab.Engine.FitReplicas"
	opts := e.Options
	if err := opts.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caller, err)
	}
	nets := make([]*Network, len(jobs))
	curves := make([]*results.Curves, len(jobs))
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
		gnets, gcurves, err := e.train(ctx, groupJobs, caller)
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

// groupName names a group of jobs in messages and progress: "uni m0 seed 0 + 4 replicas".
func groupName(jobs []*TrainJob) string {
	if len(jobs) == 1 {
		return jobs[0].Name
	}
	return fmt.Sprintf("%s + %d replicas", jobs[0].Name, len(jobs)-1)
}
