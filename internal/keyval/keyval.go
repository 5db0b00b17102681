package keyval

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Doc documents one key, for help texts.
type Doc struct {
	Key     string   // e.g. "umt.lambda" (with its prefix) or "rho"
	Type    string   // "float", "int", "bool", "string", "ints"
	Default string   // the default, formatted as it would be written on the command line
	Choices []string // the allowed values of a string key, or nil
	Help    string
}

// String formats the doc as one help line: "key=default  (type) help [a|b]".
func (d Doc) String() string {
	s := fmt.Sprintf("%s=%s  (%s) %s", d.Key, d.Default, d.Type, d.Help)
	if len(d.Choices) > 0 {
		s += " [" + strings.Join(d.Choices, "|") + "]"
	}
	return s
}

// Floats says how a family of structs reads and writes float64 fields.
type Floats int

const (
	// FiniteFloats rejects NaN and ±Inf when setting (mmlab's options).
	FiniteFloats Floats = iota
	// AnyFloats accepts every value strconv.ParseFloat reads, so that Validate can name the key
	// and the valid range (or accept +Inf, as avmnist's snr), and writes −0 as 0, so that −0 and 0
	// are one dataset spec (the datasets' specs).
	AnyFloats
)

// field is one tagged field.
type field struct {
	key     string
	index   int
	help    string
	choices []string
	omitIf  *string // the value Values and Format leave the field out at, if any
}

// fields returns the tagged fields of the struct that ptr points to. It panics if ptr is not a
// non-nil pointer to a struct: that is a programming error.
func fields(ptr any) (reflect.Value, []field) {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("keyval: want a non-nil pointer to a struct, got %T", ptr))
	}
	v = v.Elem()
	t := v.Type()
	var out []field
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
		out = append(out, field{key: key, index: i, help: f.Tag.Get("help"), choices: choices, omitIf: omitIf})
	}
	return v, out
}

// Keys lists the keys of the struct ptr points to, in declaration order.
func Keys(ptr any) []string {
	_, fs := fields(ptr)
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
}

// UnknownKeyError is Set's and SetAll's error for a key the struct does not have.
type UnknownKeyError struct {
	Key   string
	Valid []string // every key, in declaration order
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown key %q; valid keys: %s", e.Key, strings.Join(e.Valid, ", "))
}

// ValueError is Set's error for a value that does not parse or is not among the choices: Problem
// says what is accepted ("want an integer", "valid values are a, b").
type ValueError struct {
	Key, Value, Problem string
}

func (e *ValueError) Error() string { return fmt.Sprintf("%s=%q: %s", e.Key, e.Value, e.Problem) }

// Set parses value (spaces around it trimmed) and stores it in the field keyed key of the struct
// ptr points to. An unknown key is an *UnknownKeyError; a value that does not parse, or is not
// among a string field's choices, is a *ValueError. Set checks single values only; checks across
// values belong to the struct's Validate.
func Set(ptr any, key, value string, floats Floats) error {
	v, fs := fields(ptr)
	i := slices.IndexFunc(fs, func(f field) bool { return f.key == key })
	if i < 0 {
		return &UnknownKeyError{Key: key, Valid: Keys(ptr)}
	}
	value = strings.TrimSpace(value)
	if problem := setValue(v.Field(fs[i].index), fs[i].choices, value, floats); problem != "" {
		return &ValueError{Key: key, Value: value, Problem: problem}
	}
	return nil
}

// setValue parses value into fv and returns "" or what is wrong with value.
func setValue(fv reflect.Value, choices []string, value string, floats Floats) string {
	switch fv.Interface().(type) {
	case float64:
		x, err := strconv.ParseFloat(value, 64)
		if floats == FiniteFloats && (err != nil || math.IsNaN(x) || math.IsInf(x, 0)) {
			return "want a finite number"
		} else if err != nil {
			return "want a number"
		}
		fv.SetFloat(canonicalFloat(x, floats))
	case int:
		x, err := strconv.Atoi(value)
		if err != nil {
			return "want an integer"
		}
		fv.SetInt(int64(x))
	case int64:
		x, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return "want a 64-bit integer"
		}
		fv.SetInt(x)
	case bool:
		x, err := strconv.ParseBool(value)
		if err != nil {
			return "want true or false"
		}
		fv.SetBool(x)
	case string:
		if choices != nil && !slices.Contains(choices, value) {
			return "valid values are " + strings.Join(choices, ", ")
		}
		fv.SetString(value)
	case []int:
		var xs []int
		if value != "" {
			for part := range strings.SplitSeq(value, ",") {
				x, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					return "want comma-separated integers, e.g. 64,64"
				}
				xs = append(xs, x)
			}
		}
		fv.Set(reflect.ValueOf(xs))
	default:
		panic(fmt.Sprintf("keyval.Set: field of unsupported type %s", fv.Type()))
	}
	return ""
}

