// Package figures turns mmlab results into go-echarts charts and shows them: inline in a GoNB
// notebook, or saved as self-contained HTML pages that draw with no network.
//
// It is the last step of mmlab's one-way flow, datasets → mmlab (train, evaluate, store results)
// → figures: chart builders are pure functions of result values and never train anything.
//
// Chart builders (each returns an error naming what is missing from its input):
//   - [LazinessBars]: linear-probe accuracy per modality and method, mean ± 95% CI over seeds;
//   - [SplitHeadCurves]: the joint model's per-modality split-head accuracy over training next
//     to the uni-modal models' curves — laziness appearing over time;
//   - [MethodComparison] and [SubsetComparison]: test accuracy, and accuracy on the diagnostic
//     subsets (both_hard, pair_only), per method and regime, with CIs;
//   - [PhaseDiagram]: acc(UMT) − acc(UME) over (easy rate ρ, paired rate π), with the choice
//     rule's pick marked in every cell (cells from study results with [PhaseCellFromRuns]);
//     [ScorePhaseRules] scores a rule over the cells beside "always UME" and "always UMT",
//     honestly: where the CI of the difference contains 0, only UME (the cheaper) is right;
//     [ScorePhaseRule] tunes a rule's tolerance on some seeds ([TunePhaseThreshold]) and scores
//     it on others, with its cost (results.CostOfChoice); [PhaseCellByRule] builds a cell with
//     any named rule (results.ChooseRules);
//   - [FeatureMap]: which features each method learned (results.FeatureScores) — the paper's
//     Figure 1, measured: features × methods, each cell a score from chance to 1 with its CI;
//   - [ResultsTable]: a table computed from result values, as Markdown or HTML.
//   - [BarsWithCI]: the bars-with-95%-CI chart of the builders above, for a researcher's own
//     estimates (categories × series of results.Estimate).
//   - [Samples]: a grid of an image-like dataset's samples (images, spectrograms), a row per
//     class and the modalities side by side, as inline PNGs — a look at the data before training.
//
// All figures share one method palette ([MethodColor]) and display names ([MethodLabel]).
// Accuracy axes lie within [0, 1] and interval ends are clamped to it; CI whiskers are drawn
// over their bars.
//
// Display:
//   - [Show] draws charts inline in a GoNB cell (and does nothing outside a notebook). It inlines
//     the ECharts script (installed by `make setup` from the npm package "echarts", never
//     committed, never loaded from a CDN) once per kernel, hidden from require.js so that it
//     works both in the live classic Notebook and in nbconvert's HTML export, and it ends with
//     gonbui.Sync() so that no output is lost when the cell's process exits.
//   - [Save] writes charts to one self-contained HTML file.
//   - [SaveSVG] (and [RenderSVG]) export a chart as SVG with ECharts' own server-side SVG renderer
//     (echarts.init with ssr: true, renderToSVGString; ECharts ≥ 5.3) run under Node on the same
//     installed script: offline, and the same chart gives the same bytes. It needs `node`.
//   - [SavePNG] rasterises that SVG with headless Chromium (offline; same bytes on one machine).
//   - [ShowHTML] shows an HTML fragment (e.g. a [Table]) inline, like Show.
//
// Sources: ECharts (Apache ECharts, https://echarts.apache.org) through go-echarts v2; GoNB's
// gonbui protocol for rich output. The figures reproduce the analysis of Du et al., "On Uni-Modal
// Feature Learning in Supervised Multi-Modal Learning", ICML 2023.
package figures
