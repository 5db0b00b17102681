package mmlab

import (
	"strings"
	"testing"
)

// TestStudyProgressFinalLine checks that a study's bar ends in one clean line: its 100% state
// drawn once, with the last run's final loss, then a newline, so that the next message starts on
// a line of its own (a redraw after completion printed the 100% line twice, the second time
// without a newline, and glued the study's summary to it).
func TestStudyProgressFinalLine(t *testing.T) {
	var out strings.Builder
	p := newStudyProgress(&out, 2)
	for run := range 2 {
		p.beginRun("joint seed "+string(rune('0'+run)), 1)
		p.Start("joint", 5)
		for i := range 5 {
			p.Step(1.0/float64(i+1) + float64(run))
		}
		p.End()
		p.endRun()
	}
	p.finish()
	out.WriteString("summary")
	text := out.String()
	if n := strings.Count(text, "100%"); n != 1 {
		t.Errorf("the 100%% state is drawn %d times, want once:\n%q", n, text)
	}
	if !strings.HasSuffix(text, "\nsummary") {
		t.Errorf("the next message does not start on its own line:\n%q", text[max(0, len(text)-200):])
	}
	last := text[strings.LastIndex(text, "\r")+1:]
	if !strings.Contains(last, "100%") || !strings.Contains(last, "loss 1.2000") {
		t.Errorf("final line %q: want 100%% with the last run's final loss 1.2000", last)
	}
}
