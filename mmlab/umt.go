package mmlab

// umt — Uni-Modal Teacher (Du et al., ICML 2023): a late-fusion student trained from scratch with
// cross-entropy on the fused logits plus λ·Σ_m distance(f_m, stopgrad(f_m^teacher)), where the
// teachers are the frozen uni-modal runs of the same seed (the ones UME uses). There is no data
// augmentation, so the teachers' features of the training split are computed once and gathered
// with every batch (docs/DESIGN.md §4). Options (ours) may start the student's encoders from the
// teachers' weights (umt.init=teacher, through TrainJob.Init, or TrainJob.OnEpoch(0) when shared
// free dims widen the last layer; the default umt.init=auto does so for CNN encoders) and
// normalise the distillation term by the teachers' per-dimension variance
// (umt.distill_norm=teacher_var).

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.UMTMethod, umtMethod{}) }

// Distances of UMT's distillation term (UMTOptions.Distance).
const (
	DistanceMSE    = "mse"    // mean over batch and dimensions of (f − t)²; the default
	DistanceL1     = "l1"     // mean over batch and dimensions of |f − t|
	DistanceCosine = "cosine" // mean over the batch of 1 − cos(f, t)
)

// Free-dimension modes (UMTOptions.FreeMode).
const (
	// FreeShared widens each student encoder's last layer by FreeDims outputs (ours).
	FreeShared = "shared"
	// FreeBranch adds, per modality, a second undistilled encoder with FreeDims outputs. It has
	// about twice the encoder parameters: compare it with a width-matched joint model (ours).
	FreeBranch = "branch"
)

// How UMT's student starts (UMTOptions.Init).
const (
	// InitAuto is InitTeacher when the student's encoders are CNNs (ModelOptions.UsesCNN for some
	// modality) and InitScratch when they are all MLPs: the default, chosen on validation data
	// (see the package doc; ours).
	InitAuto = "auto"
	// InitScratch initialises the whole student as any network (the reference method).
	InitScratch = "scratch"
	// InitTeacher starts each student encoder from its frozen uni-modal teacher's encoder weights;
	// the fusion head and any free dimensions start from scratch (ours; issue 12).
	InitTeacher = "teacher"
)

// Normalisations of UMT's distillation term (UMTOptions.DistillNorm). The distances already
// average over batch and feature dimensions, so their scale is that of one feature's squared
// (mse) or absolute (l1) error, which for unnormalised CNN features can be ≫ the cross-entropy.
const (
	// DistillNormNone applies the distance to the raw features (the reference method; the default).
	DistillNormNone = "none"
	// DistillNormTeacherVar divides student and teacher features, dimension d, by
	// s_d = sqrt(var_d + ε), var_d the population variance of the teacher's feature d on the
	// training split and ε = 1e-3·mean_d var_d (so a dead, constant teacher feature has a finite
	// weight). With mse, a student that outputs the teacher's per-dimension mean then has a term
	// of ≈ 1 (exactly 1 for ε = 0), the scale of a cross-entropy, whatever the features' scale (ours).
	DistillNormTeacherVar = "teacher_var"
)

// UMTOptions are UMT's options ("umt.<key>").
type UMTOptions struct {
	Lambda   float64 `opt:"lambda" help:"weight λ of the distillation term (10: a public re-implementation's default; the paper's value is unverified)"`
	Distance string  `opt:"distance" choices:"mse|l1|cosine" help:"distance between student and teacher features"`
	FreeDims int     `opt:"free_dims" help:"extra undistilled encoder outputs per modality that feed the fusion head (ours; 0 = the reference method)"`
	FreeMode string  `opt:"free_mode" choices:"shared|branch" help:"free dims from the encoder's own last layer (shared) or from a second undistilled encoder (branch)"`
	// Init defaults to auto (teacher for CNN encoders, scratch for MLPs) and DistillNorm to the
	// reference method's none: see InitAuto, DistillNormTeacherVar and the evidence in the
	// package doc. Init=scratch is left out of run keys (UMT runs stored before the option
	// existed keep their keys); auto is in them.
	Init        string `opt:"init" choices:"auto|scratch|teacher" omitif:"scratch" help:"student start: scratch, teacher = each encoder from its uni teacher's weights (head and free dims from scratch), or auto = teacher for CNN encoders, scratch for MLPs (ours)"`
	DistillNorm string `opt:"distill_norm" choices:"none|teacher_var" omitif:"none" help:"scale of the distillation term: none, or teacher_var = features divided per dimension by the teacher's std on the training split (ours)"`
}

