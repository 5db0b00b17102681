package mmlab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestJointWideFollowsUMT: joint_wide's options take the study's umt.free_dims and
// umt.free_mode unless set, keep umt's defaults without umt, and bad values are rejected.
func TestJointWideFollowsUMT(t *testing.T) {
	for _, tc := range []struct {
		name    string
		methods []string
		options map[string]string
		want    JointWideOptions
	}{
		{"follows umt", []string{results.JointMethod, results.UMTMethod, results.JointWideMethod},
			map[string]string{"umt.free_dims": "32", "umt.free_mode": "branch"}, JointWideOptions{32, FreeBranch}},
		{"an explicit key wins", []string{results.UMTMethod, results.JointWideMethod},
			map[string]string{"umt.free_dims": "32", "umt.free_mode": "branch", "joint_wide.free_dims": "16"}, JointWideOptions{16, FreeBranch}},
		{"no umt in the study", []string{results.JointWideMethod}, nil, JointWideOptions{0, FreeShared}},
		{"set without umt", []string{results.JointWideMethod}, map[string]string{"joint_wide.free_dims": "8"}, JointWideOptions{8, FreeShared}},
	} {
		c, err := ParseConfig(tc.methods, tc.options)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := *c.Methods[results.JointWideMethod].(*JointWideOptions); got != tc.want {
			t.Errorf("%s: joint_wide options %+v, want %+v", tc.name, got, tc.want)
		}
		if got := c.Values(results.JointWideMethod)["joint_wide.free_dims"]; got != tc.want.FreeDims {
			t.Errorf("%s: the run's config has joint_wide.free_dims=%v, want %d", tc.name, got, tc.want.FreeDims)
		}
	}
	for _, bad := range []map[string]string{{"joint_wide.free_mode": "twin"}, {"joint_wide.free_dims": "-1"}} {
		if _, err := ParseConfig([]string{results.JointWideMethod}, bad); err == nil || !strings.Contains(err.Error(), "joint_wide") {
			t.Errorf("%v: got %v, want an error naming joint_wide", bad, err)
		}
	}
}

// TestJointWide: joint_wide's network has exactly the UMT student's variables and shapes (and,
// from the same seed, its initial values) for the reference, shared and branch free dims; it
// trains with cross-entropy only — bit-identical to a UMT student with λ = 0, and different
// from one with λ = 10, so the comparison can fail — and restores from its weights. Without
// free dimensions its network is joint's.
func TestJointWide(t *testing.T) {
	ds := testData(t, smallSpec)
	ctx := context.Background()
	teachers := trainTeachers(t, ds, 1)
	jw, _ := LookupMethod(results.JointWideMethod)
	umt, _ := LookupMethod(results.UMTMethod)
	weights := func(t *testing.T, p Predictor) []savedWeight {
		t.Helper()
		data, err := p.(WeightSaver).MarshalWeights()
		if err != nil {
			t.Fatal(err)
		}
		ws, err := decodeWeights(data)
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	sameShapes := func(a, b []savedWeight) bool {
		return slices.EqualFunc(a, b, func(x, y savedWeight) bool { return x.Path == y.Path && slices.Equal(x.Dims, y.Dims) })
	}
	sameValues := func(a, b []savedWeight) bool {
		return slices.EqualFunc(a, b, func(x, y savedWeight) bool { return slices.Equal(x.Values, y.Values) })
	}
	for _, tc := range freeDimCases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, ds, 2)
			env.Deps[results.UniMethod] = teachers
			o := JointWideOptions{FreeDims: tc.freeDims, FreeMode: tc.freeMode}
			job, err := jw.(JobTrainer).TrainJob(env, &o)
			if err != nil {
				t.Fatal(err)
			}
			if job.Loss != nil || job.Extra != nil || job.Transform != nil || job.Init != nil || job.OnEpoch != nil {
				t.Fatal("joint_wide's job must be plain cross-entropy training from scratch")
			}
			pred, _, err := jw.Train(ctx, env, &o)
			if err != nil {
				t.Fatal(err)
			}
			student := func(lambda float64) []savedWeight {
				u := DefaultUMTOptions()
				u.FreeDims, u.FreeMode, u.Lambda = tc.freeDims, tc.freeMode, lambda
				p, _, err := umt.Train(ctx, env, &u)
				if err != nil {
					t.Fatal(err)
				}
				return weights(t, p)
			}
			got, plain, distilled := weights(t, pred), student(0), student(10)
			if !sameShapes(got, plain) || !sameShapes(got, distilled) {
				t.Fatalf("joint_wide's variables differ from the UMT student's:\n%v\n%v", describeWeights(got), describeWeights(plain))
			}
			if !sameValues(got, plain) {
				t.Error("joint_wide trained differently from a UMT student with λ = 0: its loss is not cross-entropy alone")
			}
			if sameValues(got, distilled) {
				t.Error("joint_wide trained exactly like a UMT student with λ = 10")
			}
			if _, dim, _, _ := pred.Features(1, ds.Test); dim != 64+tc.freeDims {
				t.Errorf("features of dimension %d, want %d", dim, 64+tc.freeDims)
			}
			if tc.freeDims == 0 {
				joint, _ := LookupMethod(results.JointMethod)
				jp, _, err := joint.Train(ctx, env, nil)
				if err != nil {
					t.Fatal(err)
				}
				if jws := weights(t, jp); !sameShapes(got, jws) || !sameValues(got, jws) {
					t.Error("without free dimensions joint_wide must be joint")
				}
			}
			checkRestores(t, jw, env, &o, pred)
		})
	}
}

// describeWeights lists the paths and shapes of ws, for messages.
func describeWeights(ws []savedWeight) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "%s%v ", w.Path, w.Dims)
	}
	return b.String()
}
