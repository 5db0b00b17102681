package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/figures"
	"github.com/mmlab-go/mmlab/results"
)

const runsUsage = `Usage:
  mmlab runs [--data SPEC] [--method M] [--seed S] [--csv FILE]   list the stored runs
  mmlab runs show KEY                                             print one run record as JSON
  mmlab runs rm KEY                                               remove one run (record and weights)

KEY may be the start of a key (4 characters or more) if it names one stored run.

Lists the runs in the results store at $MMLAB_HOME (default ~/.cache/mmlab), one line each:
method, modality (uni-modal runs), seed, key, test and validation accuracy, dataset (the
resolved spec), ordered by dataset, method, modality, seed. --data NAME keeps the runs of that dataset kind, --data NAME:key=value,... those of
that resolved spec; --seed takes N, A-B or a,b,c and keeps the runs of those seeds (here "3" is
seed 3 alone). A run removed with rm is retrained by the next study that needs it.

`

// runsColumns are the columns of the listing (and of its CSV).
var runsColumns = []string{"method", "modality", "seed", "key", "test_acc", "val_acc", "dataset"}

// runsCommand is "mmlab runs": list, show or remove stored runs.
func runsCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "show" || args[0] == "rm") {
		if len(args) != 2 {
			return usagef("runs %s takes one KEY (mmlab runs lists them), got %q", args[0], args[1:])
		}
		store, err := openRunsStore(stderr)
		if err != nil {
			return err
		}
		if args[0] == "show" {
			return showRun(store, args[1], stdout)
		}
		return removeRun(store, args[1], stderr)
	}
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "keep the runs of dataset kind `NAME` or resolved spec NAME:key=value,...")
	method := fs.String("method", "", "keep the runs of method `M`")
	seed := fs.String("seed", "", "keep the runs of seeds `S`: one seed, a range A-B or a list a,b,c")
	csvOut := fs.String("csv", "", "also write the listing as CSV to `FILE` (\"-\": stdout, instead of the table)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printRunsUsage(stdout, fs)
			return nil
		}
		return usagef("%v (see mmlab help runs)", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (see mmlab help runs)", fs.Arg(0))
	}
	keep, err := runsFilter(*data, *method, *seed)
	if err != nil {
		return err
	}
	if err := checkOutPath("--csv", *csvOut); err != nil {
		return err
	}
	store, err := openRunsStore(stderr)
	if err != nil {
		return err
	}
	runs, err := storedRuns(store)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, r := range runs {
		if keep(r) {
			rows = append(rows, runsRowOf(r))
		}
	}
	if *csvOut != "" {
		if err := writeCSV(*csvOut, stdout, runsColumns, rows); err != nil {
			return err
		}
		if *csvOut == "-" {
			return nil
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(runsColumns, "\t")))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d of %d stored runs in %s\n", len(rows), len(runs), store.Home())
	return nil
}

// printRunsUsage prints the help of mmlab runs with its flags.
func printRunsUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, runsUsage)
	fmt.Fprintln(w, "Flags (one or two dashes):")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// openRunsStore opens the results store, warning about (and setting aside) corrupt records.
func openRunsStore(stderr io.Writer) (*results.Store, error) {
	store, err := results.OpenStore("")
	if err != nil {
		return nil, fmt.Errorf("results store: %w", err)
	}
	store.OnCorrupt = func(err *results.CorruptError) { fmt.Fprintf(stderr, "mmlab: warning: %v\n", err) }
	return store, nil
}

// runsFilter returns the test of the --data, --method and --seed filters (empty: keep all).
func runsFilter(data, method, seed string) (func(results.Run) bool, error) {
	var spec string
	if strings.Contains(data, ":") {
		s, err := datasets.ParseSpec(data)
		if err != nil {
			return nil, usagef("--data: %v", err)
		}
		spec = s.String()
	}
	var seeds []int
	if seed != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(seed)); err == nil && n >= 0 {
			seeds = []int{n}
		} else if seeds, err = parseSeeds(seed); err != nil {
			return nil, usagef("--seed %s: want a seed, a range A-B or a list a,b,c", seed)
		}
	}
	method = strings.ToLower(strings.TrimSpace(method))
	return func(r results.Run) bool {
		name, _, _ := strings.Cut(r.Dataset, ":")
		switch {
		case spec != "" && r.Dataset != spec, spec == "" && data != "" && name != data:
			return false
		case method != "" && r.Method != method:
			return false
		case seeds != nil && !slices.Contains(seeds, r.Seed):
			return false
		}
		return true
	}, nil
}

