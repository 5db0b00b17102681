package main

// mmlab sweep and mmlab collect: a grid of studies (mmlab.Sweep), run whole or by shards
// (--shard i/n, --shard auto under a Slurm array or a Kubernetes Indexed Job), submitted to
// Slurm (--slurm, --submit) or written as a Kubernetes manifest (--k8s), and merged from the
// store (collect).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// sweepArgs are the parsed flags of sweep and collect.
type sweepArgs struct {
	data, methods, seeds string
	epochs               int
	opts, grid           optionFlags
	shard                string
	shards               int
	quiet                bool
	// sweep only: submission.
	slurmDir, k8s, image, pvc, name string
	parallel                        int
	submit                          bool
	sbatch                          optionFlags
	// collect only.
	out, csv string
}

// sweepFlags defines the flags of cmd ("sweep" or "collect").
func sweepFlags(cmd string) (*flag.FlagSet, *sweepArgs) {
	a := &sweepArgs{}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.data, "data", defaultData, "base dataset spec `NAME:key=value,...` of every cell; dataset axes of --grid replace its keys")
	fs.StringVar(&a.methods, "methods", defaultMethods, "comma-separated `LIST` of methods (registered: "+strings.Join(mmlab.Methods(), ", ")+")")
	fs.StringVar(&a.seeds, "seeds", defaultSeeds, seedsHelp)
	fs.IntVar(&a.epochs, "epochs", 0, "shorthand for --opt train.epochs=`E`")
	fs.Var(&a.opts, "opt", "set an option of every cell, `GROUP.KEY=VALUE`; repeatable (mmlab options lists them)")
	fs.Var(&a.grid, "grid", "an axis of the grid, `KEY=V1,V2,...`: a dataset key (rho=0.5,0.7) or an option (umt.lambda=1,10); repeatable, the first axis varies slowest")
	fs.IntVar(&a.shards, "shards", 0, "the number of shards `N`: with --shard auto under a Kubernetes Indexed Job (which does not pass the count), "+
		"with --slurm/--k8s the number of array tasks or pods (default: one per task); for collect, the shards missing tasks are reported by")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress or messages on stderr (warnings are still printed)")
	if cmd == "sweep" {
		fs.StringVar(&a.shard, "shard", "", "run only shard `I/N` of the tasks (task t belongs to shard t mod N), or \"auto\": "+
			"the index and count of a Slurm array task (SLURM_ARRAY_TASK_ID, normalised by SLURM_ARRAY_TASK_MIN/STEP, and SLURM_ARRAY_TASK_COUNT) "+
			"or of a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, with --shards N)")
		fs.StringVar(&a.slurmDir, "slurm", "", "write a Slurm array job (sweep.sbatch, one array task per shard), a collect job (collect.sbatch) and submit.sh into `DIR` (on the shared file system), instead of running")
		fs.BoolVar(&a.submit, "submit", false, "with --slurm: submit both jobs with sbatch, the collect job with --dependency=afterok on the array")
		fs.IntVar(&a.parallel, "parallel", 0, "with --slurm or --k8s: run at most `P` shards at a time (--array=0-(N-1)%P; the Job's parallelism); 0: no limit (Kubernetes: N)")
		fs.Var(&a.sbatch, "sbatch", "with --slurm: an extra `OPTION` for both jobs' #SBATCH lines, e.g. --partition=gpu or --time=2:00:00; repeatable")
		fs.StringVar(&a.k8s, "k8s", "", "write a Kubernetes Indexed Job manifest (JSON, which kubectl apply -f accepts) to `FILE`, instead of running")
		fs.StringVar(&a.image, "image", "", "with --k8s: the container `IMAGE` that has the mmlab binary on its PATH")
		fs.StringVar(&a.pvc, "pvc", "", "with --k8s: the PersistentVolumeClaim `NAME` (ReadWriteMany) mounted as $MMLAB_HOME in every pod")
		fs.StringVar(&a.name, "name", "mmlab-sweep", "with --slurm or --k8s: the job `NAME`")
	} else {
		fs.StringVar(&a.out, "out", "", "write the merged results (results.SweepCollection) as JSON to `FILE` (\"-\": stdout)")
		fs.StringVar(&a.csv, "csv", "", "write one row per run as CSV to `FILE`")
	}
	return fs, a
}

