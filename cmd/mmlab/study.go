package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/figures"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// studyCommand runs "run" or "choose": parse, run the study, choose (for choose), write the
// JSON and print the table.
func studyCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	a, study, help, err := parseStudyArgs(cmd, args, stdout)
	if err != nil || help {
		return err
	}
	storeText, libraryTalks, err := prepareStudy(cmd, a, study, stderr)
	if err != nil {
		return err
	}

	res, err := mmlab.RunStudy(ctx, *study)
	// Results that could not be stored are complete: report them (and write --out), then fail.
	var saveErr *mmlab.SaveError
	if errors.As(err, &saveErr) {
		err = nil
	}
	if err != nil {
		if ctx.Err() != nil && study.Store != nil {
			return fmt.Errorf("interrupted; the runs finished so far are in the results store (%v)", err)
		}
		return err
	}
	if !libraryTalks { // the library printed nothing: warnings are never silenced
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, "mmlab: warning:", w)
		}
	}
	if !a.quiet && !libraryTalks {
		fmt.Fprintf(stderr, "mmlab %s: %d runs trained, %d loaded (%d retrained as dependencies) in %.1f s\n",
			cmd, res.Trained, res.Loaded, res.Retrained, res.Seconds)
	}

	var choice *results.Choice
	var rec *recommendationJSON
	if cmd == "choose" {
		c, err := results.ChooseByRule(a.rule, res.Runs, a.tol)
		if err != nil {
			return err
		}
		choice = &c
		rec = recommendation(c.Method, res.Dataset, seedsArg(study.RunSeeds()), a.allOptions, a.recommend)
	}
	rep := newReport(cmd, res, study, choice)
	if rec != nil {
		rep.Choice.Recommended = rec
		rep.Options = a.allOptions // as given, with those of the recommended method the study does not train
	}

	if err := writeStudyOutputs(cmd, a, res, study, rep, choice, rec, storeText, stdout, stderr); err != nil {
		return err
	}
	if saveErr != nil {
		return saveErr
	}
	return nil
}

// prepareStudy sets the study's backend, results store and progress output: the library
// talks (bar and messages on stderr) only on a terminal, and off it one line announces the
// study unless --quiet.
func prepareStudy(cmd string, a *studyArgs, study *mmlab.Study, stderr io.Writer) (storeText string, libraryTalks bool, err error) {
	if study.Backend, err = mmlab.DefaultBackend(); err != nil {
		return "", false, err
	}
	storeText = "results store off (--no-store)"
	if !a.noStore {
		store, err := openCLIStore(stderr)
		if err != nil {
			return "", false, err
		}
		study.Store = store
		storeText = "results store " + store.Home()
	}
	// The library draws a progress bar and prints its messages on stderr — but only on a
	// terminal: in a log file the bar would be a stream of carriage returns.
	libraryTalks = !a.quiet && isTerminal(stderr)
	study.Quiet, study.Output = !libraryTalks, stderr
	// The same for the dataset-generation bar; --no-store writes nothing under the home, the
	// dataset cache included (a cache file already there is still used).
	datasets.DefaultCache.NoBar, datasets.DefaultCache.ReadOnly = !libraryTalks, a.noStore
	if !a.quiet && !libraryTalks {
		fmt.Fprintf(stderr, "mmlab %s: %s on %s, %s, %s …\n",
			cmd, strings.Join(study.Methods, ", "), study.Dataset, seedsText(study.RunSeeds()), storeText)
	}
	return storeText, libraryTalks, nil
}

// writeStudyOutputs writes the report to --out and the runs to --csv and prints the table with
// the recommendation: on stdout, or on stderr when stdout holds the JSON (--out -).
func writeStudyOutputs(cmd string, a *studyArgs, res *mmlab.StudyResult, study *mmlab.Study, rep *report, choice *results.Choice, rec *recommendationJSON, storeText string, stdout, stderr io.Writer) error {
	tableOut := stdout
	if a.out == "-" { // stdout holds the JSON alone
		tableOut = stderr
		if a.quiet {
			tableOut = io.Discard
		}
	}
	if err := writeOutJSON(a.out, rep, stdout); err != nil {
		return err
	}
	if err := printResults(tableOut, cmd, res, study, storeText, choice); err != nil {
		return err
	}
	if a.csv != "" {
		if err := writeResultsCSV(a.csv, res.Runs); err != nil {
			return err
		}
	}
	if rec != nil {
		fmt.Fprintf(tableOut, "  Recommended configuration: %s; train it with:\n    %s\n", figures.MethodLabel(rec.Method), rec.Command)
	}
	return nil
}