// canonicalFloat is x, with −0 as 0 under AnyFloats.
func canonicalFloat(x float64, floats Floats) float64 {
	if floats == AnyFloats && x == 0 {
		return 0
	}
	return x
}

// SetAll sets every key of kv on the struct ptr points to (which holds the defaults). Unknown
// keys are reported first (the first in sorted order, as an *UnknownKeyError), then bad values
// in declaration order, so the error does not depend on map iteration order.
func SetAll(ptr any, kv map[string]string, floats Floats) error {
	valid := Keys(ptr)
	for _, key := range slices.Sorted(maps.Keys(kv)) {
		if !slices.Contains(valid, key) {
			return &UnknownKeyError{Key: key, Valid: valid}
		}
	}
	for _, key := range valid {
		if value, ok := kv[key]; ok {
			if err := Set(ptr, key, value, floats); err != nil {
				return err
			}
		}
	}
	return nil
}

// formatValue writes a field value as Set reads it.
func formatValue(fv reflect.Value, floats Floats) string {
	switch x := fv.Interface().(type) {
	case float64:
		return strconv.FormatFloat(canonicalFloat(x, floats), 'g', -1, 64)
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

// omitted reports whether field f of v is left out: it holds its omitif value, or omit says so.
func omitted(v reflect.Value, f field, floats Floats, omit func(key string) bool) bool {
	if f.omitIf != nil && formatValue(v.Field(f.index), floats) == *f.omitIf {
		return true
	}
	return omit != nil && omit(f.key)
}

// Values returns the fields of the struct ptr points to as prefix+key → value, leaving out those
// at their omitif value. Slices are copied. mmlab records this in every run's Config, and its
// store keys hash it.
func Values(ptr any, prefix string) map[string]any {
	v, fs := fields(ptr)
	out := make(map[string]any, len(fs))
	for _, f := range fs {
		if omitted(v, f, FiniteFloats, nil) {
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

// Format writes "kind:key=value,..." with every field of the struct ptr points to in declaration
// order, leaving out those at their omitif value and those omit (if not nil) names: the canonical
// string of a dataset spec. A struct whose fields are all left out gives "kind".
func Format(kind string, ptr any, floats Floats, omit func(key string) bool) string {
	v, fs := fields(ptr)
	var b strings.Builder
	b.WriteString(kind)
	sep := byte(':')
	for _, f := range fs {
		if omitted(v, f, floats, omit) {
			continue
		}
		b.WriteByte(sep)
		sep = ','
		b.WriteString(f.key)
		b.WriteByte('=')
		b.WriteString(formatValue(v.Field(f.index), floats))
	}
	return b.String()
}

// Describe documents the fields of the struct ptr points to (holding the defaults), with prefix
// prepended to every key.
func Describe(ptr any, prefix string, floats Floats) []Doc {
	v, fs := fields(ptr)
	docs := make([]Doc, len(fs))
	for i, f := range fs {
		fv := v.Field(f.index)
		typ := map[reflect.Kind]string{reflect.Float64: "float", reflect.Int: "int", reflect.Int64: "int",
			reflect.Bool: "bool", reflect.String: "string", reflect.Slice: "ints"}[fv.Kind()]
		docs[i] = Doc{Key: prefix + f.key, Type: typ, Default: formatValue(fv, floats), Choices: f.choices, Help: f.help}
	}
	return docs
}

// CheckChoices returns an error for the first string field of the struct ptr points to whose
// value is not among its choices, naming prefix+key and the valid values: the one check of
// choices, derived from the tags, that Validate methods call instead of repeating them.
func CheckChoices(ptr any, prefix string) error {
	v, fs := fields(ptr)
	for _, f := range fs {
		if f.choices == nil {
			continue
		}
		if value := v.Field(f.index).String(); !slices.Contains(f.choices, value) {
			return fmt.Errorf("%s%s=%q: valid values are %s", prefix, f.key, value, strings.Join(f.choices, ", "))
		}
	}
	return nil
}