const sweepUsage = `Usage: mmlab sweep [flags]

Runs a grid of studies (mmlab.Sweep): one study per cell of --grid (every combination of the axes'
values), over --methods and --seeds. Its tasks (one per cell and seed, in a fixed order) can be
split into shards run anywhere that shares $MMLAB_HOME: --shard i/n, or --shard auto inside a Slurm
array task or a Kubernetes Indexed Job pod. Any set of shards, run in any order and any number of
times, leaves the same results in the store; "mmlab collect" with the same flags merges them.
--slurm DIR writes (and --submit submits) a Slurm array job and a collect job; --k8s FILE writes
an Indexed Job manifest.

Example:
  mmlab sweep --data lazypair:pair=add --grid rho=0.6,0.9 --grid pi=0,0.5 --methods ume,joint,umt \
    --seeds 5 --slurm sweep1 --parallel 8 --submit

`

const collectUsage = `Usage: mmlab collect [flags]

Merges the results of a sweep (the same --data, --grid, --methods, --seeds and --opt as mmlab
sweep) from the results store, training nothing: every cell's runs in a fixed order, as JSON (--out)
and CSV (--csv). Tasks with runs missing are listed by shard (of --shards) and make it exit 1.

`

// parseSweepArgs parses the flags of cmd into a sweep (checked: every cell's spec and options).
func parseSweepArgs(cmd string, args []string, stdout io.Writer) (*sweepArgs, *mmlab.Sweep, []mmlab.SweepTask, bool, error) {
	fs, a := sweepFlags(cmd)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printSweepUsage(stdout, fs)
			return nil, nil, nil, true, nil
		}
		return nil, nil, nil, false, usagef("%v (see mmlab help %s)", err, cmd)
	}
	if fs.NArg() > 0 {
		return nil, nil, nil, false, usagef("unexpected argument %q: flags only (see mmlab help %s)", fs.Arg(0), cmd)
	}
	seeds, err := parseSeeds(a.seeds)
	if err != nil {
		return nil, nil, nil, false, err
	}
	spec, err := datasets.ParseSpec(a.data)
	if err != nil {
		return nil, nil, nil, false, usagef("--data: %v", err)
	}
	var methods []string
	for m := range strings.SplitSeq(a.methods, ",") {
		methods = append(methods, strings.ToLower(strings.TrimSpace(m)))
	}
	options, err := parseOptFlags(a.opts)
	if err != nil {
		return nil, nil, nil, false, err
	}
	if setFlag(fs, "epochs") {
		key := mmlab.GroupTrain + ".epochs"
		if _, dup := options[key]; dup {
			return nil, nil, nil, false, usagef("--epochs and --opt %s both given: use one", key)
		}
		options[key] = strconv.Itoa(a.epochs)
	}
	var grid []results.GridAxis
	for _, g := range a.grid {
		key, values, ok := strings.Cut(g, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.TrimSpace(values) == "" {
			return nil, nil, nil, false, usagef("--grid %q: want KEY=V1,V2,..., e.g. rho=0.5,0.7 or umt.lambda=1,10", g)
		}
		axis := results.GridAxis{Key: key}
		for v := range strings.SplitSeq(values, ",") {
			axis.Values = append(axis.Values, strings.TrimSpace(v))
		}
		grid = append(grid, axis)
	}
	if a.shards < 0 {
		return nil, nil, nil, false, usagef("--shards %d: want N ≥ 1", a.shards)
	}
	sweep := &mmlab.Sweep{Dataset: spec.String(), Methods: methods, Seeds: len(seeds), SeedList: seeds, Options: options, Grid: grid}
	tasks, err := sweep.Tasks()
	if err != nil {
		return nil, nil, nil, false, usageError{err}
	}
	if err := checkOutPath("--out", a.out); err != nil {
		return nil, nil, nil, false, err
	}
	if a.csv == "-" {
		return nil, nil, nil, false, usagef("--csv -: want a file name")
	}
	if err := checkOutPath("--csv", a.csv); err != nil {
		return nil, nil, nil, false, err
	}
	return a, sweep, tasks, false, nil
}

