package figures

import (
	"fmt"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// Caption formats a figure's caption from computed values: a notebook prints what its results
// say rather than typing numbers into markdown, so the caption is right at any size
// (MMLAB_QUICK or full) and after any change to the code (docs/ARCHITECTURE.md, "Numbers in
// prose"). The text is format with args, as fmt.Sprintf, on one line.
func Caption(format string, args ...any) string {
	return strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
}

// ShowCaption shows Caption(format, args...) in a GoNB notebook as italic Markdown (part of the
// cell's executed output), and prints it to stdout anywhere else. Its named arguments (N, E) are
// recorded to $MMLAB_NUMBERS (Record), so the README can quote them checked. It returns an error
// for an empty caption or a failed record.
func ShowCaption(format string, args ...any) error {
	text := Caption(format, args...)
	if text == "" {
		return fmt.Errorf("figures.ShowCaption: empty caption")
	}
	if err := record(captionNumbers(args)); err != nil {
		return err
	}
	if !gonbui.IsNotebook {
		fmt.Println(text)
		return nil
	}
	gonbui.DisplayMarkdown("*" + text + "*")
	gonbui.Sync()
	return nil
}
