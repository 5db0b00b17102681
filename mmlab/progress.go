package mmlab

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressUnits is the bar's resolution per run: steps of a run advance it proportionally.
const progressUnits = 1000

// studyProgress is the study's progress bar: one bar over all runs to compute, each run worth
// progressUnits, advanced by its training steps. It implements Progress for the Engine. A nil
// *studyProgress displays nothing.
type studyProgress struct {
	bar              *progressbar.ProgressBar
	runs, done       int
	desc             string
	steps, stepsDone int
	unitsDone        int
	weight           int // runs in the current group (replicas trained together)
	lastLoss         float64
	lastDraw         time.Time
}

func newStudyProgress(w io.Writer, runs int) *studyProgress {
	if runs == 0 {
		return nil
	}
	bar := progressbar.NewOptions(runs*progressUnits,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(250*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	return &studyProgress{bar: bar, runs: runs}
}

// beginRun announces the next run to compute, or the next n runs trained together as replicas.
func (p *studyProgress) beginRun(desc string, n int) {
	if p == nil {
		return
	}
	p.desc = fmt.Sprintf("[%d/%d] %s", p.done+1, p.runs, desc)
	if n > 1 {
		p.desc = fmt.Sprintf("[%d–%d/%d] %s", p.done+1, p.done+n, p.runs, desc)
	}
	p.steps, p.stepsDone, p.unitsDone, p.weight = 0, 0, 0, n
	p.bar.Describe(p.desc)
}

// endRun completes the current run's (or group's) share of the bar.
func (p *studyProgress) endRun() {
	if p == nil {
		return
	}
	_ = p.bar.Add(p.weight*progressUnits - p.unitsDone)
	p.done += p.weight
	p.unitsDone = 0
}

// Start implements Progress.
func (p *studyProgress) Start(_ string, steps int) {
	if p == nil {
		return
	}
	p.steps, p.stepsDone = steps, 0
}

// Step implements Progress.
func (p *studyProgress) Step(loss float64) {
	if p == nil || p.steps == 0 {
		return
	}
	p.stepsDone++
	p.lastLoss = loss
	units := p.stepsDone * p.weight * progressUnits / p.steps
	if units > p.unitsDone {
		// The last step of the study's last run completes the bar, which then prints its final
		// line and a newline: its description must hold the final loss before that Add.
		if now := time.Now(); now.Sub(p.lastDraw) > 250*time.Millisecond || p.stepsDone == p.steps {
			p.bar.Describe(fmt.Sprintf("%s loss %.4f", p.desc, loss))
			p.lastDraw = now
		}
		_ = p.bar.Add(units - p.unitsDone)
		p.unitsDone = units
	}
}

// End implements Progress: the description keeps the run's final loss, not the last one drawn
// (drawing is throttled, so a short run would otherwise show its first-step loss).
//
// A completed bar is left alone: progressbar's Describe redraws a finished bar, which would print
// its 100% line a second time, after the newline and with none of its own, gluing the study's
// next message to it.
func (p *studyProgress) End() {
	if p == nil || p.stepsDone == 0 || p.bar.IsFinished() {
		return
	}
	p.bar.Describe(fmt.Sprintf("%s loss %.4f", p.desc, p.lastLoss))
}

// finish closes the bar; a bar that already completed (and printed its newline) is left alone,
// since Finish would draw it once more on the line where the next message goes.
func (p *studyProgress) finish() {
	if p == nil || p.bar.IsFinished() {
		return
	}
	_ = p.bar.Finish()
}

// skipRun counts as done a run that was to be computed but another process stored meanwhile.
func (p *studyProgress) skipRun() {
	if p == nil {
		return
	}
	_ = p.bar.Add(progressUnits)
	p.done++
}
