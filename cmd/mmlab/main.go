package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the study failed: training, the store, writing the output, interrupted
	exitUsage   = 2 // bad input: flags, dataset spec, options, method names
)

// Defaults of the study flags: the default study of docs/DESIGN.md §2.1 (LazyPair at its measured
// defaults, the four methods of the paper's comparison, 5 seeds).
const (
	defaultData    = datasets.LazyPairName
	defaultMethods = "uni,joint,ume,umt"
	defaultSeeds   = "5"
)

func main() {
	os.Exit(mainExit())
}

// usageError is bad input from the user: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is the whole command: it parses args (without the program name), writes results to stdout
// and progress, warnings and errors to stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	// SIGTERM (kill, systemd, batch schedulers) stops a study like SIGINT (Ctrl-C).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "run", "choose":
		err = studyCommand(ctx, cmd, rest, stdout, stderr)
	case "runs":
		err = runsCommand(rest, stdout, stderr)
	case "sweep":
		err = sweepCommand(ctx, rest, stdout, stderr)
	case "collect":
		err = collectCommand(rest, stdout, stderr)
	case "plot":
		err = plotCommand(rest, stdout, stderr)
	case "options":
		if len(rest) > 0 {
			err = usagef("options takes no arguments, got %q", rest)
			break
		}
		printOptions(stdout)
	case "help", "-h", "-help", "--help":
		err = help(rest, stdout)
	default:
		err = usagef("unknown command %q; commands: run, choose, options, help, runs, plot, sweep, collect", cmd)
	}
	if err == nil {
		return exitOK
	}
	// One line, whatever the underlying message holds.
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintf(stderr, "mmlab %s: %s\n", cmd, msg)
	if errors.As(err, new(usageError)) || errors.As(err, new(*mmlab.InputError)) {
		return exitUsage
	}
	return exitFailure
}

const mainUsage = `mmlab — train and compare multi-modal methods headless (joint training, UME, UMT, ...).

Usage:
  mmlab run     [flags]  run a study: every method on every seed; print a results table
  mmlab choose  [flags]  recommend UME or UMT from uni-modal and joint runs (validation accuracy)
  mmlab runs    [flags]  list the stored runs; "runs show KEY", "runs rm KEY"
  mmlab plot    [flags]  draw a figure from a study's JSON (--out) or the stored runs to SVG, PNG or HTML
  mmlab sweep   [flags]  run a grid of studies (--grid), whole or by shards; write Slurm or Kubernetes jobs
  mmlab collect [flags]  merge a sweep's results from the store into one JSON (--out) and CSV
  mmlab options          list every --opt option with its default, and the dataset spec keys
  mmlab help [command]   help on a command ("run", "choose", "options")

Examples:
  mmlab run --data lazypair --methods uni,joint,ume,umt --seeds 5 --out study.json
  mmlab run --data lazypair:rho=0.7,pi=0.4 --methods joint,umt,joint_wide --opt umt.free_dims=64 --opt umt.lambda=10
  mmlab choose --data lazypair:pi=0.5,pair=add --seeds 5

Results are kept in the store at $MMLAB_HOME (default ~/.cache/mmlab): repeating a command
loads its runs instead of training them. Run "mmlab help run" for the flags.
`

// help prints the help text args ask for.
func help(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, mainUsage)
		return nil
	}
	if len(args) > 1 {
		return usagef("help takes at most one topic, got %q", args)
	}
	switch args[0] {
	case "run", "choose":
		fs, _ := studyFlags(args[0])
		printStudyUsage(stdout, fs)
	case "runs":
		runsCommand([]string{"-h"}, stdout, io.Discard)
	case "plot":
		plotCommand([]string{"-h"}, stdout, io.Discard)
	case "sweep", "collect":
		fs, _ := sweepFlags(args[0])
		printSweepUsage(stdout, fs)
	case "options":
		printOptions(stdout)
	default:
		return usagef("no help on %q; topics: run, choose, options, runs, plot, sweep, collect", args[0])
	}
	return nil
}

// studyArgs are the parsed flags of run and choose.
type studyArgs struct {
	data, methods, out, rule string
	csv                      string // --csv FILE: the results table as CSV
	config                   string // --config FILE: the study file (studyfile.go)
	seeds                    string // --seeds as given; parseSeeds reads it
	epochs                   int
	tol                      float64
	opts                     optionFlags
	noStore, quiet           bool
	// For choose: every option as given (the study's and those of the methods the rule may
	// recommend but the study does not train, e.g. umt.free_dims), and their resolved
	// configuration with those methods added (what the recommendation reports).
	allOptions map[string]string
	recommend  *mmlab.Config
}

