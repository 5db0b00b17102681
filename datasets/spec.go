package datasets

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Spec is a resolved dataset specification: a dataset kind with every parameter set.
// Its canonical String is what results record and hash, so two specs with the same String
// generate the same data.
type Spec interface {
	// Name is the dataset kind, the part of the spec string before the colon, e.g. "lazypair".
	Name() string
	// String is the canonical spec, "NAME:key=value,..." with every key in a fixed order.
	String() string
	// Generate builds (or loads) the dataset; the result passes Dataset.Validate.
	Generate() (*Dataset, error)
	// NumModalities is the number of modalities the dataset has, known without generating or
	// loading it (planning a study needs it before any data is read).
	NumModalities() int
	// WithSeedOffset returns the spec of the dataset that run seed s uses (docs/DESIGN.md §6): for a
	// generated dataset, the same spec with seed + s; for fixed data (a user's files), the spec
	// itself.
	WithSeedOffset(s int) Spec
}

var (
	registryMu sync.RWMutex
	registry   = map[string]func(kv map[string]string) (Spec, error){}
	positional = map[string]string{} // kind → the key its positional first item is passed under
)

// Register lets a dataset kind (lazypair here; avsynth, twoview, npy later) plug into ParseSpec
// under name. parse receives the spec's key=value pairs (possibly none), must fill in defaults,
// and must return an error listing the valid keys for any key it does not know.
// Register is meant for init functions; it panics on an empty name, a name containing ':', ',',
// '=' or a space, a nil parse function or a name registered twice, since each of these is a
// programming error.
func Register(name string, parse func(kv map[string]string) (Spec, error)) {
	if name == "" || strings.ContainsAny(name, ":,= ") || parse == nil {
		panic(fmt.Sprintf("datasets.Register: invalid registration %q (name must be non-empty without ':', ',', '=', ' '; parse must be non-nil)", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("datasets.Register: dataset kind %q registered twice", name))
	}
	registry[name] = parse
}

// RegisterPositional is Register for a dataset kind whose spec starts with one positional value,
// "NAME:VALUE,key=value,...", such as the path of npy:DIR. ParseSpec passes the first item to
// parse verbatim (spaces around it trimmed, so it may contain '=' but not ',') as kv[key]; the
// other items are key=value pairs as for Register, and giving key=... among them as well is
// a repeated key. It panics where Register does, and on an invalid key.
func RegisterPositional(name, key string, parse func(kv map[string]string) (Spec, error)) {
	if key == "" || strings.ContainsAny(key, ":,= ") {
		panic(fmt.Sprintf("datasets.RegisterPositional: invalid key %q for dataset kind %q", key, name))
	}
	Register(name, parse)
	registryMu.Lock()
	defer registryMu.Unlock()
	positional[name] = key
}

// Names returns the registered dataset kinds, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}

// ParseSpec resolves "NAME:key=value,..." into a generator spec with defaults filled in.
// Unknown dataset names, unknown keys and bad values are errors that list the valid names/keys.
//
// "NAME" alone means every default. Items are separated by ',' and split at their first '=';
// spaces around items, keys and values are ignored; empty items and repeated keys are errors.
// Values therefore cannot contain ','. For a kind registered with RegisterPositional the first
// item is its positional value, taken whole ("npy:/data/feats,k=10").
func ParseSpec(spec string) (Spec, error) {
	name, rest, hasParams := strings.Cut(strings.TrimSpace(spec), ":")
	name = strings.TrimSpace(name)
	registryMu.RLock()
	parse, ok := registry[name]
	posKey := positional[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("datasets: unknown dataset %q in spec %q; valid datasets: %s",
			name, spec, strings.Join(Names(), ", "))
	}
	kv := map[string]string{}
	if hasParams && strings.TrimSpace(rest) != "" {
		for i, item := range strings.Split(rest, ",") {
			if i == 0 && posKey != "" && strings.TrimSpace(item) != "" {
				kv[posKey] = strings.TrimSpace(item) // the positional first item, taken whole
				continue
			}
			key, value, found := strings.Cut(item, "=")
			key, value = strings.TrimSpace(key), strings.TrimSpace(value)
			switch {
			case strings.TrimSpace(item) == "":
				return nil, fmt.Errorf("datasets: spec %q has an empty item (two commas in a row, or a trailing comma)", spec)
			case !found || key == "":
				return nil, fmt.Errorf("datasets: spec %q: item %q is not key=value", spec, strings.TrimSpace(item))
			case value == "":
				return nil, fmt.Errorf("datasets: spec %q: key %q has an empty value", spec, key)
			}
			if _, dup := kv[key]; dup {
				return nil, fmt.Errorf("datasets: spec %q: key %q given twice", spec, key)
			}
			kv[key] = value
		}
	}
	return parse(kv)
}
