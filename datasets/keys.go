package datasets

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mmlab-go/mmlab/internal/keyval"
)

// The keys of a generated dataset kind are the keyval-tagged fields of its spec struct
// (internal/keyval, the mechanism mmlab's options use too): `opt:"key"`, `help:"..."`,
// optionally `choices:"a|b"` and `omitif:"value"`, in canonical order. The defaults are the
// kind's DefaultX(); keys.go turns a struct into a parse function, a canonical string and help.

// Unset is the value of an override key (such as lazypair's rho1) that is not given: the
// overridden key applies.
const Unset = -1.0

// KeyDoc documents one spec key: its name, type, default, choices and help text (DescribeKeys).
// It is the type mmlab.OptionDoc documents options with.
type KeyDoc = keyval.Doc

// keyOmitter is implemented by a spec struct with keys left out of its canonical string by a
// rule an omitif tag cannot state (lazypair's rho1 when equal to rho, avmnist's fsdd always).
type keyOmitter interface {
	omitKey(key string) bool
}

// parseKeyed is the ParseSpec hook of a generated kind whose keys are tagged fields: the
// defaults, then the given keys (parseSpecKeys), then Validate.
func parseKeyed[S interface {
	Spec
	Validate() error
}](kind string, defaults S, kv map[string]string) (Spec, error) {
	s := defaults
	if err := parseSpecKeys(kind, kv, &s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseSpecKeys sets the given keys on the spec struct s points to (which holds the defaults).
// Unknown keys are reported first (sorted), then bad values in canonical key order, so the error
// does not depend on map iteration order.
func parseSpecKeys(kind string, kv map[string]string, s any) error {
	err := keyval.SetAll(s, kv, keyval.AnyFloats)
	var unknown *keyval.UnknownKeyError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("datasets: %s: unknown key %q; valid keys: %s", kind, unknown.Key, strings.Join(unknown.Valid, ", "))
	case err != nil:
		return fmt.Errorf("datasets: %s: key %w", kind, err)
	}
	return nil
}

// formatSpec is the canonical "kind:key=value,..." of the spec struct s points to, every key in
// order except those omitted (omitif, keyOmitter); floats in their shortest exact form, −0 as 0.
func formatSpec(kind string, s any) string {
	var omit func(string) bool
	if o, ok := s.(keyOmitter); ok {
		omit = o.omitKey
	}
	return keyval.Format(kind, s, keyval.AnyFloats, omit)
}

// specKeys lists the keys of the spec struct s points to, in canonical order.
func specKeys(s any) []string { return keyval.Keys(s) }

// choices adds a problem for every string key of the spec struct s points to whose value
// is not among its choices: the choices come from the tags, never repeated in Validate.
func (p *specProblems) choices(s any) {
	if err := keyval.CheckChoices(s, ""); err != nil {
		*p = append(*p, err.Error())
	}
}

var (
	docsMu sync.RWMutex
	docs   = map[string]func() []KeyDoc{} // kind → its keys' documentation
)

// registerKeyed registers kind with ParseSpec (as Register) and its keys with DescribeKeys: the
// tagged fields of the struct defaults returns.
func registerKeyed[S any](kind string, defaults func() S, parse func(kv map[string]string) (Spec, error)) {
	Register(kind, parse)
	describeKeys(kind, func() []KeyDoc {
		d := defaults()
		return keyval.Describe(&d, "", keyval.AnyFloats)
	})
}

// describeKeys records the documentation of kind's keys for DescribeKeys.
func describeKeys(kind string, describe func() []KeyDoc) {
	docsMu.Lock()
	defer docsMu.Unlock()
	docs[kind] = describe
}

// DescribeKeys documents the spec keys of a dataset kind (e.g. "lazypair"): name, type,
// default, choices and help text, in canonical order; `mmlab options` prints them. A kind
// registered by a user with Register has no key documentation: DescribeKeys returns nil, nil.
// An unregistered kind is an error listing the registered ones.
func DescribeKeys(kind string) ([]KeyDoc, error) {
	if !slices.Contains(Names(), kind) {
		return nil, fmt.Errorf("datasets: unknown dataset %q; valid datasets: %s", kind, strings.Join(Names(), ", "))
	}
	docsMu.RLock()
	describe := docs[kind]
	docsMu.RUnlock()
	if describe == nil {
		return nil, nil
	}
	return describe(), nil
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