// writeOutJSON writes v as indented JSON to the --out path: nothing for "", stdout for "-",
// else the file, atomically.
func writeOutJSON(path string, v any, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the JSON: %w", err)
	}
	data = append(data, '\n')
	if path == "-" {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("writing the JSON: %w", err)
		}
	} else if err := results.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// openCLIStore opens the results store at $MMLAB_HOME, reporting corrupt records on stderr (a
// corrupt record has been moved aside; the study then recomputes the run).
func openCLIStore(stderr io.Writer) (*results.Store, error) {
	store, err := results.OpenStore("")
	if err != nil {
		return nil, fmt.Errorf("results store: %w", err)
	}
	store.OnCorrupt = func(err *results.CorruptError) {
		fmt.Fprintf(stderr, "mmlab: warning: %v; recomputing it\n", err)
	}
	return store, nil
}

// recommendationJSON is the configuration choose recommends: the method, the options given that
// concern it (model, train, probe and its own group), every resolved option of its runs, and
// the command that trains it on the same data and seeds.
type recommendationJSON struct {
	Method  string            `json:"method"`  // "ume" or "umt"
	Options map[string]string `json:"options"` // the given options that concern it ("group.key" → value)
	Config  map[string]any    `json:"config"`  // every resolved option of its runs ("group.key" → value)
	Command string            `json:"command"` // e.g. "mmlab run --data … --methods umt --seeds 5 --opt umt.free_dims=64"
}

// recommendation builds the recommended configuration of method from the options as given and
// their resolved configuration cfg (which includes method).
func recommendation(method, dataset, seeds string, given map[string]string, cfg *mmlab.Config) *recommendationJSON {
	r := &recommendationJSON{Method: method, Options: map[string]string{}, Config: cfg.Values(method)}
	args := []string{"mmlab", "run", "--data", shellQuote(dataset), "--methods", method, "--seeds", seeds}
	for _, key := range slices.Sorted(maps.Keys(given)) {
		if _, ok := r.Config[key]; ok {
			r.Options[key] = given[key]
			args = append(args, "--opt", shellQuote(key+"="+given[key]))
		}
	}
	r.Command = strings.Join(args, " ")
	return r
}

// shellQuote returns s as one POSIX shell word: unchanged when it holds only characters no shell
// treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:=/+@%", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"

}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// printResults prints the human-readable results: a header, the results table
// (figures.ResultsTable), the laziness gaps and, for choose, the choice with its evidence.
func printResults(w io.Writer, cmd string, res *mmlab.StudyResult, study *mmlab.Study, storeText string, choice *results.Choice) error {
	table, err := figures.ResultsTable(res.Runs)
	if err != nil {
		return err
	}
	table.Title = fmt.Sprintf("mmlab %s: %s", cmd, res.Dataset)
	fmt.Fprintf(w, "%s\n", table.Markdown())
	fmt.Fprintf(w, "Runs: %d (%d trained, %d loaded, %d retrained as dependencies) on %s in %.1f s; %s.\n",
		len(res.Runs), res.Trained, res.Loaded, res.Retrained, seedsText(study.RunSeeds()), res.Seconds, storeText)

	var gaps []string
	width := 10 // of the method column: the longest label, e.g. "joint, width-matched"
	for _, method := range res.Methods {
		width = max(width, len(figures.MethodLabel(method)))
	}
	for _, method := range res.Methods {
		if method == results.UniMethod {
			continue
		}
		gap, err := results.LazinessGap(res.Runs, method)
		if err != nil {
			continue // a method without encoder probes has no gap
		}
		cells := make([]string, len(gap))
		for m, g := range gap {
			cells[m] = fmt.Sprintf("m%d %+.3f ± %.3f", m, g.Mean, g.CI95)
		}
		gaps = append(gaps, fmt.Sprintf("  %-*s %s", width, figures.MethodLabel(method), strings.Join(cells, "   ")))
	}
	if len(gaps) > 0 {
		fmt.Fprintln(w, "\nLaziness gap, probe(uni-modal) − probe(method), paired over seeds (mean ± 95% CI):")
		fmt.Fprintln(w, strings.Join(gaps, "\n"))
	}

	if choice != nil {
		fmt.Fprintf(w, "\nChoice: %s (%s)\n  %s\n", figures.MethodLabel(choice.Method), decisiveText(choice), choice.Reason)
		if choice.UMEValAcc.N > 0 { // paired-info reads no UME or joint run
			fmt.Fprintf(w, "  Validation accuracy over seeds: UME %s, joint %s.\n",
				estimateText(choice.UMEValAcc), estimateText(choice.JointValAcc))
		}
	}
	return nil
}

