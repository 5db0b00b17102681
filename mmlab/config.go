package mmlab

// Config: every hyperparameter of a study, in its one home (ModelOptions, TrainOptions,
// ProbeOptions, each method's options struct), set from "group.key=value" strings.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Option groups that are not methods.
const (
	GroupModel = "model"
	GroupTrain = "train"
	GroupProbe = "probe"
)

// Config is the resolved configuration of a study: defaults overridden by the study's options,
// validated.
type Config struct {
	Model ModelOptions
	Train TrainOptions
	Probe ProbeOptions
	// Methods holds the options of every method of the study (with its dependencies) that has
	// options, e.g. Methods["umt"].(*UMTOptions).
	Methods map[string]Validator
}

// ParseConfig resolves options ("group.key" → value, e.g. "umt.lambda" → "10",
// "model.hidden" → "64,64", "train.epochs" → "150") for a study of methods. Groups are "model",
// "train", "probe" and method names; an option of a method that is not in the study (nor a
// dependency of one) is an error, so that a misspelt method does not go unnoticed. Unknown
// groups and keys are errors listing the valid ones.
func ParseConfig(methods []string, options map[string]string) (*Config, error) {
	all, err := withDependencies(methods)
	if err != nil {
		return nil, err
	}
	c := &Config{Model: DefaultModelOptions(), Train: DefaultTrainOptions(), Probe: DefaultProbeOptions(),
		Methods: map[string]Validator{}}
	for _, name := range all {
		m, _ := LookupMethod(name)
		if o := m.DefaultOptions(); o != nil {
			c.Methods[name] = o
		}
	}
	set := map[string]map[string]bool{} // method → the keys the study sets, for OptionFollower
	for _, full := range slices.Sorted(maps.Keys(options)) {
		group, key, ok := strings.Cut(full, ".")
		if !ok || group == "" || key == "" {
			return nil, fmt.Errorf("option %q: want group.key, e.g. umt.lambda or train.epochs", full)
		}
		var target any
		switch group {
		case GroupModel:
			target = &c.Model
		case GroupTrain:
			target = &c.Train
		case GroupProbe:
			target = &c.Probe
		default:
			if _, err := LookupMethod(group); err != nil {
				return nil, fmt.Errorf("option %q: unknown group %q; valid groups: model, train, probe, and the methods %s",
					full, group, strings.Join(Methods(), ", "))
			}
			if !slices.Contains(all, group) {
				return nil, fmt.Errorf("option %q: method %s is not in the study (methods: %s)", full, group, strings.Join(all, ", "))
			}
			if c.Methods[group] == nil {
				return nil, fmt.Errorf("option %q: method %s has no options", full, group)
			}
			target = c.Methods[group]
			if set[group] == nil {
				set[group] = map[string]bool{}
			}
			set[group][key] = true
		}
		if err := SetOption(target, key, options[full]); err != nil {
			return nil, fmt.Errorf("%s options: %w", group, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Methods)) {
		if f, ok := c.Methods[name].(OptionFollower); ok {
			f.Follow(c.Methods, set[name])
		}
	}
	for _, v := range []Validator{&c.Model, &c.Train, &c.Probe} {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Methods)) {
		if err := c.Methods[name].Validate(); err != nil {
			return nil, err
		}
		if tv, ok := c.Methods[name].(TrainValidator); ok {
			if err := tv.ValidateTrain(&c.Train); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// OptionFollower is implemented by method options whose defaults follow another method's
// options in the same study, e.g. joint_wide's widths follow umt's free dimensions. ParseConfig
// calls Follow after setting the study's options and before validating them, with the options
// of every method of the study (with its dependencies) and the keys the study set for this
// method (nil if none); Follow copies the followed values into the keys not set explicitly.
type OptionFollower interface {
	Follow(methods map[string]Validator, set map[string]bool)
}

// TrainValidator is implemented by method options whose valid values depend on the training
// options, e.g. an epoch window that must overlap train.epochs. ParseConfig calls ValidateTrain
// after Validate, so such errors surface before anything trains.
type TrainValidator interface {
	ValidateTrain(train *TrainOptions) error
}

// Values returns the configuration that determines a run of method: every model, train and probe
// option and the method's own options, as "group.key" → value (what runs record as Config).
func (c *Config) Values(method string) map[string]any {
	out := OptionValues(&c.Model, GroupModel+".")
	maps.Copy(out, OptionValues(&c.Train, GroupTrain+"."))
	maps.Copy(out, OptionValues(&c.Probe, GroupProbe+"."))
	if o := c.Methods[method]; o != nil {
		maps.Copy(out, OptionValues(o, method+"."))
	}
	return out
}

// OptionHelp documents every option: the model, train and probe groups, then each registered
// method's options, keys in "group.key" form with their defaults.
func OptionHelp() []OptionDoc {
	m, t, p := DefaultModelOptions(), DefaultTrainOptions(), DefaultProbeOptions()
	docs := DescribeOptions(&m, GroupModel+".")
	docs = append(docs, DescribeOptions(&t, GroupTrain+".")...)
	docs = append(docs, DescribeOptions(&p, GroupProbe+".")...)
	for _, name := range Methods() {
		method, _ := LookupMethod(name)
		if o := method.DefaultOptions(); o != nil {
			docs = append(docs, DescribeOptions(o, name+".")...)
		}
	}
	return docs
}

// withDependencies returns methods with everything they require, each once, in the given order
// with every method's requirements inserted before it. Unknown methods and dependency cycles are errors.
func withDependencies(methods []string) ([]string, error) {
	var out []string
	visiting := map[string]bool{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		if slices.Contains(out, name) {
			return nil
		}
		if visiting[name] {
			return fmt.Errorf("methods: dependency cycle %s", strings.Join(append(path, name), " → "))
		}
		m, err := LookupMethod(name)
		if err != nil {
			return err
		}
		visiting[name] = true
		for _, dep := range m.Requires() {
			if err := visit(dep, append(path, name)); err != nil {
				return err
			}
		}
		visiting[name] = false
		out = append(out, name)
		return nil
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("no methods; valid methods: %s", strings.Join(Methods(), ", "))
	}
	for _, name := range methods {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