// recommendable are the methods choose may recommend; their options are accepted by choose
// even though the study does not train them, and reported with the recommendation.
var recommendable = []string{results.UMEMethod, results.UMTMethod}

// optionFlags collects repeated --opt GROUP.KEY=VALUE flags, in order.
type optionFlags []string

// String implements flag.Value.
func (o *optionFlags) String() string { return strings.Join(*o, " ") }

// Set implements flag.Value.
func (o *optionFlags) Set(v string) error {
	*o = append(*o, v)
	return nil
}

// studyFlags defines the flags of command cmd ("run" or "choose").
func studyFlags(cmd string) (*flag.FlagSet, *studyArgs) {
	a := &studyArgs{}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, in one line
	fs.StringVar(&a.data, "data", defaultData,
		"dataset spec `NAME:key=value,...`, e.g. lazypair:rho=0.7,pi=0.4,pair=add; keys not given keep their defaults (mmlab options lists them)")
	if cmd == "run" {
		fs.StringVar(&a.methods, "methods", defaultMethods,
			"comma-separated `LIST` of methods (registered: "+strings.Join(mmlab.Methods(), ", ")+"); what they require is added (ume and umt bring uni)")
	} else {
		fs.Float64Var(&a.tol, "tol", results.DefaultChooseTolerance,
			"tolerance `T` of the rule (not given: the rule's default, "+results.ChooseRuleUMEvsJoint+": in validation accuracy, choose UME if acc(UME) ≥ acc(joint) − tol, else UMT; "+
				results.ChooseRulePairedInfo+": the threshold in nats on the paired-information gain, results.ChoosePairedInfo)")
		fs.StringVar(&a.rule, "rule", results.ChooseRuleUMEvsJoint,
			"the choice `RULE` (rules: "+strings.Join(results.ChooseRules(), ", ")+")")
	}
	fs.StringVar(&a.seeds, "seeds", defaultSeeds, seedsHelp)
	fs.IntVar(&a.epochs, "epochs", 0, "shorthand for --opt train.epochs=`E` (default: that option's default)")
	fs.Var(&a.opts, "opt", "set an option, `GROUP.KEY=VALUE`, e.g. umt.lambda=10, model.hidden=64,64, train.epochs=150; repeatable (mmlab options lists them)")
	fs.StringVar(&a.out, "out", "", "write every run and the summary as JSON to `FILE` (\"-\": stdout, and the table goes to stderr)")
	fs.StringVar(&a.csv, "csv", "", "write the results table as CSV (a header row, then one row per method) to `FILE`")
	fs.BoolVar(&a.noStore, "no-store", false, "do not use the results store: train every run, save nothing")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress bar or messages on stderr (warnings are still printed)")
	fs.StringVar(&a.config, "config", "", "read the study from `FILE`: KEY = VALUE lines naming these flags and GROUP.KEY options (below); flags given override it")
	return fs, a
}

// printStudyUsage prints the help of a study command with its flags.
func printStudyUsage(w io.Writer, fs *flag.FlagSet) {
	switch fs.Name() {
	case "run":
		fmt.Fprint(w, `Usage: mmlab run [flags]

Trains (or loads from the results store) every method on the run seeds (--seeds) of one dataset and
prints a table per method: test and validation accuracy, linear-probe accuracy of each
modality's encoder, accuracy on the both_hard and pair_only subsets, as mean ± 95% CI over
seeds; then the laziness gap, probe(uni) − probe(method), of every method with encoders.

`)
	case "choose":
		fmt.Fprint(w, `Usage: mmlab choose [flags]

Trains (or loads) the uni-modal models and joint training on the run seeds (--seeds), composes UME, and
recommends UME or UMT by the project's rule (docs/DESIGN.md §5; the paper's exact wording is
unverified): UME if its mean validation accuracy is ≥ joint's − tol, else UMT. Prints the
table of those runs and the choice with its evidence (both accuracies, the paired margin
UME − joint with its 95% CI, whether the interval is decisive), then the recommended
configuration: the method, its options and the mmlab run command that trains it. With
--rule paired-info it trains only the uni-modal models and decides by the paired-information
gain of the data against a threshold (results.ChoosePairedInfo); its evidence is that gain. Options of
the methods it may recommend (ume, umt) are accepted, e.g. --opt umt.free_dims=64: they do not
change the runs choose trains, only the recommended configuration.

`)
	}
	fmt.Fprintln(w, "Flags (one or two dashes):")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintln(w)
	fmt.Fprint(w, studyFileHelp)
}

