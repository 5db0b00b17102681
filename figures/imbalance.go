package figures

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/mmlab-go/mmlab/results"
)

// LiftGroup is one block of rows of WeakModalityTable: the Lifts (results.CompareWeak) of the
// methods trained one way, e.g. Name "SGD" for every method under train.optimizer=sgd.
type LiftGroup struct {
	Name  string
	Lifts []results.Lift
}

// WeakModalityTable tabulates, for every group and method, the test accuracy and the probe
// accuracy of the weaker modality's encoder (mean ± CI95 over seeds), each with its paired
// difference from the group's reference method (method − reference, mean ± CI95; "—" for the
// reference itself), and whether the method lifts the weak modality's probe above the
// reference's beyond that interval (results.Lift.LiftsWeakModality). Every Lift must name the
// same weak modality. It is an error if there are no groups or no lifts.
func WeakModalityTable(groups []LiftGroup) (Table, error) {
	weak, name := -1, ""
	for _, g := range groups {
		for _, l := range g.Lifts {
			if weak >= 0 && l.Weak != weak {
				return Table{}, fmt.Errorf("figures.WeakModalityTable: lifts for modalities %d and %d; one table is about one weak modality", weak, l.Weak)
			}
			if weak >= 0 && l.WeakName != name {
				name = "" // groups of datasets that name it differently: the index alone
			} else if weak < 0 {
				name = l.WeakName
			}
			weak = l.Weak
		}
	}
	if weak < 0 {
		return Table{}, errors.New("figures.WeakModalityTable: no lifts")
	}
	label := "m" + strconv.Itoa(weak)
	if name != "" {
		label = name
	}
	probe := "probe " + label + " (weak)"
	t := Table{
		Title:   "The weaker modality (" + label + ") under each method",
		Columns: []string{"method", "test acc", "Δ test", probe, "Δ probe", "lifts the weak modality"},
	}
	for _, g := range groups {
		for _, l := range g.Lifts {
			n := l.Test.N
			row := []string{g.Name + ": " + MethodLabel(l.Method), cell(l.Test, n), missingCell, cell(l.WeakProbe, n), missingCell, missingCell}
			if l.Method != l.Reference {
				row[2], row[4] = signedCell(l.DTest), signedCell(l.DWeakProbe)
				row[5] = "no"
				if l.LiftsWeakModality() {
					row[5] = "yes"
				}
			}
			t.Rows = append(t.Rows, row)
			t.Keys = append(t.Keys, l.Method)
		}
	}
	ref := groups[0].Lifts[0].Reference
	t.Notes = []string{
		"Accuracies are fractions: mean ± half-width of the 95% Student-t confidence interval over seeds.",
		probe + ": linear-probe test accuracy of the method's encoder of the weaker modality (the one whose uni-modal model is less accurate).",
		"Δ: method − " + MethodLabel(ref) + " of the same group, paired by seed; \"yes\" when the interval of Δ probe lies above 0.",
	}
	return t, nil
}

// signedCell formats a paired difference as "+0.012 ± 0.004".
func signedCell(e results.Estimate) string {
	s := fmtAcc(e.Mean)
	if e.Mean >= 0 || s == "0.000" {
		s = "+" + s
	}
	if e.N >= 2 {
		s += " ± " + fmtAcc(e.CI95)
	}
	return s
}

// LiftsCaption is the caption part that quotes WeakModalityTable's groups: per group and method,
// test accuracy and the weak modality's probe, and for every method but the reference the two
// differences from it with whether the probe is lifted beyond the interval. Every number is
// named name.<group>.<method>.<quantity> (NumberKey of the group's Name and the method;
// quantity test, weak_probe, d_test or d_weak_probe, each an estimate with its .ci), e.g.
// "imbalance.lazypair.sgd.ogmge.d_weak_probe".
func LiftsCaption(groups []LiftGroup, name string) Part {
	var parts []Part
	for _, g := range groups {
		for _, l := range g.Lifts {
			key := func(q string) string {
				return fmt.Sprintf("%s.%s.%s.%s", name, NumberKey(g.Name), NumberKey(l.Method), q)
			}
			p := CaptionPart("%s, %s: test %v, probe m%d %v", g.Name, MethodLabel(l.Method),
				E(key("test"), l.Test), l.Weak, E(key("weak_probe"), l.WeakProbe))
			if l.Method != l.Reference {
				verdict := "does not lift it beyond the interval"
				if l.LiftsWeakModality() {
					verdict = "lifts it beyond the interval"
				}
				p = JoinParts(" ", p, CaptionPart("(− %s: test %+v, probe %+v, %s)", MethodLabel(l.Reference),
					E(key("d_test"), l.DTest), E(key("d_weak_probe"), l.DWeakProbe), verdict))
			}
			parts = append(parts, p)
		}
	}
	return JoinParts("; ", parts...)
}