// storedRuns loads every run record of the store, ordered by dataset, method, modality, seed, key.
func storedRuns(store *results.Store) ([]results.Run, error) {
	paths, err := filepath.Glob(filepath.Join(store.Home(), "runs", "*", "*.json"))
	if err != nil {
		return nil, err
	}
	var runs []results.Run
	for _, path := range paths {
		key := strings.TrimSuffix(filepath.Base(path), ".json")
		if strings.Contains(key, ".") {
			continue // not a record (a temporary file)
		}
		run, found, err := store.Load(key)
		if err != nil {
			return nil, err
		}
		if found {
			runs = append(runs, *run)
		}
	}
	slices.SortFunc(runs, func(a, b results.Run) int {
		ra, rb := runsRowOf(a), runsRowOf(b)
		if c := strings.Compare(ra[6]+"\x00"+ra[0]+"\x00"+ra[1], rb[6]+"\x00"+rb[0]+"\x00"+rb[1]); c != 0 {
			return c
		}
		if a.Seed != b.Seed {
			return a.Seed - b.Seed
		}
		return strings.Compare(a.Key, b.Key)
	})
	return runs, nil
}

// runsRowOf returns the cells of r in the order of runsColumns.
func runsRowOf(r results.Run) []string {
	modality := ""
	if r.Modality != nil {
		modality = strconv.Itoa(*r.Modality)
	}
	return []string{r.Method, modality, strconv.Itoa(r.Seed), r.Key,
		strconv.FormatFloat(r.TestAcc, 'f', 4, 64), strconv.FormatFloat(r.ValAcc, 'f', 4, 64), r.Dataset}
}

// loadRun loads the run stored under key, or under the one stored key that starts with key (at
// least 4 characters); a key that matches no run, or several, is a usage error.
func loadRun(store *results.Store, key string) (*results.Run, error) {
	if run, found, err := store.Load(key); err == nil && found {
		return run, nil
	} else if err != nil && errors.As(err, new(*results.CorruptError)) {
		return nil, err
	}
	if len(key) >= 4 {
		runs, err := storedRuns(store)
		if err != nil {
			return nil, err
		}
		var match []results.Run
		for _, r := range runs {
			if strings.HasPrefix(r.Key, key) {
				match = append(match, r)
			}
		}
		if len(match) == 1 {
			return &match[0], nil
		}
		if len(match) > 1 {
			return nil, usagef("key prefix %q matches %d stored runs: give more of the key", key, len(match))
		}
	}
	return nil, usagef("no stored run with key %q in %s (mmlab runs lists them)", key, store.Home())
}

// showRun prints the run stored under key as indented JSON.
func showRun(store *results.Store, key string, stdout io.Writer) error {
	run, err := loadRun(store, key)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the run: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", data)
	return err
}

// removeRun removes the run stored under key: its blobs (the weights), then its record.
func removeRun(store *results.Store, key string, stderr io.Writer) error {
	run, err := loadRun(store, key)
	if err != nil {
		return err
	}
	key = run.Key
	blobs, err := filepath.Glob(strings.TrimSuffix(store.RecordPath(key), ".json") + ".*.blob")
	if err != nil {
		return err
	}
	for _, path := range append(blobs, store.RecordPath(key)) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing run %s: %w", key, err)
		}
	}
	fmt.Fprintf(stderr, "mmlab runs: removed run %s (%s, seed %d, %s) and %d blob(s)\n", key, run.Method, run.Seed, run.Dataset, len(blobs))
	return nil
}

// checkOutPath checks an output file flag's value ("" and "-" always pass): its directory must
// exist and it must not be a directory.
func checkOutPath(flagName, path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return usagef("%s %s: directory %s does not exist", flagName, path, filepath.Dir(path))
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("%s %s is a directory: want a file name", flagName, path)
	}
	return nil
}

// writeCSV writes a header row and rows as CSV (RFC 4180) to path, atomically, or to stdout
// for "-".
func writeCSV(path string, stdout io.Writer, header []string, rows [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows) // flushes
	if err := w.Error(); err != nil {
		return fmt.Errorf("encoding the CSV: %w", err)
	}
	if path == "-" {
		_, err := io.WriteString(stdout, b.String())
		return err
	}
	if err := results.WriteFileAtomic(path, []byte(b.String())); err != nil {
		return fmt.Errorf("--csv: %w", err)
	}
	return nil
}

// writeResultsCSV writes the results table of runs (figures.ResultsTable) as CSV to path.
func writeResultsCSV(path string, runs []results.Run) error {
	table, err := figures.ResultsTable(runs)
	if err != nil {
		return err
	}
	return writeCSV(path, nil, table.Columns, table.Rows)
}