// DefaultUMTOptions returns UMT's defaults: λ = 10, mse, no free dimensions, a student started
// from its teachers for CNN encoders and from scratch for MLPs (InitAuto), no normalisation of
// the distillation term.
func DefaultUMTOptions() UMTOptions {
	return UMTOptions{Lambda: 10, Distance: DistanceMSE, FreeDims: 0, FreeMode: FreeShared,
		Init: InitAuto, DistillNorm: DistillNormNone}
}

// Validate implements Validator.
func (o *UMTOptions) Validate() error {
	switch {
	case o.Lambda < 0:
		return fmt.Errorf("umt.lambda=%g: must be ≥ 0", o.Lambda)
	case o.FreeDims < 0:
		return fmt.Errorf("umt.free_dims=%d: must be ≥ 0", o.FreeDims)
	}
	return checkChoices(o, "umt.")
}

type umtMethod struct{}

// Doc implements Method.
func (umtMethod) Doc() string {
	return "Uni-Modal Teacher (Du et al., ICML 2023): a late-fusion student trained from scratch with " +
		"CE(fused) + λ·Σ_m distance(f_m, f_m^teacher) to the frozen uni runs' encoder outputs; " +
		"optional undistilled free dimensions, a student whose encoders start from the teachers' " +
		"(umt.init=teacher; the default auto does so for CNN encoders) and a distillation term " +
		"normalised by the teacher features' variance (ours)."
}

// DefaultOptions, Requires and PerModality implement Method.
func (umtMethod) DefaultOptions() Validator { o := DefaultUMTOptions(); return &o }
func (umtMethod) Requires() []string        { return []string{results.UniMethod} }
func (umtMethod) PerModality() bool         { return false }

// job describes the student network; teachers (per modality: features of the training split,
// [N × dim], already divided by scales[m] where scales is not nil) are only needed for training.
func (umtMethod) job(env *Env, o *UMTOptions, teachers [][]float32, scales [][]float32) *TrainJob {
	k := env.Data.NumClasses
	mo := env.Model
	featDim := mo.FeatureDim()
	job := &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs {
			return mo.WideLateFusion(scope, xs, k, o.FreeDims, o.FreeMode)
		},
	}
	if teachers == nil {
		return job
	}
	job.Extra = teachers
	for range teachers {
		job.ExtraDims = append(job.ExtraDims, featDim)
	}
	job.Loss = func(b *Batch) *graph.Node {
		loss := CrossEntropy(b.Out.Logits, b.Labels)
		for i, f := range b.Out.Features {
			// The distilled part is the first featDim outputs; free dimensions follow it.
			student := graph.Slice(f, graph.AxisRange(), graph.AxisRange(0, featDim))
			if scales != nil {
				scale := graph.ExpandAxes(graph.Const(student.Graph(), scales[i]), 0)
				student = graph.Mul(student, graph.BroadcastToDims(scale, student.Shape().Dimensions...))
			}
			teacher := graph.StopGradient(b.Extra[i])
			loss = graph.Add(loss, graph.MulScalar(FeatureDistance(o.Distance, student, teacher), o.Lambda))
		}
		return loss
	}
	return job
}

// FeatureDistance is UMT's distillation distance between student and teacher features
// ([batch, dim] each): see DistanceMSE, DistanceL1, DistanceCosine.
func FeatureDistance(distance string, student, teacher *graph.Node) *graph.Node {
	if !student.Shape().Equal(teacher.Shape()) || student.Rank() != 2 {
		exceptions.Panicf("mmlab.FeatureDistance: want equal [batch, dim] shapes, got %s and %s", student.Shape(), teacher.Shape())
	}
	switch distance {
	case DistanceMSE:
		return graph.ReduceAllMean(graph.Square(graph.Sub(student, teacher)))
	case DistanceL1:
		return graph.ReduceAllMean(graph.Abs(graph.Sub(student, teacher)))
	case DistanceCosine:
		// ε keeps the gradient finite for an all-zero feature vector (dead ReLUs).
		const eps = 1e-8
		dot := graph.ReduceSum(graph.Mul(student, teacher), -1)
		norms := graph.Mul(graph.Sqrt(graph.AddScalar(graph.ReduceSum(graph.Square(student), -1), eps)),
			graph.Sqrt(graph.AddScalar(graph.ReduceSum(graph.Square(teacher), -1), eps)))
		return graph.ReduceAllMean(graph.OneMinus(graph.Div(dot, norms)))
	}
	exceptions.Panicf("mmlab.FeatureDistance: unknown distance %q (valid: mse, l1, cosine)", distance)
	return nil
}

