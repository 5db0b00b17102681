package figures

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/mmlab-go/mmlab/results"
)

// NumbersEnv names the file that ShowCaption appends its named numbers to (one JSON object a
// line). scripts/nbrun.py sets it for every notebook it runs and merges the files into
// <report>/numbers.json, which scripts/readme_numbers.py checks the README against
// (docs/ARCHITECTURE.md, "Numbers in prose"). Unset, nothing is recorded.
const NumbersEnv = "MMLAB_NUMBERS"

// Num is a named result number for a caption: it prints as its value (any float verb, e.g.
// %.3f or %+.3f) and ShowCaption records it under its name. Make one with N.
type Num struct {
	Name  string
	Value float64
}

// N names value for a caption (a count too: N("x.right", float64(right)) prints with %d). The name is a literal, dotted, lower-case string
// ("laziness.gap.joint.m0"): the README marks a number with it, and a test finds it in the
// notebooks' sources.
func N(name string, value float64) Num { return Num{Name: name, Value: value} }

// Format prints the value with the caller's verb, flags and precision; %d prints it rounded to
// an integer (a count).
func (n Num) Format(f fmt.State, verb rune) {
	if verb == 'd' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), int64(math.Round(n.Value)))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), n.Value)
}

// Est is a named estimate over seeds for a caption. Make one with E.
type Est struct {
	Name string
	results.Estimate
}

// E names an estimate for a caption. It prints as "mean ± 95% half-width" with 3 decimals, or
// the verb's precision (%.2v); a + flag signs the mean (%+v, for a difference). ShowCaption
// records the mean as name and the half-width as name.ci.
func E(name string, e results.Estimate) Est { return Est{Name: name, Estimate: e} }

// Format prints "mean ± half-width" in fixed point whatever the verb (%v, %s, %f); a + flag
// signs the mean.
func (e Est) Format(f fmt.State, _ rune) {
	prec, ok := f.Precision()
	if !ok {
		prec = 3
	}
	sign := ""
	if f.Flag('+') {
		sign = "+"
	}
	fmt.Fprintf(f, "%"+sign+".*f ± %.*f", prec, e.Mean, prec, e.CI95)
}

// namedNumber is one line of the $MMLAB_NUMBERS file.
type namedNumber struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// captionNumbers returns the named numbers among a caption's arguments, in order.
func captionNumbers(args []any) []namedNumber {
	var out []namedNumber
	for _, a := range args {
		switch v := a.(type) {
		case Num:
			out = append(out, namedNumber{v.Name, v.Value})
		case Est:
			out = append(out, namedNumber{v.Name, v.Mean}, namedNumber{v.Name + ".ci", v.CI95})
		case Part:
			out = append(out, v.nums...)
		}
	}
	return out
}

// Record appends the named numbers among args (N, E and Part values; anything else is ignored) to the
// file $MMLAB_NUMBERS names, nothing when it is unset. ShowCaption calls it with its arguments;
// call it directly for a number a cell prints another way.
func Record(args ...any) error { return record(captionNumbers(args)) }

func record(nums []namedNumber) error {
	path := os.Getenv(NumbersEnv)
	if path == "" || len(nums) == 0 {
		return nil
	}
	var b strings.Builder
	for _, n := range nums {
		if n.Name == "" {
			return fmt.Errorf("figures.Record: a number without a name (value %g)", n.Value)
		}
		if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
			return fmt.Errorf("figures.Record: %s is %g, not a finite number", n.Name, n.Value)
		}
		line, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("figures.Record: %s: %w", n.Name, err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("figures.Record: %s=%s: %w", NumbersEnv, path, err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("figures.Record: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("figures.Record: closing %s: %w", path, err)
	}
	return nil
}

// Outcome says what a paired difference a − b (an estimate over seeds) shows: "A beats B" or
// "B beats A" when the 95% interval excludes zero, else "A and B tie within the 95% interval"
// (the tie rule of PhaseCell.Judge). A caption prints it so that the prose's comparison is
// right at any size.
func Outcome(a, b string, diff results.Estimate) string {
	switch {
	case diff.N < 2:
		return fmt.Sprintf("%s and %s cannot be told apart (fewer than 2 seeds)", a, b)
	case diff.Mean-diff.CI95 > 0:
		return a + " beats " + b
	case diff.Mean+diff.CI95 < 0:
		return b + " beats " + a
	}
	return a + " and " + b + " tie within the 95% interval"
}

// Part is a piece of a caption, formatted as Caption does, that keeps its named numbers: a
// caption built from parts in a loop, ShowCaption("%s; %s.", a, b), records the numbers of a
// and b. Make one with CaptionPart; JoinParts joins several.
type Part struct {
	text string
	nums []namedNumber
}

// CaptionPart formats a part of a caption (see Part).
func CaptionPart(format string, args ...any) Part {
	return Part{text: Caption(format, args...), nums: captionNumbers(args)}
}

// JoinParts joins parts with sep into one part that keeps all their numbers.
func JoinParts(sep string, parts ...Part) Part {
	var out Part
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
		out.nums = append(out.nums, p.nums...)
	}
	out.text = strings.Join(texts, sep)
	return out
}

// String is the part's text.
func (p Part) String() string { return p.text }

// NumberKey turns a method or feature label into a segment of a number's name: lower case,
// every run of other characters than letters and digits one "_" ("UMT free_dims=32" →
// "umt_free_dims_32", "uni/m0" → "uni_m0").
func NumberKey(label string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(label) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
