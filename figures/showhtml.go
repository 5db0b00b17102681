package figures

import (
	"errors"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// ShowHTML displays an HTML fragment (e.g. a Table's HTML) inline in a GoNB notebook and does
// nothing (returning nil) anywhere else, like Show; it waits for GoNB to receive the output
// (gonbui.Sync), since rich output is otherwise lost at random when the cell's process exits.
// It returns an error only for an empty fragment.
func ShowHTML(fragment string) error {
	if strings.TrimSpace(fragment) == "" {
		return errors.New("figures.ShowHTML: empty HTML")
	}
	if !gonbui.IsNotebook {
		return nil
	}
	gonbui.DisplayHTML(fragment)
	gonbui.Sync()
	return nil
}