// printSweepUsage prints the help of sweep or collect.
func printSweepUsage(w io.Writer, fs *flag.FlagSet) {
	if fs.Name() == "sweep" {
		fmt.Fprint(w, sweepUsage)
	} else {
		fmt.Fprint(w, collectUsage)
	}
	fmt.Fprintln(w, "Flags (one or two dashes):")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parseShard parses --shard: "" (every task), "i/n", or "auto" (from the engine's environment,
// read through getenv; shards is --shards, 0 when not given).
func parseShard(value string, shards int, getenv func(string) string) (mmlab.Shard, error) {
	switch v := strings.TrimSpace(value); {
	case v == "":
		return mmlab.Shard{}, nil
	case v == "auto":
		return autoShard(shards, getenv)
	default:
		i, n, ok := strings.Cut(v, "/")
		index, err1 := strconv.Atoi(strings.TrimSpace(i))
		count, err2 := strconv.Atoi(strings.TrimSpace(n))
		sh := mmlab.Shard{Index: index, Count: count}
		if !ok || err1 != nil || err2 != nil || sh.Validate() != nil {
			return mmlab.Shard{}, usagef("--shard %s: want I/N with 0 ≤ I < N (e.g. 0/4), or auto", value)
		}
		if shards > 0 && shards != count {
			return mmlab.Shard{}, usagef("--shard %s and --shards %d disagree on the number of shards", value, shards)
		}
		return sh, nil
	}
}

// Environment variables --shard auto reads.
const (
	envSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	envSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	envSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	envSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	envK8sIndex       = "JOB_COMPLETION_INDEX"
)

// autoShard reads the shard from a Slurm array task's environment — index (ID − MIN) / STEP of
// COUNT, so that --array=1-8 or --array=0-14:2 number the shards 0 … COUNT−1 — or from a
// Kubernetes Indexed Job pod's (JOB_COMPLETION_INDEX of --shards N).
func autoShard(shards int, getenv func(string) string) (mmlab.Shard, error) {
	number := func(name string, required bool, def int) (int, error) {
		raw := strings.TrimSpace(getenv(name))
		if raw == "" && !required {
			return def, nil
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return 0, usagef("--shard auto: %s=%q: want an integer ≥ 0", name, raw)
		}
		return n, nil
	}
	if getenv(envSlurmTaskID) != "" {
		id, err := number(envSlurmTaskID, true, 0)
		if err != nil {
			return mmlab.Shard{}, err
		}
		count, err := number(envSlurmTaskCount, true, 0)
		if err != nil {
			return mmlab.Shard{}, err
		}
		lo, err := number(envSlurmTaskMin, false, 0)
		if err != nil {
			return mmlab.Shard{}, err
		}
		step, err := number(envSlurmTaskStep, false, 1)
		if err != nil {
			return mmlab.Shard{}, err
		}
		if step < 1 || id < lo || (id-lo)%step != 0 || (id-lo)/step >= count {
			return mmlab.Shard{}, usagef("--shard auto: Slurm array task %s=%d is not task (id − %s) / %s of %s=%d (%s=%d, %s=%d): "+
				"submit a regular array (--array=A-B or A-B:S), or give --shard I/N", envSlurmTaskID, id, envSlurmTaskMin, envSlurmTaskStep,
				envSlurmTaskCount, count, envSlurmTaskMin, lo, envSlurmTaskStep, step)
		}
		if shards > 0 && shards != count {
			return mmlab.Shard{}, usagef("--shard auto: the Slurm array has %s=%d tasks but --shards is %d", envSlurmTaskCount, count, shards)
		}
		return mmlab.Shard{Index: (id - lo) / step, Count: count}, nil
	}
	if getenv(envK8sIndex) != "" {
		index, err := number(envK8sIndex, true, 0)
		if err != nil {
			return mmlab.Shard{}, err
		}
		if shards < 1 {
			return mmlab.Shard{}, usagef("--shard auto: in a Kubernetes Indexed Job (%s=%d) the number of shards is not in the environment: give --shards N (the Job's completions)", envK8sIndex, index)
		}
		if index >= shards {
			return mmlab.Shard{}, usagef("--shard auto: %s=%d is not below --shards %d", envK8sIndex, index, shards)
		}
		return mmlab.Shard{Index: index, Count: shards}, nil
	}
	return mmlab.Shard{}, usagef("--shard auto: not in a Slurm array task (%s is not set) nor in a Kubernetes Indexed Job pod (%s is not set); give --shard I/N",
		envSlurmTaskID, envK8sIndex)
}

// sweepCommand runs "sweep": run a shard (or all), or write/submit the cluster jobs.
func sweepCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, sweep, tasks, help, err := parseSweepArgs("sweep", args, stdout)
	if err != nil || help {
		return err
	}
	if a.slurmDir != "" && a.k8s != "" {
		return usagef("--slurm and --k8s both given: use one")
	}
	if a.submit && a.slurmDir == "" {
		return usagef("--submit needs --slurm DIR")
	}
	if a.parallel < 0 {
		return usagef("--parallel %d: want P ≥ 0", a.parallel)
	}
	if a.slurmDir != "" || a.k8s != "" {
		if a.shard != "" {
			return usagef("--shard with --slurm or --k8s: the jobs choose their shards (--shard auto)")
		}
		n := a.shards
		if n == 0 {
			n = len(tasks)
		}
		if a.slurmDir != "" {
			return slurmJobs(ctx, a, sweep, n, stdout)
		}
		return k8sManifest(a, sweep, n, stdout)
	}
	shard, err := parseShard(a.shard, a.shards, os.Getenv)
	if err != nil {
		return err
	}
	store, err := openCLIStore(stderr)
	if err != nil {
		return err
	}
	sweep.Store = store
	sweep.Quiet, sweep.Output = true, stderr
	datasets.DefaultCache.NoBar = true
	if !a.quiet {
		fmt.Fprintf(stderr, "mmlab sweep: shard %s of %d tasks, results store %s …\n", shard, len(tasks), store.Home())
	}
	res, err := mmlab.RunSweep(ctx, *sweep, shard)
	var saveErr *mmlab.SaveError
	if errors.As(err, &saveErr) {
		err = nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; the runs finished so far are in the results store (%v)", err)
		}
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "mmlab: warning:", w)
	}
	for _, c := range res.Cells {
		fmt.Fprintf(stdout, "cell %d %s, %s: %d runs trained, %d loaded (%d retrained) in %.1f s\n",
			c.Cell.Index, c.Cell.Label(sweep.Grid), seedsText(c.Seeds), c.Study.Trained, c.Study.Loaded, c.Study.Retrained, c.Study.Seconds)
	}
	fmt.Fprintf(stdout, "shard %s: %d of %d tasks, %d runs trained, %d loaded in %.1f s; merge with: mmlab collect (the same flags)\n",
		shard, res.Tasks, res.Total, res.Trained, res.Loaded, res.Seconds)
	if saveErr != nil {
		return saveErr
	}
	return nil
}