// TrainJob implements JobTrainer: the student's job, with the teachers' (env.Deps["uni"])
// features of the training split as its extras.
func (u umtMethod) TrainJob(env *Env, opts Validator) (*TrainJob, error) {
	o := opts.(*UMTOptions)
	members := env.Deps[results.UniMethod]
	if len(members) != len(env.Data.Modalities) {
		return nil, fmt.Errorf("mmlab: umt: %d teachers for %d modalities", len(members), len(env.Data.Modalities))
	}
	teachers := make([][]float32, len(members))
	for m, t := range members {
		feats, dim, ok, err := t.Features(m, env.Data.Train)
		if err != nil {
			return nil, fmt.Errorf("mmlab: umt: teacher features of modality %d: %w", m, err)
		}
		if !ok || dim != env.Model.FeatureDim() {
			return nil, fmt.Errorf("mmlab: umt: teacher of modality %d has %d-dimensional features, the student's encoder %d "+
				"(teachers and student must share model.hidden)", m, dim, env.Model.FeatureDim())
		}
		teachers[m] = feats
	}
	var scales [][]float32
	if o.DistillNorm == DistillNormTeacherVar {
		scales = make([][]float32, len(teachers))
		for m, feats := range teachers {
			scales[m] = TeacherScales(feats, env.Model.FeatureDim())
			scaled := make([]float32, len(feats))
			for i, v := range feats {
				scaled[i] = v * scales[m][i%len(scales[m])]
			}
			teachers[m] = scaled
		}
	}
	job := u.job(env, o, teachers, scales)
	if umtInit(o.Init, env) == InitTeacher {
		saved, err := teacherEncoders(members)
		if err != nil {
			return nil, fmt.Errorf("mmlab: umt: umt.init=teacher: %w", err)
		}
		if o.FreeDims > 0 && o.FreeMode == FreeShared {
			// The last encoder layer is wider than the teacher's: TrainJob.Init needs equal
			// shapes, so the weights are spliced in once the student is initialised (such a job
			// is not Replicable and trains with Fit).
			job.OnEpoch = func(done int, net *Network) error {
				if done == 0 {
					return setTeacherEncoders(net, saved)
				}
				return nil
			}
		} else {
			ws := make([]savedWeight, 0, len(saved))
			for _, w := range saved {
				ws = append(ws, w)
			}
			slices.SortFunc(ws, func(a, b savedWeight) int { return strings.Compare(a.Path, b.Path) })
			if job.Init, err = encodeWeights(ws); err != nil {
				return nil, fmt.Errorf("mmlab: umt: umt.init=teacher: %w", err)
			}
		}
	}
	return job, nil
}

// umtInit resolves UMTOptions.Init for env: InitAuto is InitTeacher when some modality's
// encoder is a CNN (env.Model.UsesCNN), else InitScratch; other values are returned unchanged.
func umtInit(init string, env *Env) string {
	if init != InitAuto {
		return init
	}
	for _, m := range env.Data.Modalities {
		if env.Model.UsesCNN(m.Shape) {
			return InitTeacher
		}
	}
	return InitScratch
}