// parseStudyArgs parses and checks the flags of cmd, resolving the dataset spec, methods and
// options as the library will (so bad input is a usage error before anything trains).
func parseStudyArgs(cmd string, args []string, stdout io.Writer) (a *studyArgs, study *mmlab.Study, help bool, err error) {
	fs, a := studyFlags(cmd)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printStudyUsage(stdout, fs)
			return nil, nil, true, nil
		}
		return nil, nil, false, usagef("%v (see mmlab help %s)", err, cmd)
	}
	if fs.NArg() > 0 {
		return nil, nil, false, usagef("unexpected argument %q: flags only (see mmlab help %s)", fs.Arg(0), cmd)
	}
	// The study file fills in the flags not given; its options come before the --opt flags.
	src := &studySources{}
	epochsFromFile := false
	if a.config != "" {
		var fileOpts []string
		if fileOpts, src, err = applyStudyFile(fs, a.config); err != nil {
			return nil, nil, false, err
		}
		_, epochsFromFile = src.fromFile["epochs"]
		a.opts = mergeOptions(fileOpts, a.opts, src)
	}
	seeds, err := parseSeeds(a.seeds)
	if err != nil {
		return nil, nil, false, src.wrap("seeds", err)
	}
	if cmd == "choose" {
		if err := checkChooseFlags(fs, a, src); err != nil {
			return nil, nil, false, err
		}
	}
	spec, err := datasets.ParseSpec(a.data)
	if mem := (*datasets.MemoryError)(nil); errors.As(err, &mem) {
		return nil, nil, false, fmt.Errorf("--data: %w", err) // the machine is too small: a failure, not bad input
	}
	if err != nil {
		return nil, nil, false, src.wrap("data", usagef("--data: %v", err))
	}
	methods := studyMethods(cmd, a)
	options, err := parseOptFlags(a.opts)
	if err != nil {
		return nil, nil, false, err
	}
	if err := applyEpochsFlag(fs, a, options, src, epochsFromFile); err != nil {
		return nil, nil, false, err
	}
	if cmd == "choose" {
		if err := splitRecommendOptions(a, methods, options, src); err != nil {
			return nil, nil, false, err
		}
	}
	if err := checkFileOptions(methods, options, src); err != nil {
		return nil, nil, false, err
	}
	cfg, err := mmlab.ParseConfig(methods, options)
	if err != nil {
		return nil, nil, false, usageError{err}
	}
	if err := checkOutputFlags(a, src); err != nil {
		return nil, nil, false, err
	}
	return a, &mmlab.Study{Dataset: spec.String(), Spec: spec, Methods: methods, Seeds: len(seeds), SeedList: seeds, Options: options, Config: cfg}, false, nil
}

// checkChooseFlags checks choose's --tol and --rule and, when --tol is not given, sets the
// rule's own tolerance.
func checkChooseFlags(fs *flag.FlagSet, a *studyArgs, src *studySources) error {
	if math.IsNaN(a.tol) || math.IsInf(a.tol, 0) || a.tol < 0 {
		return src.wrap("tol", usagef("--tol %v: want a finite value ≥ 0 (default %v)", a.tol, results.DefaultChooseTolerance))
	}
	if !slices.Contains(results.ChooseRules(), a.rule) {
		return src.wrap("rule", usagef("--rule %q: unknown rule; rules: %s", a.rule, strings.Join(results.ChooseRules(), ", ")))
	}
	if !setFlag(fs, "tol") {
		a.tol, _ = results.ChooseRuleTolerance(a.rule) // the rule is known (checked above)
	}
	return nil
}

// studyMethods lists the methods cmd trains: run's --methods, or what choose's rule reads
// (ume-vs-joint: the uni-modal models, their ensemble and joint training; paired-info: the
// uni-modal models only).
func studyMethods(cmd string, a *studyArgs) []string {
	if cmd != "run" {
		methods, _ := results.ChooseRuleMethods(a.rule) // the rule is known (checked by checkChooseFlags)
		return methods
	}
	var methods []string
	for m := range strings.SplitSeq(a.methods, ",") {
		methods = append(methods, strings.ToLower(strings.TrimSpace(m)))
	}
	return methods
}

// applyEpochsFlag puts a given --epochs into options as train.epochs; given together with
// train.epochs, the flag or --opt overrides the study file, and both from the same place are
// a usage error.
func applyEpochsFlag(fs *flag.FlagSet, a *studyArgs, options map[string]string, src *studySources, epochsFromFile bool) error {
	if !setFlag(fs, "epochs") {
		return nil
	}
	key := mmlab.GroupTrain + ".epochs"
	_, optFromFile := src.fromFile[key]
	_, dup := options[key]
	switch {
	case dup && epochsFromFile && !optFromFile: // --opt train.epochs overrides the file's epochs
	case dup && !epochsFromFile && optFromFile: // --epochs overrides the file's train.epochs
		delete(src.fromFile, key)
		options[key] = strconv.Itoa(a.epochs)
	case dup && epochsFromFile:
		return usagef("--config %s: epochs and %s both given: use one", a.config, key)
	case dup:
		return usagef("--epochs and --opt %s both given: use one", key)
	default:
		options[key] = strconv.Itoa(a.epochs)
	}
	return nil
}

