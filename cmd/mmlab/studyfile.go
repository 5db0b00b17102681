package main

import (
	"bufio"
	"bytes"
	"flag"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/mmlab-go/mmlab/mmlab"
)

// studyFileHelp documents the study file format (mmlab help run, --config).
const studyFileHelp = `Study file (--config FILE): the flags of the command, one KEY = VALUE per line.
  KEY is a flag name without dashes (data, methods, seeds, epochs, out, csv, no-store, quiet;
  choose: tol, rule) or an option GROUP.KEY as for --opt (umt.lambda, train.epochs, ...).
  Blank lines and lines starting with # are ignored; spaces around KEY and VALUE are trimmed;
  a key given twice is an error. Flags on the command line override the file, an --opt the
  file's value of the same option. Example:

    # study.conf — the default study at 3 seeds, UMT with a stronger distillation weight
    data    = lazypair:rho=0.7,pi=0.4
    methods = uni,joint,ume,umt
    seeds   = 0-2
    umt.lambda = 10
`

// studyFileEntry is one KEY = VALUE line of a study file.
type studyFileEntry struct {
	key, value string
	line       int
}

// readStudyFile reads the KEY = VALUE lines of the study file at path. Errors name the file,
// the line and what is wrong with it.
func readStudyFile(path string) ([]studyFileEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	var entries []studyFileEntry
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, usagef("--config %s:%d: %q: want KEY = VALUE, e.g. seeds = 0-4 (see mmlab help run)", path, n, line)
		}
		if prev, dup := seen[key]; dup {
			return nil, usagef("--config %s:%d: %s given twice (first on line %d)", path, n, key, prev)
		}
		seen[key] = n
		entries = append(entries, studyFileEntry{key: key, value: value, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--config %s: %v", path, err)
	}
	return entries, nil
}

// studySources records where the values of a study's flags came from, so that an error about a
// value from the study file names the file, line, field and value.
type studySources struct {
	file     string
	fromFile map[string]studyFileEntry // flag name or option key → its line in the file
}

// wrap returns err as it is if field came from the command line, else prefixed with the file,
// line, field and value it came from.
func (s *studySources) wrap(field string, err error) error {
	e, ok := s.fromFile[field]
	if err == nil || !ok {
		return err
	}
	return usagef("--config %s:%d: %s = %s: %v", s.file, e.line, field, e.value, err)
}

// applyStudyFile sets, from the study file at path, every flag of fs not given on the command
// line, and returns the file's options (GROUP.KEY = VALUE lines, in file order) as --opt values
// with the sources of every value taken.
func applyStudyFile(fs *flag.FlagSet, path string) (opts []string, src *studySources, err error) {
	entries, err := readStudyFile(path)
	if err != nil {
		return nil, nil, err
	}
	src = &studySources{file: path, fromFile: map[string]studyFileEntry{}}
	var fields []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" && f.Name != "opt" {
			fields = append(fields, f.Name)
		}
	})
	for _, e := range entries {
		if strings.Contains(e.key, ".") { // an option, as --opt
			opts = append(opts, e.key+"="+e.value)
			src.fromFile[e.key] = e
			continue
		}
		if !slices.Contains(fields, e.key) {
			return nil, nil, usagef("--config %s:%d: unknown field %q (= %s); fields: %s, or an option GROUP.KEY (mmlab options)",
				path, e.line, e.key, e.value, strings.Join(fields, ", "))
		}
		if setFlag(fs, e.key) {
			continue // the command line overrides the file
		}
		if err := fs.Set(e.key, e.value); err != nil {
			return nil, nil, usagef("--config %s:%d: %s = %s: %v", path, e.line, e.key, e.value, err)
		}
		src.fromFile[e.key] = e
	}
	return opts, src, nil
}

// mergeOptions returns the options of the study file overridden by those of the command line
// (both GROUP.KEY=VALUE; an --opt whose key the file also sets replaces the file's line).
func mergeOptions(file, flags []string, src *studySources) []string {
	given := map[string]bool{}
	for _, o := range flags {
		key, _, _ := strings.Cut(o, "=")
		given[strings.TrimSpace(key)] = true
	}
	var merged []string
	for _, o := range file {
		key, _, _ := strings.Cut(o, "=")
		if given[key] {
			delete(src.fromFile, key)
			continue
		}
		merged = append(merged, o)
	}
	return append(merged, flags...)
}

// checkFileOptions checks each option that came from the study file on its own, with the
// study's methods, so that a bad one is reported with its file, line and value.
func checkFileOptions(methods []string, options map[string]string, src *studySources) error {
	keys := slices.SortedFunc(maps.Keys(src.fromFile), func(a, b string) int { return src.fromFile[a].line - src.fromFile[b].line })
	for _, key := range keys {
		value, ok := options[key]
		if !ok || !strings.Contains(key, ".") {
			continue
		}
		if _, err := mmlab.ParseConfig(methods, map[string]string{key: value}); err != nil {
			return src.wrap(key, usageError{err})
		}
	}
	return nil
}