// canonicalSweepArgs returns the flags that name sweep (and so its tasks) exactly, for the jobs
// that run it elsewhere: the resolved spec, the methods, the seeds, the options (sorted) and
// the grid.
func canonicalSweepArgs(sweep *mmlab.Sweep) []string {
	args := []string{"--data", sweep.Dataset, "--methods", strings.Join(sweep.Methods, ","), "--seeds", seedsArg(sweep.SeedList)}
	keys := make([]string, 0, len(sweep.Options))
	for k := range sweep.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		args = append(args, "--opt", k+"="+sweep.Options[k])
	}
	for _, g := range sweep.Grid {
		args = append(args, "--grid", g.Key+"="+strings.Join(g.Values, ","))
	}
	return args
}

// jobEnv lists the environment the binary needs in a job, as name=value: MMLAB_HOME (absolute,
// the shared store) and, when set here, the backend and FSDD variables.
func jobEnv() ([]string, error) {
	home, err := results.DefaultHome()
	if err != nil {
		return nil, err
	}
	if home, err = filepath.Abs(home); err != nil {
		return nil, err
	}
	env := []string{results.HomeEnv + "=" + home}
	for _, name := range []string{"GOMLX_BACKEND", "MMLAB_FSDD"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env, nil
}

// shellLine returns args as one shell command line, each word quoted as needed.
func shellLine(args []string) string {
	words := make([]string, len(args))
	for i, w := range args {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// slurmScripts returns the contents of sweep.sbatch and collect.sbatch for a sweep of n shards
// run by exe, with its files under dir (absolute).
func slurmScripts(a *sweepArgs, sweep *mmlab.Sweep, n int, exe, dir string, env []string) (array, collect string) {
	header := func(name, output string, extra ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "#!/bin/bash\n# Written by mmlab sweep --slurm (%d tasks of the sweep in %d shards).\n", sweepTaskCount(sweep), n)
		fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", name)
		for _, e := range extra {
			fmt.Fprintf(&b, "#SBATCH %s\n", e)
		}
		fmt.Fprintf(&b, "#SBATCH --output=%s\n", output)
		for _, s := range a.sbatch {
			fmt.Fprintf(&b, "#SBATCH %s\n", s)
		}
		b.WriteString("set -euo pipefail\n")
		for _, e := range env {
			name, value, _ := strings.Cut(e, "=")
			fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
		}
		return b.String()
	}
	arraySpec := fmt.Sprintf("--array=0-%d", n-1)
	if a.parallel > 0 {
		arraySpec += fmt.Sprintf("%%%d", a.parallel)
	}
	sweepArgs := canonicalSweepArgs(sweep)
	array = header(a.name, filepath.Join(dir, "logs", "sweep-%A_%a.out"), arraySpec) +
		"# One shard per array task; a task whose runs are stored already loads them in seconds,\n" +
		"# so resubmitting this script after a failure reruns only what is missing.\n" +
		"exec " + shellLine(append(append([]string{exe, "sweep", "--shard", "auto"}, sweepArgs...), "--quiet")) + "\n"
	collect = header(a.name+"-collect", filepath.Join(dir, "logs", "collect-%j.out"), "--kill-on-invalid-dep=yes") +
		"# Submitted with --dependency=afterok:<the array job>: runs once every shard succeeded, and is\n" +
		"# cancelled if one failed (--kill-on-invalid-dep); then resubmit both (submit.sh).\n" +
		"exec " + shellLine(append(append([]string{exe, "collect"}, sweepArgs...),
		"--shards", strconv.Itoa(n), "--out", filepath.Join(dir, "results.json"), "--csv", filepath.Join(dir, "results.csv"))) + "\n"
	return array, collect
}

// sweepTaskCount returns the number of tasks of a sweep that parsed.
func sweepTaskCount(sweep *mmlab.Sweep) int {
	tasks, _ := sweep.Tasks()
	return len(tasks)
}

// submitScript is submit.sh: what --submit does, for submitting by hand.
const submitScript = `#!/bin/bash
# Written by mmlab sweep --slurm: submits the array job, then the collect job after it.
set -euo pipefail
cd "$(dirname "$0")"
array=$(sbatch --parsable sweep.sbatch); array=${array%%;*}
collect=$(sbatch --parsable --dependency=afterok:$array collect.sbatch); collect=${collect%%;*}
echo "sweep job $array"
echo "collect job $collect"
`

// slurmJobs writes the Slurm jobs of a sweep of n shards into a.slurmDir and, with --submit,
// submits them.
func slurmJobs(ctx context.Context, a *sweepArgs, sweep *mmlab.Sweep, n int, stdout io.Writer) error {
	dir, err := filepath.Abs(a.slurmDir)
	if err != nil {
		return usagef("--slurm %s: %v", a.slurmDir, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("--slurm: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--slurm: the path of this binary, which the jobs run: %w", err)
	}
	env, err := jobEnv()
	if err != nil {
		return fmt.Errorf("--slurm: %w", err)
	}
	array, collect := slurmScripts(a, sweep, n, exe, dir, env)
	for name, text := range map[string]string{"sweep.sbatch": array, "collect.sbatch": collect, "submit.sh": submitScript} {
		path := filepath.Join(dir, name)
		if err := results.WriteFileAtomic(path, []byte(text)); err != nil {
			return fmt.Errorf("--slurm: %w", err)
		}
		if err := os.Chmod(path, 0o755); err != nil {
			return fmt.Errorf("--slurm: %w", err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s (an array of %d shards for %d tasks), %s and %s\n", filepath.Join(dir, "sweep.sbatch"),
		n, sweepTaskCount(sweep), filepath.Join(dir, "collect.sbatch"), filepath.Join(dir, "submit.sh"))
	if !a.submit {
		fmt.Fprintf(stdout, "submit with: %s\n", filepath.Join(dir, "submit.sh"))
		return nil
	}
	sbatch := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "sbatch", args...)
		cmd.Dir = dir
		var errOut strings.Builder
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("sbatch %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
		}
		id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
		if _, err := strconv.Atoi(id); err != nil {
			return "", fmt.Errorf("sbatch %s: unexpected output %q (want a job id)", strings.Join(args, " "), out)
		}
		return id, nil
	}
	arrayID, err := sbatch("--parsable", filepath.Join(dir, "sweep.sbatch"))
	if err != nil {
		return err
	}
	collectID, err := sbatch("--parsable", "--dependency=afterok:"+arrayID, filepath.Join(dir, "collect.sbatch"))
	if err != nil {
		return fmt.Errorf("the array job %s was submitted, the collect job was not: %w", arrayID, err)
	}
	fmt.Fprintf(stdout, "sweep job %s\ncollect job %s\nresults: %s (and results.csv) once the collect job is done\n",
		arrayID, collectID, filepath.Join(dir, "results.json"))
	return nil
}

// k8sHomeMount is where the Kubernetes manifest mounts the shared volume ($MMLAB_HOME).
const k8sHomeMount = "/mmlab-home"

// k8sJob is the subset of Kubernetes' batch/v1 Job that the manifest uses (field names as in
// the API reference).
type k8sJob struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   k8sMetadata `json:"metadata"`
	Spec       k8sJobSpec  `json:"spec"`
}

type k8sMetadata struct {
	Name   string            `json:"name,omitempty"` // required of the Job, not of its pod template
	Labels map[string]string `json:"labels,omitempty"`
}

type k8sJobSpec struct {
	Completions    int            `json:"completions"`
	Parallelism    int            `json:"parallelism"`
	CompletionMode string         `json:"completionMode"`
	BackoffLimit   int            `json:"backoffLimit"`
	Template       k8sPodTemplate `json:"template"`
}

type k8sPodTemplate struct {
	Metadata k8sMetadata `json:"metadata"`
	Spec     k8sPodSpec  `json:"spec"`
}

type k8sPodSpec struct {
	RestartPolicy string         `json:"restartPolicy"`
	Containers    []k8sContainer `json:"containers"`
	Volumes       []k8sVolume    `json:"volumes"`
}

type k8sContainer struct {
	Name         string           `json:"name"`
	Image        string           `json:"image"`
	Command      []string         `json:"command"`
	Env          []k8sEnvVar      `json:"env"`
	VolumeMounts []k8sVolumeMount `json:"volumeMounts"`
}

type k8sEnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type k8sVolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
}

type k8sVolume struct {
	Name                  string       `json:"name"`
	PersistentVolumeClaim *k8sClaimRef `json:"persistentVolumeClaim"`
}

type k8sClaimRef struct {
	ClaimName string `json:"claimName"`
}

// newK8sJob returns the Indexed Job of a sweep of n shards: n completions, each pod running
// shard JOB_COMPLETION_INDEX of n with the claim mounted as $MMLAB_HOME.
func newK8sJob(a *sweepArgs, sweep *mmlab.Sweep, n int) *k8sJob {
	parallel := n
	if a.parallel > 0 {
		parallel = min(a.parallel, n)
	}
	env := []k8sEnvVar{{Name: results.HomeEnv, Value: k8sHomeMount}}
	if v, ok := os.LookupEnv("GOMLX_BACKEND"); ok {
		env = append(env, k8sEnvVar{Name: "GOMLX_BACKEND", Value: v})
	}
	command := append(append([]string{"mmlab", "sweep", "--shard", "auto", "--shards", strconv.Itoa(n)}, canonicalSweepArgs(sweep)...), "--quiet")
	labels := map[string]string{"app.kubernetes.io/name": "mmlab", "app.kubernetes.io/component": "sweep"}
	return &k8sJob{APIVersion: "batch/v1", Kind: "Job", Metadata: k8sMetadata{Name: a.name, Labels: labels},
		Spec: k8sJobSpec{Completions: n, Parallelism: parallel, CompletionMode: "Indexed", BackoffLimit: n,
			Template: k8sPodTemplate{Metadata: k8sMetadata{Labels: labels}, Spec: k8sPodSpec{RestartPolicy: "Never",
				Containers: []k8sContainer{{Name: "mmlab", Image: a.image, Command: command, Env: env,
					VolumeMounts: []k8sVolumeMount{{Name: "mmlab-home", MountPath: k8sHomeMount}}}},
				Volumes: []k8sVolume{{Name: "mmlab-home", PersistentVolumeClaim: &k8sClaimRef{ClaimName: a.pvc}}}}}}}
}

// validK8sName reports whether s is a DNS-1123 label of at most 63 characters, which a Job's
// name must be for its pods' hostnames and labels.
func validK8sName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) < 0
}

