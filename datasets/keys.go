package datasets

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// specKey is one spec-string key of a generated dataset kind S: how to print it and how to
// parse it into the spec (shared by lazypair, avsynth and twoview).
type specKey[S any] struct {
	name string
	get  func(s *S) string
	set  func(s *S, value string) error
	// omit, if set, says when the key is left out of the canonical string: keys added after
	// specs were stored, at the value that reproduces those specs' data.
	omit func(s *S) bool
}

func intSpecKey[S any](name string, field func(s *S) *int) specKey[S] {
	return specKey[S]{name,
		func(s *S) string { return strconv.Itoa(*field(s)) },
		func(s *S, v string) error {
			x, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not an integer", v)
			}
			*field(s) = x
			return nil
		}, nil}
}

func floatSpecKey[S any](name string, field func(s *S) *float64) specKey[S] {
	return specKey[S]{name,
		func(s *S) string { return strconv.FormatFloat(canonicalFloat(*field(s)), 'g', -1, 64) },
		func(s *S, v string) error {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%q is not a number", v)
			}
			*field(s) = canonicalFloat(x) // -0 and 0 are one key
			return nil
		}, nil}
}

// Unset is the value of an override key (such as lazypair's rho1) that is not given: the
// overridden key applies.
const Unset = -1.0

// overrideSpecKey is a float key that overrides base for one modality: Unset (the default) or
// equal to base means no override, and the key is then left out of the canonical string, so
// specs written before the key existed keep their strings.
func overrideSpecKey[S any](name string, field func(s *S) *float64, base func(s *S) float64) specKey[S] {
	k := floatSpecKey(name, field)
	k.omit = func(s *S) bool { return *field(s) == Unset || *field(s) == base(s) }
	return k
}

func stringSpecKey[S any](name string, field func(s *S) *string) specKey[S] {
	return specKey[S]{name,
		func(s *S) string { return *field(s) },
		func(s *S, v string) error { *field(s) = v; return nil }, nil}
}

func seedSpecKey[S any](field func(s *S) *int64) specKey[S] {
	return specKey[S]{"seed",
		func(s *S) string { return strconv.FormatInt(*field(s), 10) },
		func(s *S, v string) error {
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a 64-bit integer", v)
			}
			*field(s) = x
			return nil
		}, nil}
}

func specKeyNames[S any](keys []specKey[S]) []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return names
}

// parseKeyed is the ParseSpec hook of a generated kind whose keys are specKeys: the defaults,
// then the given keys (parseSpecKeys), then Validate.
func parseKeyed[S interface {
	Spec
	Validate() error
}](kind string, defaults S, keys []specKey[S], kv map[string]string) (Spec, error) {
	s := defaults
	if err := parseSpecKeys(kind, keys, kv, &s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseSpecKeys sets the given keys on s (which holds the defaults). Unknown keys are reported
// first (sorted), then bad values in canonical key order, so the error does not depend on map
// iteration order.
func parseSpecKeys[S any](kind string, keys []specKey[S], kv map[string]string, s *S) error {
	valid := specKeyNames(keys)
	for _, key := range slices.Sorted(maps.Keys(kv)) {
		if !slices.Contains(valid, key) {
			return fmt.Errorf("datasets: %s: unknown key %q; valid keys: %s", kind, key, strings.Join(valid, ", "))
		}
	}
	for _, k := range keys {
		if value, ok := kv[k.name]; ok {
			if err := k.set(s, value); err != nil {
				return fmt.Errorf("datasets: %s: key %s: %w", kind, k.name, err)
			}
		}
	}
	return nil
}

// formatSpec is the canonical "kind:key=value,..." with every key in order.
func formatSpec[S any](kind string, keys []specKey[S], s *S) string {
	var b strings.Builder
	b.WriteString(kind)
	first := true
	for _, k := range keys {
		if k.omit != nil && k.omit(s) {
			continue
		}
		if first {
			b.WriteByte(':')
			first = false
		} else {
			b.WriteByte(',')
		}
		b.WriteString(k.name)
		b.WriteByte('=')
		b.WriteString(k.get(s))
	}
	return b.String()
}

// specProblems collects "key = value, want ..." problems of a spec's Validate.
type specProblems []string

func (p *specProblems) bad(key string, value any, want string) {
	*p = append(*p, fmt.Sprintf("%s = %v, want %s", key, value, want))
}

// fraction checks 0 ≤ value ≤ 1.
func (p *specProblems) fraction(key string, value float64) {
	if !(value >= 0 && value <= 1) {
		p.bad(key, value, fmt.Sprintf("0 ≤ %s ≤ 1", key))
	}
}

// nonNegative checks a finite value ≥ 0.
func (p *specProblems) nonNegative(key string, value float64) {
	if !(value >= 0) || value > 1e300 {
		p.bad(key, value, fmt.Sprintf("finite %s ≥ 0", key))
	}
}

// intRange checks lo ≤ value ≤ hi.
func (p *specProblems) intRange(key string, value, lo, hi int) {
	if value < lo || value > hi {
		p.bad(key, value, fmt.Sprintf("%d ≤ %s ≤ %d", lo, key, hi))
	}
}

// splitSizes checks n_train, n_val and n_test: each ≥ 1, and n × perSample float32 values (one
// modality of one sample; what names that count in the message, e.g. "size²") at most
// maxValuesPerSplit.
func (p *specProblems) splitSizes(nTrain, nVal, nTest, perSample int, what string) {
	for _, f := range []struct {
		key string
		n   int
	}{{"n_train", nTrain}, {"n_val", nVal}, {"n_test", nTest}} {
		if f.n < 1 {
			p.bad(f.key, f.n, f.key+" ≥ 1")
		} else if float64(f.n)*float64(perSample) > maxValuesPerSplit {
			p.bad(f.key, f.n, fmt.Sprintf("%s × %s ≤ %d (float32 values per modality and split)", f.key, what, maxValuesPerSplit))
		}
	}
}

func (p specProblems) err(kind string) error {
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("datasets: %s: invalid spec: %s", kind, strings.Join(p, "; "))
}