// decisiveText says whether choice is decisive, in the terms of its rule's evidence: the margin
// UME − joint against −tol (ume-vs-joint) or the paired-information gain against the threshold.
func decisiveText(choice *results.Choice) string {
	evidence, n, bound := "margin", choice.Margin.N, "−tol"
	if choice.Rule == results.ChooseRulePairedInfo {
		evidence, n, bound = "gain", choice.PairedLLGain.N, "the threshold"
	}
	switch {
	case n < 2:
		return "not decisive: one seed has no confidence interval"
	case choice.Decisive:
		return fmt.Sprintf("decisive: the %s's whole 95%% interval is on the chosen side of %s", evidence, bound)
	}
	return fmt.Sprintf("not decisive: the %s's 95%% interval crosses %s, so more seeds could change the choice", evidence, bound)
}

// estimateText formats an estimate as "0.9500 ± 0.0248", or the mean alone for one seed.
func estimateText(e results.Estimate) string {
	if e.N < 2 {
		return fmt.Sprintf("%.4f", e.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", e.Mean, e.CI95)
}

// report is the JSON that --out writes. README.md ("The CLI") documents it.
type report struct {
	Command string `json:"command"` // "run" or "choose"
	Dataset string `json:"dataset"` // the resolved spec, every key
	// ModalityNames are the dataset's modality names ("image", "audio"), which name modality m of
	// probe_acc, shapley and the "uni/m<m>" summaries; absent when the runs do not record them.
	ModalityNames []string               `json:"modality_names,omitempty"`
	Methods       []string               `json:"methods"`  // the study's methods with their dependencies, in run order
	Seeds         []int                  `json:"seeds"`    // the run seeds (--seeds), in order
	Options       map[string]string      `json:"options"`  // the options as given (--opt, --epochs)
	Config        map[string]any         `json:"config"`   // every resolved option of every method ("group.key" → value)
	Versions      results.Versions       `json:"versions"` // of the software writing this file; each run has its own
	Trained       int                    `json:"trained"`
	Loaded        int                    `json:"loaded"`
	Retrained     int                    `json:"retrained"`
	Seconds       float64                `json:"seconds"`
	Warnings      []string               `json:"warnings"`
	Runs          []runJSON              `json:"runs"`
	Summary       map[string]summaryJSON `json:"summary"`
	Choice        *choiceJSON            `json:"choice,omitempty"`
}

// runJSON is one run: one method, one seed and, for uni, one modality.
type runJSON struct {
	Method       string              `json:"method"`
	Modality     *int                `json:"modality"` // null for multi-modal methods
	Seed         int                 `json:"seed"`
	Key          string              `json:"key"` // the results-store key
	ValAcc       float64             `json:"val_acc"`
	TestAcc      float64             `json:"test_acc"`
	SubsetAcc    map[string]*float64 `json:"subset_acc"`    // all, both_hard, pair_only always present; null when empty
	ProbeAcc     []*float64          `json:"probe_acc"`     // per modality; null where the method has no encoder
	TrainSeconds float64             `json:"train_seconds"` // wall time: varies between runs of the same key
	// Params and TrainFLOPs are the run's cost (results.Run); 0 for runs stored before they were recorded.
	Params     int     `json:"params"`
	TrainFLOPs float64 `json:"train_flops"` // per training sample
	// Shapley holds the modality contributions (results.Shapley); null where the predictor has none.
	Shapley  *results.Shapley `json:"shapley"`
	Versions results.Versions `json:"versions"`
}

// summaryJSON is one row of results.Summaries: means and 95% CI half-widths over seeds; null
// where the row has no such number.
type summaryJSON struct {
	N               int                 `json:"n"`
	Seeds           []int               `json:"seeds"`
	TestAccMean     *float64            `json:"test_acc_mean"`
	TestAccCI95     *float64            `json:"test_acc_ci95"`
	ValAccMean      *float64            `json:"val_acc_mean"`
	ValAccCI95      *float64            `json:"val_acc_ci95"`
	ProbeAccMean    []*float64          `json:"probe_acc_mean"`
	ProbeAccCI95    []*float64          `json:"probe_acc_ci95"`
	SubsetAccMean   map[string]*float64 `json:"subset_acc_mean"`
	SubsetAccCI95   map[string]*float64 `json:"subset_acc_ci95"`
	LazinessGapMean []*float64          `json:"laziness_gap_mean,omitempty"`
	LazinessGapCI95 []*float64          `json:"laziness_gap_ci95,omitempty"`
	// Cost over the runs that recorded it (null where none did); train seconds vary with the load.
	ParamsMean       *float64 `json:"params_mean"`
	TrainFLOPsMean   *float64 `json:"train_flops_mean"`
	TrainSecondsMean *float64 `json:"train_seconds_mean"`
	TrainSecondsCI95 *float64 `json:"train_seconds_ci95"`
	// ShapleyMean[m], ShapleyCI95[m]: modality m's Shapley value of test accuracy over seeds
	// (results.ShapleyContribution); absent where the method's runs have none.
	ShapleyMean []*float64 `json:"shapley_mean,omitempty"`
	ShapleyCI95 []*float64 `json:"shapley_ci95,omitempty"`
}

// choiceJSON is results.Choice.
type choiceJSON struct {
	Rule   string `json:"rule"`   // the rule, e.g. "ume-vs-joint" (--rule)
	Method string `json:"method"` // "ume" or "umt"
	// The ume-vs-joint rule's evidence, null for a rule that reads no UME or joint run (paired-info).
	UMEValAcc       *float64 `json:"ume_val_acc"`
	UMEValAccCI95   *float64 `json:"ume_val_acc_ci95"` // null with one seed
	JointValAcc     *float64 `json:"joint_val_acc"`
	JointValAccCI95 *float64 `json:"joint_val_acc_ci95"`
	Margin          *float64 `json:"margin"` // UME − joint, mean of the paired per-seed differences
	MarginCI95      *float64 `json:"margin_ci95"`
	Tolerance       float64  `json:"tolerance"`
	Seeds           []int    `json:"seeds"`
	Decisive        bool     `json:"decisive"`
	Reason          string   `json:"reason"`
	// PairedLLGain and PairedAccGain are the paired-info rule's evidence (results.Choice), absent
	// for other rules.
	PairedLLGain      *float64 `json:"paired_ll_gain,omitempty"`
	PairedLLGainCI95  *float64 `json:"paired_ll_gain_ci95,omitempty"`
	PairedAccGain     *float64 `json:"paired_acc_gain,omitempty"`
	PairedAccGainCI95 *float64 `json:"paired_acc_gain_ci95,omitempty"`
	RuleSeconds       float64  `json:"rule_seconds"` // the rule's own wall time (0 for ume-vs-joint)
	// Recommended is the configuration to train: the method with its options.
	Recommended *recommendationJSON `json:"recommended,omitempty"`
}

// reportSubsets are the diagnostic subsets every run and summary lists, null when the test split
// has none of their samples (pair_only without paired signal) — docs/DESIGN.md §2.1.
var reportSubsets = []string{"all", figures.SubsetBothHard, figures.SubsetPairOnly}

// newReport converts a study's result into the JSON report.
func newReport(cmd string, res *mmlab.StudyResult, study *mmlab.Study, choice *results.Choice) *report {
	rep := &report{
		Command:       cmd,
		Dataset:       res.Dataset,
		ModalityNames: results.ModalityNamesOf(res.Runs),
		Methods:       res.Methods,
		Options:       study.Options,
		Config:        map[string]any{},
		Versions:      mmlab.CurrentVersions(fmt.Sprint(study.Backend)),
		Trained:       res.Trained,
		Loaded:        res.Loaded,
		Retrained:     res.Retrained,
		Seconds:       res.Seconds,
		Warnings:      append([]string{}, res.Warnings...),
		Runs:          []runJSON{},
		Summary:       map[string]summaryJSON{},
	}
	rep.Seeds = study.RunSeeds()
	for _, m := range res.Methods {
		for k, v := range res.Config.Values(m) {
			rep.Config[k] = v
		}
	}
	for _, r := range res.Runs {
		rep.Runs = append(rep.Runs, newRunJSON(r))
	}
	for key, s := range results.Summaries(res.Runs) {
		rep.Summary[key] = newSummaryJSON(key, s, res.Runs)
	}
	if choice != nil {
		rep.Choice = newChoiceJSON(choice)
	}
	return rep
}

// newRunJSON converts one run into its JSON row; every diagnostic subset is listed, null
// when the run has no accuracy on it.
func newRunJSON(r results.Run) runJSON {
	subsets := map[string]*float64{}
	for _, name := range reportSubsets {
		subsets[name] = nil
	}
	for name, acc := range r.SubsetAcc {
		subsets[name] = ptr(acc)
	}
	return runJSON{
		Method: r.Method, Modality: r.Modality, Seed: r.Seed, Key: r.Key,
		ValAcc: r.ValAcc, TestAcc: r.TestAcc, SubsetAcc: subsets, ProbeAcc: r.ProbeAcc,
		TrainSeconds: r.TrainSeconds, Params: r.Params, TrainFLOPs: r.TrainFLOPs, Shapley: r.Shapley, Versions: r.Versions,
	}
}

// newSummaryJSON converts the summary of key (a method, or method/modality) into its JSON row,
// with a method's Shapley contributions and laziness gaps computed from runs.
func newSummaryJSON(key string, s results.MethodSummary, runs []results.Run) summaryJSON {
	row := summaryJSON{N: s.N, Seeds: s.Seeds,
		SubsetAccMean: map[string]*float64{}, SubsetAccCI95: map[string]*float64{}}
	row.TestAccMean, row.TestAccCI95 = estimatePtrs(s.TestAcc)
	row.ValAccMean, row.ValAccCI95 = estimatePtrs(s.ValAcc)
	for _, p := range s.ProbeAcc {
		var mean, ci *float64
		if p != nil {
			mean, ci = estimatePtrs(*p)
		}
		row.ProbeAccMean = append(row.ProbeAccMean, mean)
		row.ProbeAccCI95 = append(row.ProbeAccCI95, ci)
	}
	if s.TestAcc.N > 0 { // the per-modality pooled row ("uni") has no predictions, hence no subsets
		for _, name := range reportSubsets {
			row.SubsetAccMean[name], row.SubsetAccCI95[name] = nil, nil
		}
	}
	for name, e := range s.SubsetAcc {
		row.SubsetAccMean[name], row.SubsetAccCI95[name] = estimatePtrs(e)
	}
	row.ParamsMean, _ = estimatePtrs(s.Params)
	row.TrainFLOPsMean, _ = estimatePtrs(s.TrainFLOPs)
	row.TrainSecondsMean, row.TrainSecondsCI95 = estimatePtrs(s.TrainSeconds)
	if s.Modality == nil && !s.PerModality {
		if sh, err := results.ShapleyContribution(runs, key); err == nil {
			for _, e := range sh {
				mean, ci := estimatePtrs(e)
				row.ShapleyMean, row.ShapleyCI95 = append(row.ShapleyMean, mean), append(row.ShapleyCI95, ci)
			}
		}
		if gap, err := results.LazinessGap(runs, key); err == nil {
			for _, g := range gap {
				row.LazinessGapMean = append(row.LazinessGapMean, ptr(g.Mean))
				row.LazinessGapCI95 = append(row.LazinessGapCI95, ptr(g.CI95))
			}
		}
	}
	return row
}

// newChoiceJSON converts a choice into its JSON form.
func newChoiceJSON(choice *results.Choice) *choiceJSON {
	c := &choiceJSON{Rule: choice.Rule, Method: choice.Method, Tolerance: choice.Tolerance, Seeds: choice.Seeds,
		Decisive: choice.Decisive, Reason: choice.Reason}
	c.UMEValAcc, c.UMEValAccCI95 = estimatePtrs(choice.UMEValAcc)
	c.JointValAcc, c.JointValAccCI95 = estimatePtrs(choice.JointValAcc)
	c.Margin, c.MarginCI95 = estimatePtrs(choice.Margin)
	c.PairedLLGain, c.PairedLLGainCI95 = estimatePtrs(choice.PairedLLGain)
	c.PairedAccGain, c.PairedAccGainCI95 = estimatePtrs(choice.PairedAccGain)
	c.RuleSeconds = choice.RuleSeconds
	return c
}

// estimatePtrs returns an estimate's mean and CI95 half-width, both nil when it has no values
// (N = 0), and a nil CI95 for a single value (one seed has no interval).
func estimatePtrs(e results.Estimate) (mean, ci95 *float64) {
	if e.N == 0 {
		return nil, nil
	}
	if e.N == 1 {
		return ptr(e.Mean), nil
	}
	return ptr(e.Mean), ptr(e.CI95)
}

// ptr returns a pointer to a copy of v (nil for NaN or infinities, which JSON cannot hold; the
// results store refuses them, so they do not occur).
func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
