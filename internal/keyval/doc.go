// Package keyval is the one key=value mechanism of mmlab: a struct whose fields carry an
// `opt:"key"` tag, a `help:"..."` tag and optionally `choices:"a|b"` and `omitif:"value"` is set
// from strings (Set, SetAll), written back in a fixed order (Values, Format), documented (Describe)
// and checked against its choices (CheckChoices). mmlab's option structs (umt.lambda,
// train.epochs) and the datasets' spec structs (lazypair:rho=0.7) are both such structs, so a
// key's type, default, help text and choices live in one place, its struct field.
//
// Supported field types: float64, int, int64, bool, string and []int (written "64,64"). A string
// field with a choices tag accepts only those values. A field with an omitif tag is left out of
// Values and Format while it has that value: a key added after runs or datasets were stored,
// whose omitted value reproduces them, so that their keys stay valid.
//
// Field order is meaningful: Format writes keys in declaration order, which is the canonical
// order of a dataset spec string, and Describe lists them in it.
package keyval
