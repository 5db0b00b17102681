package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// tinySweep is a sweep of 2 cells × 2 seeds = 4 tasks of tiny studies (uni, joint, ume: 4 runs
// per task).
var tinySweep = []string{"--data", tinyData, "--methods", "uni,joint,ume", "--seeds", "2", "--epochs", "3", "--grid", "rho=0.6,0.9"}

// resolved returns spec with every key (datasets.ParseSpec).
func resolved(t *testing.T, spec string) string {
	t.Helper()
	s, err := datasets.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s.String()
}

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name, value string
		shards      int
		env         func(string) string
		want        mmlab.Shard
		err         []string
	}{
		{"none", "", 0, env(), mmlab.Shard{}, nil},
		{"i/n", "2/5", 0, env(), mmlab.Shard{Index: 2, Count: 5}, nil},
		{"i/n with --shards", "2/5", 5, env(), mmlab.Shard{Index: 2, Count: 5}, nil},
		{"index too large", "5/5", 0, env(), mmlab.Shard{}, []string{"--shard 5/5", "0 ≤ I < N"}},
		{"not a shard", "x", 0, env(), mmlab.Shard{}, []string{"--shard x", "I/N"}},
		{"--shards disagrees", "1/4", 3, env(), mmlab.Shard{}, []string{"--shards 3", "disagree"}},
		{"slurm 0-3", "auto", 0, env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4",
			"SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_STEP", "1"), mmlab.Shard{Index: 3, Count: 4}, nil},
		// --array=1-7:2 numbers the tasks 1, 3, 5, 7: task 5 is shard 2 of 4.
		{"slurm 1-7:2", "auto", 0, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "4",
			"SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_STEP", "2"), mmlab.Shard{Index: 2, Count: 4}, nil},
		{"slurm off the step", "auto", 0, env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4",
			"SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_STEP", "2"), mmlab.Shard{}, []string{"SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_STEP=2"}},
		{"slurm without a count", "auto", 0, env("SLURM_ARRAY_TASK_ID", "1"), mmlab.Shard{}, []string{"SLURM_ARRAY_TASK_COUNT"}},
		{"slurm count disagrees", "auto", 3, env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "4"), mmlab.Shard{}, []string{"--shards is 3"}},
		{"kubernetes", "auto", 6, env("JOB_COMPLETION_INDEX", "5"), mmlab.Shard{Index: 5, Count: 6}, nil},
		{"kubernetes without --shards", "auto", 0, env("JOB_COMPLETION_INDEX", "5"), mmlab.Shard{}, []string{"JOB_COMPLETION_INDEX=5", "--shards N"}},
		{"kubernetes index too large", "auto", 5, env("JOB_COMPLETION_INDEX", "5"), mmlab.Shard{}, []string{"JOB_COMPLETION_INDEX=5", "--shards 5"}},
		{"outside both", "auto", 4, env(), mmlab.Shard{}, []string{"not in a Slurm array task", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "--shard I/N"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseShard(tc.value, tc.shards, tc.env)
			if tc.err == nil {
				if err != nil || got != tc.want {
					t.Errorf("got %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %v, want an error", got)
			}
			for _, w := range tc.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSweepBadInput(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"grid without values", []string{"sweep", "--grid", "rho"}, []string{"--grid", "KEY=V1,V2"}},
		{"bad dataset value", []string{"sweep", "--grid", "rho=0.5,2"}, []string{"rho=2", "≤ 1"}},
		{"unknown dataset key", []string{"sweep", "--grid", "bogus=1,2"}, []string{"bogus"}},
		{"unknown option", []string{"sweep", "--grid", "umt.bogus=1,2"}, []string{"bogus"}},
		{"axis twice", []string{"sweep", "--grid", "rho=0.5", "--grid", "rho=0.6"}, []string{"rho", "twice"}},
		{"value twice", []string{"sweep", "--grid", "rho=0.5,0.5"}, []string{"0.5", "twice"}},
		{"grid and opt", []string{"sweep", "--grid", "umt.lambda=1,2", "--opt", "umt.lambda=3"}, []string{"umt.lambda", "Options"}},
		{"shard outside an engine", []string{"sweep", "--shard", "auto"}, []string{"--shard auto", "SLURM_ARRAY_TASK_ID"}},
		{"submit without slurm", []string{"sweep", "--submit"}, []string{"--submit", "--slurm"}},
		{"k8s without an image", []string{"sweep", "--k8s", filepath.Join(t.TempDir(), "job.json"), "--pvc", "home"}, []string{"--image"}},
		{"k8s bad name", []string{"sweep", "--k8s", filepath.Join(t.TempDir(), "job.json"), "--pvc", "h", "--image", "i", "--name", "Bad_Name"}, []string{"--name", "Bad_Name"}},
		{"collect into a missing directory", []string{"collect", "--out", filepath.Join(t.TempDir(), "no", "c.json")}, []string{"--out", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envSlurmTaskID, "")
			t.Setenv(envK8sIndex, "")
			code, _, stderr := cli(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
		})
	}
}

// TestSlurmScriptsContent: the array job runs every shard with --shard auto and the sweep's
// canonical flags, throttled (%P), with its output under the jobs directory and the store's
// absolute path exported; the collect job collects with the number of shards.
func TestSlurmScriptsContent(t *testing.T) {
	home := isolate(t)
	dir := t.TempDir()
	code, stdout, stderr := cli(t, append([]string{"sweep", "--slurm", dir, "--parallel", "3", "--sbatch", "--time=1:00:00",
		"--opt", "umt.lambda=10", "--methods", "uni,umt", "--data", tinyData}, tinySweep[4:]...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "an array of 4 shards for 4 tasks") {
		t.Errorf("stdout: %q", stdout)
	}
	array, _ := os.ReadFile(filepath.Join(dir, "sweep.sbatch"))
	collect, _ := os.ReadFile(filepath.Join(dir, "collect.sbatch"))
	exe, _ := os.Executable()
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-3%3\n", "#SBATCH --time=1:00:00\n",
		"#SBATCH --output=" + filepath.Join(dir, "logs", "sweep-%A_%a.out") + "\n", "export MMLAB_HOME=" + home + "\n",
		"exec " + exe + " sweep --shard auto --data " + resolved(t, tinyData), " --methods uni,umt --seeds 2 --opt train.epochs=3 --opt umt.lambda=10 --grid rho=0.6,0.9 --quiet\n"} {
		if !strings.Contains(string(array), want) {
			t.Errorf("sweep.sbatch lacks %q:\n%s", want, array)
		}
	}
	for _, want := range []string{"#SBATCH --job-name=mmlab-sweep-collect\n", "#SBATCH --kill-on-invalid-dep=yes\n", " collect --data ",
		"--shards 4 --out " + filepath.Join(dir, "results.json") + " --csv " + filepath.Join(dir, "results.csv") + "\n"} {
		if !strings.Contains(string(collect), want) {
			t.Errorf("collect.sbatch lacks %q:\n%s", want, collect)
		}
	}
	if strings.Contains(string(collect), "--array") {
		t.Errorf("collect.sbatch is an array:\n%s", collect)
	}
	submit, _ := os.ReadFile(filepath.Join(dir, "submit.sh"))
	if !strings.Contains(string(submit), "--dependency=afterok:$array collect.sbatch") {
		t.Errorf("submit.sh:\n%s", submit)
	}
}

// TestK8sManifestSchema checks the manifest against the fields of Kubernetes' batch/v1 Job that
// an Indexed Job of a sweep needs (API reference, Job v1 and PodSpec v1): the decoding refuses
// any field the schema subset below does not know, and the values obey the API's rules.
func TestK8sManifestSchema(t *testing.T) {
	isolate(t)
	path := filepath.Join(t.TempDir(), "job.json")
	code, _, stderr := cli(t, append([]string{"sweep", "--k8s", path, "--image", "registry.example/mmlab:1", "--pvc", "mmlab-home",
		"--parallel", "3", "--name", "phase-sweep"}, tinySweep...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The schema subset, with the API's field names; DisallowUnknownFields catches a misspelt one.
	var job struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Completions    *int32 `json:"completions"`
			Parallelism    *int32 `json:"parallelism"`
			CompletionMode string `json:"completionMode"`
			BackoffLimit   *int32 `json:"backoffLimit"`
			Template       struct {
				Metadata struct {
					Labels map[string]string `json:"labels"`
				} `json:"metadata"`
				Spec struct {
					RestartPolicy string `json:"restartPolicy"`
					Containers    []struct {
						Name    string   `json:"name"`
						Image   string   `json:"image"`
						Command []string `json:"command"`
						Env     []struct {
							Name  string `json:"name"`
							Value string `json:"value"`
						} `json:"env"`
						VolumeMounts []struct {
							Name      string `json:"name"`
							MountPath string `json:"mountPath"`
						} `json:"volumeMounts"`
					} `json:"containers"`
					Volumes []struct {
						Name                  string `json:"name"`
						PersistentVolumeClaim *struct {
							ClaimName string `json:"claimName"`
						} `json:"persistentVolumeClaim"`
					} `json:"volumes"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("the manifest does not decode into the Job schema subset: %v\n%s", err, data)
	}
	spec, pod := job.Spec, job.Spec.Template.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job":
		t.Errorf("apiVersion %q kind %q, want batch/v1 Job", job.APIVersion, job.Kind)
	case !validK8sName(job.Metadata.Name) || job.Metadata.Name != "phase-sweep":
		t.Errorf("metadata.name %q", job.Metadata.Name)
	// Indexed: completions must be set (1 … 100000), parallelism ≤ completions is what runs.
	case spec.CompletionMode != "Indexed" || spec.Completions == nil || *spec.Completions != 4:
		t.Errorf("completionMode %q, completions %v; want Indexed, 4 (one per task)", spec.CompletionMode, spec.Completions)
	case spec.Parallelism == nil || *spec.Parallelism != 3:
		t.Errorf("parallelism %v, want 3", spec.Parallelism)
	case spec.BackoffLimit == nil || *spec.BackoffLimit < 0:
		t.Errorf("backoffLimit %v", spec.BackoffLimit)
	// A Job's pods may only have restartPolicy Never or OnFailure.
	case pod.RestartPolicy != "Never" && pod.RestartPolicy != "OnFailure":
		t.Errorf("restartPolicy %q", pod.RestartPolicy)
	case len(pod.Containers) != 1 || pod.Containers[0].Image != "registry.example/mmlab:1" || !validK8sName(pod.Containers[0].Name):
		t.Fatalf("containers: %+v", pod.Containers)
	}
	c := pod.Containers[0]
	if want := []string{"mmlab", "sweep", "--shard", "auto", "--shards", "4", "--data"}; len(c.Command) < len(want) ||
		!reflect.DeepEqual(c.Command[:len(want)], want) || !strings.Contains(strings.Join(c.Command, " "), "--grid rho=0.6,0.9") {
		t.Errorf("command %q", c.Command)
	}
	// $MMLAB_HOME is the mount of a volume backed by the claim.
	home := ""
	for _, e := range c.Env {
		if e.Name == results.HomeEnv {
			home = e.Value
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if m.Name == v.Name && m.MountPath == home && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "mmlab-home" {
				mounted = true
			}
		}
	}
	if home == "" || !mounted {
		t.Errorf("MMLAB_HOME %q is not the mount of the claim mmlab-home: mounts %+v, volumes %+v", home, c.VolumeMounts, pod.Volumes)
	}
	// The shard each pod runs: JOB_COMPLETION_INDEX of the command's --shards.
	for index := range 4 {
		sh, err := parseShard("auto", 4, func(k string) string {
			if k == envK8sIndex {
				return strconv.Itoa(index)
			}
			return ""
		})
		if err != nil || sh != (mmlab.Shard{Index: index, Count: 4}) {
			t.Errorf("pod %d: shard %v, %v", index, sh, err)
		}
	}
}

// TestCollectReportsMissingByShard: after shard 0/2 alone, collect lists the tasks of shard 1/2
// as missing (exit 1) and still writes what is there; after shard 1/2 it is complete, and
// collecting twice writes the same bytes.
func TestCollectReportsMissingByShard(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	if code, _, stderr := cli(t, append([]string{"sweep", "--quiet", "--shard", "0/2"}, tinySweep...)...); code != exitOK {
		t.Fatalf("sweep: %s", stderr)
	}
	out := filepath.Join(dir, "c.json")
	code, _, stderr := cli(t, append([]string{"collect", "--shards", "2", "--out", out}, tinySweep...)...)
	if code != exitFailure || !strings.Contains(stderr, "2 of 4 tasks have runs missing") ||
		!strings.Contains(stderr, "shard 1/2: tasks 1 (rho=0.6 seed 1: 4 runs), 3 (rho=0.9 seed 1: 4 runs)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	partial := readCollection(t, out)
	if len(partial.Missing) != 2 || len(partial.Cells) != 2 || len(partial.Cells[0].Runs) != 4 {
		t.Errorf("partial collection: %d missing, %d cells", len(partial.Missing), len(partial.Cells))
	}
	if code, _, stderr := cli(t, append([]string{"sweep", "--quiet", "--shard", "1/2"}, tinySweep...)...); code != exitOK {
		t.Fatalf("sweep: %s", stderr)
	}
	var files [2][]byte
	for i := range files {
		if code, _, stderr := cli(t, append([]string{"collect", "--out", out, "--csv", out + ".csv"}, tinySweep...)...); code != exitOK {
			t.Fatalf("collect: %s", stderr)
		}
		files[i], _ = os.ReadFile(out)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two collections of the same store differ")
	}
	csv, _ := os.ReadFile(out + ".csv")
	if lines := strings.Count(string(csv), "\n"); lines != 1+16 {
		t.Errorf("the CSV has %d lines, want a header and 16 runs", lines)
	}
}

// readCollection decodes a collect --out file.
func readCollection(t *testing.T, path string) *results.SweepCollection {
	t.Helper()
	c, err := results.ReadSweepCollection(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// compareCollections checks that got equals want (tasks, grid, cells; not the number of shards
// missing tasks would be reported by) in every field of every run but the training time (a measurement of the run, not a result): accuracies, curves, keys, configs bit for bit.
func compareCollections(t *testing.T, got, want *results.SweepCollection, runs int) {
	t.Helper()
	n := 0
	for _, c := range [](*results.SweepCollection){got, want} {
		for i := range c.Cells {
			for j := range c.Cells[i].Runs {
				c.Cells[i].Runs[j].TrainSeconds = 0
			}
		}
	}
	for _, c := range got.Cells {
		n += len(c.Runs)
	}
	if n != runs {
		t.Errorf("%d runs collected, want %d", n, runs)
	}
	if !reflect.DeepEqual(got.Cells, want.Cells) || !reflect.DeepEqual(got.Grid, want.Grid) || got.Tasks != want.Tasks {
		a, _ := json.Marshal(got.Cells)
		b, _ := json.Marshal(want.Cells)
		t.Errorf("the merged results differ from the one-process run:\n got %.2000s\nwant %.2000s", a, b)
	}
}