// TeacherScales returns 1/sqrt(var_d + ε) for every dimension d of features (row-major
// [N × dim]): var_d is the population variance of column d and ε = 1e-3·mean_d var_d (1e-12 if
// every column is constant). See DistillNormTeacherVar.
func TeacherScales(features []float32, dim int) []float32 {
	if dim <= 0 || len(features) == 0 || len(features)%dim != 0 {
		panic(fmt.Sprintf("mmlab.TeacherScales: %d values are not rows of %d", len(features), dim))
	}
	n := len(features) / dim
	mean, sq := make([]float64, dim), make([]float64, dim)
	for i, v := range features {
		mean[i%dim] += float64(v)
	}
	for d := range mean {
		mean[d] /= float64(n)
	}
	for i, v := range features {
		x := float64(v) - mean[i%dim]
		sq[i%dim] += x * x
	}
	meanVar := 0.0
	for d := range sq {
		sq[d] /= float64(n)
		meanVar += sq[d] / float64(dim)
	}
	eps := max(1e-3*meanVar, 1e-12)
	out := make([]float32, dim)
	for d, v := range sq {
		out[d] = float32(1 / math.Sqrt(v+eps))
	}
	return out
}

// teacherEncoders returns teacher i's encoder weights ("/net/enc/…") under the paths of the
// student's encoder i ("/net/enc<i>/…"); the free branch ("/net/free<i>/…") and the fusion head
// have no teacher and start from scratch.
func teacherEncoders(members []Predictor) (map[string]savedWeight, error) {
	saved := map[string]savedWeight{}
	for m, t := range members {
		saver, ok := t.(WeightSaver)
		if !ok {
			return nil, fmt.Errorf("teacher of modality %d (%T) has no weights to copy", m, t)
		}
		data, err := saver.MarshalWeights()
		if err != nil {
			return nil, fmt.Errorf("teacher of modality %d: %w", m, err)
		}
		ws, err := decodeWeights(data)
		if err != nil {
			return nil, fmt.Errorf("teacher of modality %d: %w", m, err)
		}
		const prefix = "/" + netScope + "/enc/"
		for _, w := range ws {
			if rest, ok := strings.CutPrefix(w.Path, prefix); ok {
				w.Path = fmt.Sprintf("/%s/enc%d/%s", netScope, m, rest)
				saved[w.Path] = w
			}
		}
	}
	return saved, nil
}

// setTeacherEncoders sets a freshly initialised student's encoder variables to the teachers'
// (saved, from teacherEncoders). A student variable wider than the teacher's in its last axis
// (the last layer with shared free dims) gets the teacher's values in its leading entries and
// keeps its own initialisation in the others. Every variable of the student's encoders must be
// set.
func setTeacherEncoders(net *Network, saved map[string]savedWeight) error {
	for _, v := range net.weights() {
		if !regexpEncoder.MatchString(v.Path()) {
			continue
		}
		w, ok := saved[v.Path()]
		if !ok {
			return fmt.Errorf("the teacher has no weight for %s (teachers and student must share the model options)", v.Path())
		}
		dims := v.Shape().Dimensions
		if !leadingFits(w.Dims, dims) {
			return fmt.Errorf("%s has shape %v, the teacher's %v", v.Path(), dims, w.Dims)
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("%s: %w", v.Path(), err)
		}
		vals := tensors.MustCopyFlatData[float32](t)
		last, tlast := dims[len(dims)-1], w.Dims[len(w.Dims)-1]
		for r := range len(vals) / last {
			copy(vals[r*last:r*last+tlast], w.Values[r*tlast:(r+1)*tlast])
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, dims...)); err != nil {
			return fmt.Errorf("%s: %w", v.Path(), err)
		}
	}
	return nil
}

// regexpEncoder matches the paths of the student's distilled encoders.
var regexpEncoder = regexp.MustCompile(`^/` + netScope + `/enc[0-9]+/`)

// leadingFits reports whether a teacher weight of shape teacher fits the student's student:
// the same rank and dimensions, except that the last may be larger in the student.
func leadingFits(teacher, student []int) bool {
	if len(teacher) != len(student) || len(teacher) == 0 {
		return false
	}
	n := len(teacher) - 1
	return slices.Equal(teacher[:n], student[:n]) && teacher[n] <= student[n]
}

// Train implements Method.
func (u umtMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	job, err := u.TrainJob(env, opts)
	if err != nil {
		return nil, nil, err
	}
	return env.Fit(ctx, job)
}

// Restore implements Restorer.
func (u umtMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), u.job(env, opts.(*UMTOptions), nil, nil), weights)
}
