package mmlab

// Options machinery: every hyperparameter lives in one typed struct per concern (ModelOptions,
// TrainOptions, ProbeOptions, one struct per method), with its default in the struct's
// constructor, its documentation in a `help` tag, and its validation in the struct's Validate
// method. The same struct is set from strings ("umt.lambda=10" on the command line, a map in a
// notebook) through SetOption, and serialised into every run's Config through OptionValues.
//
// A field takes part when it has an `opt:"key"` tag. Supported field types: float64, int, bool,
// string and []int (written "64,64"). A string field with a `choices:"a|b|c"` tag only accepts
// those values. A field with an `omitif:"value"` tag is left out of OptionValues (so out of run
// keys and recorded Configs) while it has that value: an option added after runs were stored,
// whose omitted value reproduces those runs, so that their keys stay valid. The omitted value is
// then fixed for ever (changing it would change what existing keys mean).

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Validator is implemented by every options struct: Validate checks the values together and
// returns an error naming the offending key and the valid range.
type Validator interface {
	Validate() error
}

// OptionDoc documents one option, for help texts.
type OptionDoc struct {
	Key     string   // e.g. "umt.lambda" (with its group prefix) or "lambda" (from DescribeOptions)
	Type    string   // "float", "int", "bool", "string", "ints"
	Default string   // the default, formatted as it would be written on the command line
	Choices []string // the allowed values of a string option, or nil
	Help    string
}

// String formats the doc as one help line: "key=default  help [choices: a|b]".
func (d OptionDoc) String() string {
	s := fmt.Sprintf("%s=%s  (%s) %s", d.Key, d.Default, d.Type, d.Help)
	if len(d.Choices) > 0 {
		s += " [" + strings.Join(d.Choices, "|") + "]"
	}
	return s
}

// optionField is one tagged field of an options struct.
type optionField struct {
	key     string
	index   int
	help    string
	choices []string
	omitIf  *string // the value OptionValues leaves the field out at, if any
}

// optionFields returns the tagged fields of the struct that opts points to.
// It panics if opts is not a non-nil pointer to a struct: that is a programming error.
func optionFields(opts any) (reflect.Value, []optionField) {
	v := reflect.ValueOf(opts)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("mmlab: options must be a non-nil pointer to a struct, got %T", opts))
	}
	v = v.Elem()
	t := v.Type()
	var fields []optionField
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("opt")
		if key == "" {
			continue
		}
		var choices []string
		if c := f.Tag.Get("choices"); c != "" {
			choices = strings.Split(c, "|")
		}
		var omitIf *string
		if o, ok := f.Tag.Lookup("omitif"); ok {
			omitIf = &o
		}
		fields = append(fields, optionField{key: key, index: i, help: f.Tag.Get("help"), choices: choices, omitIf: omitIf})
	}
	return v, fields
}

// OptionKeys lists the keys of an options struct (a pointer to it), in declaration order.
func OptionKeys(opts any) []string {
	_, fields := optionFields(opts)
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return keys
}

// SetOption parses value and stores it in the option key of opts (a pointer to an options
// struct). Unknown keys are an error listing the valid ones; values that do not parse, or are not
// among a string option's choices, are errors naming the key and what is accepted. SetOption
// checks single values only; call the struct's Validate for checks across values.
func SetOption(opts any, key, value string) error {
	v, fields := optionFields(opts)
	i := slices.IndexFunc(fields, func(f optionField) bool { return f.key == key })
	if i < 0 {
		return fmt.Errorf("unknown option %q; valid options: %s", key, strings.Join(OptionKeys(opts), ", "))
	}
	f := fields[i]
	fv := v.Field(f.index)
	value = strings.TrimSpace(value)
	switch fv.Interface().(type) {
	case float64:
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("option %s=%q: want a finite number", key, value)
		}
		fv.SetFloat(x)
	case int:
		x, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("option %s=%q: want an integer", key, value)
		}
		fv.SetInt(int64(x))
	case bool:
		x, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("option %s=%q: want true or false", key, value)
		}
		fv.SetBool(x)
	case string:
		if f.choices != nil && !slices.Contains(f.choices, value) {
			return fmt.Errorf("option %s=%q: valid values are %s", key, value, strings.Join(f.choices, ", "))
		}
		fv.SetString(value)
	case []int:
		var xs []int
		if value != "" {
			for _, part := range strings.Split(value, ",") {
				x, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					return fmt.Errorf("option %s=%q: want comma-separated integers, e.g. 64,64", key, value)
				}
				xs = append(xs, x)
			}
		}
		fv.Set(reflect.ValueOf(xs))
	default:
		panic(fmt.Sprintf("mmlab.SetOption: field %s of %T has unsupported type %s", key, opts, fv.Type()))
	}
	return nil
}

// formatOption writes a field value as SetOption would read it.
func formatOption(fv reflect.Value) string {
	switch x := fv.Interface().(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []int:
		parts := make([]string, len(x))
		for i, d := range x {
			parts[i] = strconv.Itoa(d)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(x)
	}
}

// OptionValues returns the options of opts (a pointer to an options struct) as key → value, with
// prefix prepended to every key (e.g. "umt."). Slices are copied. Fields tagged omitif are left
// out while they hold that value. This is what runs record in their Config and what their keys
// hash.
func OptionValues(opts any, prefix string) map[string]any {
	v, fields := optionFields(opts)
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if f.omitIf != nil && formatOption(v.Field(f.index)) == *f.omitIf {
			continue
		}
		val := v.Field(f.index).Interface()
		if xs, ok := val.([]int); ok {
			val = slices.Clone(xs)
		}
		out[prefix+f.key] = val
	}
	return out
}

// DescribeOptions documents the options of opts (a pointer to an options struct holding the
// defaults), with prefix prepended to every key.
func DescribeOptions(opts any, prefix string) []OptionDoc {
	v, fields := optionFields(opts)
	docs := make([]OptionDoc, len(fields))
	for i, f := range fields {
		fv := v.Field(f.index)
		typ := map[reflect.Kind]string{reflect.Float64: "float", reflect.Int: "int", reflect.Bool: "bool",
			reflect.String: "string", reflect.Slice: "ints"}[fv.Kind()]
		docs[i] = OptionDoc{Key: prefix + f.key, Type: typ, Default: formatOption(fv), Choices: f.choices, Help: f.help}
	}
	return docs
}

// checkChoices returns an error for the first string field of opts (a pointer to a tagged
// options struct) whose value is not one of its `choices` tag, naming prefix+key and the valid
// values: the one check of choices, derived from the tags, that every Validate starts with.
func checkChoices(opts any, prefix string) error {
	v, fields := optionFields(opts)
	for _, f := range fields {
		if f.choices == nil {
			continue
		}
		if value := v.Field(f.index).String(); !slices.Contains(f.choices, value) {
			return fmt.Errorf("%s%s=%q: valid values are %s", prefix, f.key, value, strings.Join(f.choices, ", "))
		}
	}
	return nil
}
