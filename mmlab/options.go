package mmlab

// Options machinery: every hyperparameter lives in one typed struct per concern (ModelOptions,
// TrainOptions, ProbeOptions, one struct per method), with its default in the struct's
// constructor, its documentation in a `help` tag, and its validation in the struct's Validate
// method. The same struct is set from strings ("umt.lambda=10" on the command line, a map in a
// notebook) through SetOption, and serialised into every run's Config through OptionValues.
//
// The tags are internal/keyval's, the one key=value mechanism that the datasets' spec structs
// use too: a field takes part when it has an `opt:"key"` tag; float64, int, bool, string and
// []int (written "64,64") are supported; a string field with a `choices:"a|b|c"` tag only
// accepts those values. A field with an `omitif:"value"` tag is left out of OptionValues (so out
// of run keys and recorded Configs) while it has that value: an option added after runs were
// stored, whose omitted value reproduces those runs, so that their keys stay valid. The omitted
// value is then fixed for ever (changing it would change what existing keys mean).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mmlab-go/mmlab/internal/keyval"
)

// Validator is implemented by every options struct: Validate checks the values together and
// returns an error naming the offending key and the valid range.
type Validator interface {
	Validate() error
}

// OptionDoc documents one option, for help texts: Key ("umt.lambda" with its group prefix, or
// "lambda" from DescribeOptions), Type ("float", "int", "bool", "string", "ints"), Default (as it
// would be written on the command line), Choices (of a string option, or nil) and Help. Its
// String is one help line, "key=default  (type) help [a|b]". Dataset keys are documented by the
// same type (datasets.KeyDoc).
type OptionDoc = keyval.Doc

// OptionKeys lists the keys of an options struct (a pointer to it), in declaration order.
func OptionKeys(opts any) []string { return keyval.Keys(opts) }

// SetOption parses value and stores it in the option key of opts (a pointer to an options
// struct). Unknown keys are an error listing the valid ones; values that do not parse, or are not
// among a string option's choices, are errors naming the key and what is accepted. SetOption
// checks single values only; call the struct's Validate for checks across values.
func SetOption(opts any, key, value string) error {
	err := keyval.Set(opts, key, value, keyval.FiniteFloats)
	var unknown *keyval.UnknownKeyError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("unknown option %q; valid options: %s", key, strings.Join(unknown.Valid, ", "))
	case err != nil:
		return fmt.Errorf("option %w", err)
	}
	return nil
}

// OptionValues returns the options of opts (a pointer to an options struct) as key → value, with
// prefix prepended to every key (e.g. "umt."). Slices are copied. Fields tagged omitif are left
// out while they hold that value. This is what runs record in their Config and what their keys
// hash.
func OptionValues(opts any, prefix string) map[string]any { return keyval.Values(opts, prefix) }

// DescribeOptions documents the options of opts (a pointer to an options struct holding the
// defaults), with prefix prepended to every key.
func DescribeOptions(opts any, prefix string) []OptionDoc {
	return keyval.Describe(opts, prefix, keyval.FiniteFloats)
}

// checkChoices returns an error for the first string field of opts (a pointer to a tagged
// options struct) whose value is not one of its `choices` tag, naming prefix+key and the valid
// values: the one check of choices, derived from the tags, that every Validate starts with.
func checkChoices(opts any, prefix string) error { return keyval.CheckChoices(opts, prefix) }
