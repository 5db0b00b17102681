// Command mmlab is the headless command line over the mmlab library: it runs a study (every
// method on every seed of one dataset), recommends UME or UMT by the project's rule, and lists
// every option. It is thin glue over the same flow the notebooks use, datasets → mmlab →
// figures: the dataset spec is parsed by datasets.ParseSpec, options by mmlab.ParseConfig, the
// study runs through mmlab.RunStudy with the results store of mmlab.OpenStore, the choice is
// mmlab.Choose and the table is figures.ResultsTable. No science lives here.
//
// Usage:
//
//	mmlab run    [--data SPEC] [--methods LIST] [--seeds N] [--epochs E] [--opt GROUP.KEY=VALUE]... [--out FILE.json]
//	mmlab choose [--data SPEC] [--seeds N] [--tol T] [--rule R] [--epochs E] [--opt GROUP.KEY=VALUE]... [--out FILE.json]
//	mmlab options
//	mmlab help [run|choose|options]
//
// Both study commands also take --no-store (train everything, save nothing, not even the dataset
// cache) and --quiet (no progress bar or messages; warnings are still printed). Without a
// terminal on stderr there is no progress bar either.
//
// run trains (or loads from the results store) the runs of the methods on seeds 0 … N−1 and
// prints a results table to stdout: per method, test and validation accuracy, the linear-probe
// accuracy of each modality's encoder, accuracy on the both_hard and pair_only diagnostic
// subsets (mean ± 95% CI half-width over seeds), then the laziness gap of every method with
// encoders. choose runs what its --rule reads (ume-vs-joint, the default: uni, joint and ume;
// paired-info: uni only, and a paired-information test on the data) and prints the rule's recommendation (DESIGN.md §5)
// with its evidence and the recommended configuration (method, its options, the run command);
// it accepts the options of the methods it may recommend (ume, umt), which do not change its
// runs. With --out, both write every number as JSON (FILE "-" means stdout, and
// the table then goes to stderr); README.md ("The CLI") documents its fields.
//
// The results store ($MMLAB_HOME, default ~/.cache/mmlab) is on by default, so repeating a
// command loads its runs instead of retraining them. A corrupt stored record is reported on
// stderr, moved aside, and recomputed.
//
// Exit status: 0 on success, 2 for bad input (unknown flag, dataset key, option or method; bad
// value), 1 when the study itself fails (training diverged, the store or --out cannot be
// written, interrupted by SIGINT or SIGTERM). A study whose runs could not all be stored (a full
// disk) prints its results, names the runs missing from the store and exits 1. --out is written
// atomically: a failed write leaves the previous file. Errors are one line on stderr.
package main
