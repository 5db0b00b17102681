// Package results holds mmlab's result values and the pure analysis over them: a trained run
// ([Run], [Curves], [Versions]), the results store ([OpenStore], [Store], [Key], with leases for
// work sharing, [Store.Claim]), statistics over seeds ([Estimate], [Summarize],
// [PairedDifference], [Summaries], [LazinessGap]), comparisons of methods ([MethodDifference],
// [Metric]), the choice between UME and UMT ([Choose], [ChoosePairedInfo], [ChooseByRule],
// [CostOfChoice]), the feature map ([FeatureScores]), the imbalance analysis ([WeakerModality],
// [CompareWeak]), the registry names of the methods ([UniMethod], [JointMethod], ...) and a
// sweep's merged results ([SweepCollection], which mmlab.CollectSweep returns and mmlab collect
// writes; [ReadSweepCollection] reads it back for figures).
//
// It sits between training and figures in the one-way flow datasets → mmlab (networks, training,
// evaluation, the study runner, which writes Runs into a Store) → results → figures. It imports
// no GoMLX and trains nothing: package figures imports results and datasets only, and
// docs/architecture_test.go checks that `go list -deps ./figures` contains no GoMLX package. The
// one computation on data here is the paired-information rule ([PairedInformation], a Gaussian
// linear discriminant on the data's training and validation splits, after Friedman's regularised
// discriminant analysis, 1989; docs/DESIGN.md §5), which trains no network.
//
// Statistics follow docs/DESIGN.md §6: means over seeds with Student-t 95% intervals (gonum's
// distuv.StudentsT), paired per-seed differences for comparisons. The choice rules are the
// project's own, documented definitions (docs/DESIGN.md §5; Du et al., ICML 2023, recommend UME when
// paired features matter little and UMT otherwise). The store's record format (RecordFormat,
// RecordVersion) is unchanged by the move of this code out of package mmlab: records written
// before it load as they did.
package results
