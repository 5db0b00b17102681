// Command mmlab is the headless command line over the mmlab library: it runs a study (every
// method on every seed of one dataset), recommends UME or UMT by the project's rule, and lists
// every option. It is thin glue over the same flow the notebooks use, datasets → mmlab →
// figures: the dataset spec is parsed by datasets.ParseSpec, options by mmlab.ParseConfig, the
// study runs through mmlab.RunStudy with the results store of results.OpenStore, the choice is
// results.Choose and the table is figures.ResultsTable. No science lives here.
//
// Usage:
//
//	mmlab run    [--config FILE] [--data SPEC] [--methods LIST] [--seeds N] [--epochs E] [--opt GROUP.KEY=VALUE]... [--out FILE.json]
//	mmlab choose [--config FILE] [--data SPEC] [--seeds N] [--tol T] [--rule R] [--epochs E] [--opt GROUP.KEY=VALUE]... [--out FILE.json]
//	mmlab runs [--data SPEC] [--method M] [--seed S] [--csv FILE] | runs show KEY | runs rm KEY
//	mmlab plot --in FILE.json | --data SPEC [--methods LIST] [--seeds S]   --figure NAME --out FILE.svg|.png|.html
//	mmlab sweep [study flags] --grid KEY=V1,V2,... ... [--shard I/N|auto [--shards N]] [--slurm DIR [--parallel P] [--submit]] [--k8s FILE --image IMAGE --pvc CLAIM]
//	mmlab collect [the same study and --grid flags] [--shards N] [--out FILE.json] [--csv FILE]
//	mmlab options
//	mmlab help [run|choose|options|runs|plot|sweep|collect]
//
// A study file (--config FILE) holds the same flags, one KEY = VALUE line each: KEY is a flag
// name without dashes (data, methods, seeds, epochs, out, csv, ...) or an option GROUP.KEY as for
// --opt; # starts a comment line. Flags on the command line override the file (an --opt the
// file's line of the same option); an error about a value from the file names the file, line,
// field and value, and exits 2. "mmlab help run" shows the format with an example.
//
// Both study commands also take --no-store (train everything, save nothing, not even the dataset
// cache) and --quiet (no progress bar or messages; warnings are still printed). Without a
// terminal on stderr there is no progress bar either.
//
// run trains (or loads from the results store) the runs of the methods on the run seeds (--seeds N, A-B or a,b,c) and
// prints a results table to stdout: per method, test and validation accuracy, the linear-probe
// accuracy of each modality's encoder, accuracy on the both_hard and pair_only diagnostic
// subsets (mean ± 95% CI half-width over seeds), then the laziness gap of every method with
// encoders. choose runs what its --rule reads (ume-vs-joint, the default: uni, joint and ume;
// paired-info: uni only, and a paired-information test on the data) and prints the rule's recommendation (docs/DESIGN.md §5)
// with its evidence and the recommended configuration (method, its options, the run command);
// it accepts the options of the methods it may recommend (ume, umt), which do not change its
// runs. With --out, both write every number as JSON (FILE "-" means stdout, and
// the table then goes to stderr); README.md ("The CLI") documents its fields.
//
// --seeds takes N (seeds 0 … N−1), a range A-B or a list a,b,c (mmlab.Study.SeedList); a run
// seed names the same runs whichever form gives it. With --csv FILE, run and choose also write
// the results table as CSV (a header row, then one row per method). runs lists the stored runs
// (method, modality, seed, key, test and validation accuracy, dataset), filtered by dataset
// kind or resolved spec, method and seeds, as a table or CSV; runs show prints one record as
// JSON and runs rm deletes it with its blobs (weights). plot draws one of the figures package's
// charts (methods, subsets, laziness, curves, featuremap) from a study's --out JSON, reading each
// run from the store when its key is there and from the JSON otherwise, or (--data) straight from
// the stored runs of one dataset spec, optionally of some methods and seeds.
//
// sweep runs a grid of studies (mmlab.Sweep, one --grid flag per axis: a dataset key or an
// option), whole or one shard of its tasks (one per cell and seed; task t belongs to shard t mod
// N): --shard I/N, or --shard auto, which reads a Slurm array task's SLURM_ARRAY_TASK_ID (as
// (ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT) or a Kubernetes
// Indexed Job pod's JOB_COMPLETION_INDEX (of --shards N) and fails outside both. --slurm DIR
// writes sweep.sbatch (an array job, --array=0-(N−1)%P with --parallel P, logs under DIR/logs,
// MMLAB_HOME exported), collect.sbatch and submit.sh, and --submit submits them with sbatch, the
// collect job with --dependency=afterok on the array. --k8s FILE writes an Indexed Job manifest
// (JSON) whose pods mount the claim --pvc as $MMLAB_HOME. collect merges a sweep's stored
// results (mmlab.CollectSweep) into one JSON (--out) and CSV (--csv), lists the missing tasks by
// shard and exits 1 while any is missing.
//
// The results store ($MMLAB_HOME, default ~/.cache/mmlab) is on by default, so repeating a
// command loads its runs instead of retraining them. A corrupt stored record is reported on
// stderr, moved aside, and recomputed.
//
// Exit status: 0 on success, 2 for bad input (unknown flag, dataset key, option or method; bad
// value; options that do not fit the data, such as a train.batch larger than the training split
// or a cnn encoder on vectors, found before training), 1 when the study itself fails (training diverged, the store or --out cannot be
// written, interrupted by SIGINT or SIGTERM). A study whose runs could not all be stored (a full
// disk) prints its results, names the runs missing from the store and exits 1. --out is written
// atomically: a failed write leaves the previous file. Errors are one line on stderr.
//
// The command runs the study in a child process of itself and waits for it, so that a crash is
// never reported as bad input: the Go runtime running out of memory (or an internal panic), which
// would exit 2, and a death by signal (the kernel's OOM killer) exit 1 with a line saying so.
// SIGINT and SIGTERM are passed on to the child.
package main