// splitRecommendOptions checks choose's options with the methods the rule may recommend
// added, parses the recommended configuration from them, and removes from options those of
// a recommendable method the study does not train (umt), so they do not change its runs.
func splitRecommendOptions(a *studyArgs, methods []string, options map[string]string, src *studySources) error {
	a.allOptions = maps.Clone(options)
	all := slices.Clone(methods)
	for _, m := range recommendable {
		if !slices.Contains(all, m) {
			all = append(all, m)
		}
	}
	if err := checkFileOptions(all, options, src); err != nil {
		return err
	}
	var err error
	if a.recommend, err = mmlab.ParseConfig(all, options); err != nil {
		return usageError{err}
	}
	for key := range options {
		if group, _, _ := strings.Cut(key, "."); slices.Contains(recommendable, group) && !slices.Contains(methods, group) {
			delete(options, key)
		}
	}
	return nil
}

// checkOutputFlags checks that --out and --csv name files that can be written.
func checkOutputFlags(a *studyArgs, src *studySources) error {
	if a.out != "" && a.out != "-" {
		if fi, err := os.Stat(filepath.Dir(a.out)); err != nil || !fi.IsDir() {
			return src.wrap("out", usagef("--out %s: directory %s does not exist", a.out, filepath.Dir(a.out)))
		}
		if fi, err := os.Stat(a.out); err == nil && fi.IsDir() {
			return src.wrap("out", usagef("--out %s is a directory: want a file name, e.g. %s", a.out, filepath.Join(a.out, "results.json")))
		}
	}
	if a.csv == "-" {
		return src.wrap("csv", usagef("--csv -: want a file name (stdout holds the table)"))
	}
	if err := checkOutPath("--csv", a.csv); err != nil {
		return src.wrap("csv", err)
	}
	return nil
}

// parseOptFlags turns repeated --opt GROUP.KEY=VALUE flags into a map; a malformed or
// repeated option is a usage error.
func parseOptFlags(opts optionFlags) (map[string]string, error) {
	options := map[string]string{}
	for _, o := range opts {
		key, value, ok := strings.Cut(o, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, usagef("--opt %q: want GROUP.KEY=VALUE, e.g. umt.lambda=10 (mmlab options lists them)", o)
		}
		if _, dup := options[key]; dup {
			return nil, usagef("--opt %s given twice", key)
		}
		options[key] = value
	}
	return options, nil
}

// setFlag reports whether flag name was given on the command line.
func setFlag(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// printOptions lists every option (mmlab.OptionHelp) and every dataset kind with its spec keys
// and their defaults.
func printOptions(w io.Writer) {
	fmt.Fprintln(w, "Options: set with --opt GROUP.KEY=VALUE (repeatable); --epochs E is train.epochs=E.")
	fmt.Fprintln(w, "Groups: model, train, probe (every study) and a method's name (only if the method is in the study).")
	fmt.Fprintln(w)
	printKeyDocs(w, "OPTION=DEFAULT", "", mmlab.OptionHelp())
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Datasets: --data NAME:key=value,... ; keys not given keep these defaults")
	fmt.Fprintln(w, "(more: go doc github.com/mmlab-go/mmlab/datasets):")
	for _, name := range datasets.Names() {
		docs, err := datasets.DescribeKeys(name)
		switch {
		case err != nil:
			fmt.Fprintf(w, "  %s: %v\n", name, err)
		case docs == nil:
			fmt.Fprintf(w, "  %s: (keys not documented)\n", name)
		default:
			fmt.Fprintf(w, "  %s:\n", name)
			printKeyDocs(w, "    KEY=DEFAULT", "    ", docs)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Methods (--methods):", strings.Join(mmlab.Methods(), ", "))
}

// printKeyDocs prints one aligned line per key: key=default, type, help and choices, under a
// header whose first column is first, every line indented by indent.
func printKeyDocs(w io.Writer, first, indent string, docs []mmlab.OptionDoc) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tTYPE\tMEANING\n", first)
	for _, d := range docs {
		meaning := d.Help
		if len(d.Choices) > 0 {
			meaning += " [choices: " + strings.Join(d.Choices, "|") + "]"
		}
		fmt.Fprintf(tw, "%s%s=%s\t%s\t%s\n", indent, d.Key, d.Default, d.Type, meaning)
	}
	tw.Flush()
}