// k8sManifest writes the Indexed Job manifest of a sweep of n shards to a.k8s.
func k8sManifest(a *sweepArgs, sweep *mmlab.Sweep, n int, stdout io.Writer) error {
	switch {
	case a.image == "":
		return usagef("--k8s needs --image IMAGE (a container image with mmlab on its PATH)")
	case a.pvc == "":
		return usagef("--k8s needs --pvc NAME (a ReadWriteMany PersistentVolumeClaim for $MMLAB_HOME)")
	case !validK8sName(a.name):
		return usagef("--name %q: a Kubernetes Job name is lower-case letters, digits and '-', at most 63, starting and ending alphanumeric", a.name)
	}
	if err := checkOutPath("--k8s", a.k8s); err != nil {
		return err
	}
	data, err := json.MarshalIndent(newK8sJob(a, sweep, n), "", "  ")
	if err != nil {
		return err
	}
	if err := results.WriteFileAtomic(a.k8s, append(data, '\n')); err != nil {
		return fmt.Errorf("--k8s: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: an Indexed Job of %d completions (%d tasks), %d at a time, $MMLAB_HOME on claim %s\n"+
		"run it with: kubectl apply -f %s; then, once complete: mmlab collect %s --shards %d --out results.json\n",
		a.k8s, n, sweepTaskCount(sweep), newK8sJob(a, sweep, n).Spec.Parallelism, a.pvc, a.k8s, shellLine(canonicalSweepArgs(sweep)), n)
	return nil
}

// collectCommand runs "collect": merge a sweep's results from the store.
func collectCommand(args []string, stdout, stderr io.Writer) error {
	a, sweep, _, help, err := parseSweepArgs("collect", args, stdout)
	if err != nil || help {
		return err
	}
	store, err := openCLIStore(stderr)
	if err != nil {
		return err
	}
	sweep.Store = store
	col, err := mmlab.CollectSweep(*sweep, a.shards)
	if err != nil {
		return err
	}
	if err := writeOutJSON(a.out, col, stdout); err != nil {
		return err
	}
	if a.csv != "" {
		header, rows := collectionCSV(col)
		if err := writeCSV(a.csv, nil, header, rows); err != nil {
			return err
		}
	}
	runs := 0
	for _, c := range col.Cells {
		runs += len(c.Runs)
	}
	msgOut := stdout
	if a.out == "-" {
		msgOut = stderr
	}
	if col.Complete() {
		if !a.quiet {
			fmt.Fprintf(msgOut, "collected %d runs of %d cells (%d tasks, all complete)\n", runs, len(col.Cells), col.Tasks)
		}
		return nil
	}
	byShard := map[string][]string{}
	var shards []string
	for _, m := range col.Missing {
		if _, ok := byShard[m.Shard]; !ok {
			shards = append(shards, m.Shard)
		}
		byShard[m.Shard] = append(byShard[m.Shard], fmt.Sprintf("%d (%s seed %d: %d runs)", m.Task, m.Cell, m.Seed, len(m.Runs)))
	}
	var parts []string
	for _, sh := range shards {
		parts = append(parts, "shard "+sh+": tasks "+strings.Join(byShard[sh], ", "))
	}
	return fmt.Errorf("%d of %d tasks have runs missing from the store (%d runs collected): %s; run those shards (mmlab sweep --shard I/N, the same flags) and collect again",
		len(col.Missing), col.Tasks, runs, strings.Join(parts, "; "))
}

// collectionCSV returns one row per run of a collection: the cell, its axis values, the run's
// identity and its accuracies (exact: the shortest decimal that reads back as the same float).
func collectionCSV(col *results.SweepCollection) (header []string, rows [][]string) {
	modalities := 0
	for _, c := range col.Cells {
		for _, r := range c.Runs {
			modalities = max(modalities, len(r.ProbeAcc))
		}
	}
	header = []string{"cell"}
	for _, g := range col.Grid {
		header = append(header, g.Key)
	}
	header = append(header, "dataset", "seed", "method", "modality", "key", "val_acc", "test_acc")
	for _, s := range reportSubsets {
		header = append(header, "subset_"+s)
	}
	for m := range modalities {
		header = append(header, fmt.Sprintf("probe_acc_m%d", m))
	}
	header = append(header, "train_seconds")
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, c := range col.Cells {
		for _, r := range c.Runs {
			row := append([]string{strconv.Itoa(c.Index)}, c.Values...)
			modality := ""
			if r.Modality != nil {
				modality = strconv.Itoa(*r.Modality)
			}
			row = append(row, c.Dataset, strconv.Itoa(r.Seed), r.Method, modality, r.Key, num(r.ValAcc), num(r.TestAcc))
			for _, s := range reportSubsets {
				v, ok := r.SubsetAcc[s]
				if ok {
					row = append(row, num(v))
				} else {
					row = append(row, "")
				}
			}
			for m := range modalities {
				if m < len(r.ProbeAcc) && r.ProbeAcc[m] != nil {
					row = append(row, num(*r.ProbeAcc[m]))
				} else {
					row = append(row, "")
				}
			}
			rows = append(rows, append(row, num(r.TrainSeconds)))
		}
	}
	return header, rows
}
