package mmlab

import (
	"reflect"
	"strings"
	"testing"
)

func TestSetOption(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string
		wantErr          string // substring; "" for success
	}{
		{"float", "lambda", "2.5", ""},
		{"int", "free_dims", "32", ""},
		{"choice", "distance", "cosine", ""},
		{"bad choice lists valid values", "distance", "kl", "mse, l1, cosine"},
		{"not a number", "lambda", "ten", "finite number"},
		{"NaN is not finite", "lambda", "NaN", "finite number"},
		{"not an integer", "free_dims", "3.5", "integer"},
		{"unknown key lists valid ones", "lamda", "1", "lambda, distance, free_dims, free_mode, init, distill_norm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultUMTOptions()
			err := SetOption(&o, tc.key, tc.value)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("SetOption(%s=%s): %v", tc.key, tc.value, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("SetOption(%s=%s) = %v, want an error containing %q", tc.key, tc.value, err, tc.wantErr)
			}
		})
	}
	m := DefaultModelOptions()
	if err := SetOption(&m, "hidden", "128, 32"); err != nil || !reflect.DeepEqual(m.Hidden, []int{128, 32}) {
		t.Fatalf("hidden=128,32 gave %v, %v", m.Hidden, err)
	}
	if err := SetOption(&m, "hidden", "64,x"); err == nil {
		t.Fatal("hidden=64,x was accepted")
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig([]string{"umt"}, map[string]string{
		"umt.lambda": "1", "model.hidden": "32,32", "train.epochs": "3", "probe.steps": "10", "ume.combine": "probs",
	})
	if err == nil || !strings.Contains(err.Error(), "method ume is not in the study") {
		t.Fatalf("an option of a method outside the study: got %v", err)
	}
	cfg, err = ParseConfig([]string{"umt", "ume"}, map[string]string{
		"umt.lambda": "1", "model.hidden": "32,32", "train.epochs": "3", "probe.steps": "10", "ume.combine": "probs",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Methods["umt"].(*UMTOptions).Lambda; got != 1 {
		t.Errorf("umt.lambda = %v, want 1", got)
	}
	if cfg.Train.Epochs != 3 || cfg.Probe.Steps != 10 || !reflect.DeepEqual(cfg.Model.Hidden, []int{32, 32}) {
		t.Errorf("config %+v", cfg)
	}
	vals := cfg.Values("umt")
	for _, k := range []string{"model.hidden", "train.lr", "probe.l2", "umt.free_mode"} {
		if _, ok := vals[k]; !ok {
			t.Errorf("Values(umt) lacks %s: %v", k, vals)
		}
	}
	if _, ok := vals["ume.combine"]; ok {
		t.Errorf("Values(umt) holds another method's option: %v", vals)
	}

	for _, tc := range []struct {
		name    string
		methods []string
		opts    map[string]string
		wantErr string
	}{
		{"unknown method", []string{"jiont"}, nil, "valid methods"},
		{"no methods", nil, nil, "no methods"},
		{"unknown group", []string{"joint"}, map[string]string{"optim.lr": "1"}, "valid groups"},
		{"no group", []string{"joint"}, map[string]string{"lr": "1"}, "group.key"},
		{"method without options", []string{"joint"}, map[string]string{"joint.x": "1"}, "has no options"},
		{"unknown key", []string{"joint"}, map[string]string{"train.epoch": "1"}, "epochs"},
		{"validation", []string{"joint"}, map[string]string{"train.lr": "-1"}, "train.lr"},
		{"min_lr above lr", []string{"joint"}, map[string]string{"train.min_lr": "0.1"}, "train.min_lr"},
		{"bad hidden", []string{"joint"}, map[string]string{"model.hidden": "0"}, "model.hidden"},
		{"bad free dims", []string{"umt"}, map[string]string{"umt.free_dims": "-1"}, "umt.free_dims"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(tc.methods, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestOptionHelp(t *testing.T) {
	keys := map[string]OptionDoc{}
	for _, d := range OptionHelp() {
		if d.Help == "" {
			t.Errorf("option %s has no help", d.Key)
		}
		keys[d.Key] = d
	}
	for key, def := range map[string]string{"model.hidden": "64,64", "model.fusion": "concat_linear",
		"train.epochs": "150", "train.batch": "256", "train.lr": "0.001", "train.schedule": "constant",
		"train.patience": "0", "umt.lambda": "10", "umt.distance": "mse", "umt.free_dims": "0", "ume.combine": "logits"} {
		if keys[key].Default != def {
			t.Errorf("%s: default %q, want %q", key, keys[key].Default, def)
		}
	}
}

func TestWithDependencies(t *testing.T) {
	got, err := withDependencies([]string{"umt", "joint", "ume", "uni"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"uni", "umt", "joint", "ume"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestValidateChecksChoicesFromTags checks that a value outside a field's `choices` tag, set
// directly on the struct (not through SetOption), fails Validate with the tag's choices: the
// choices are written once, in the tag.
func TestValidateChecksChoicesFromTags(t *testing.T) {
	ume := UMEOptions{Combine: "max"}
	tr := DefaultTrainOptions()
	tr.Schedule = "linear"
	m := DefaultModelOptions()
	m.Fusion = "product"
	for _, tc := range []struct {
		opts Validator
		want string
	}{
		{&ume, `ume.combine="max": valid values are logits, probs`},
		{&tr, `train.schedule="linear": valid values are constant, cosine, step`},
		{&m, `model.fusion="product": valid values are concat_linear, sum, concat_mlp`},
	} {
		if err := tc.opts.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("Validate(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
}
