package docs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFiguresImportNoTrainingCode checks the seam ARCHITECTURE.md describes: package figures
// (and package results, which it draws from) depend on no GoMLX package and not on package
// mmlab, so a figure cannot train or build graphs — the compiler enforces it.
func TestFiguresImportNoTrainingCode(t *testing.T) {
	for _, pkg := range []string{"./figures", "./results"} {
		cmd := exec.Command("go", "list", "-deps", pkg)
		cmd.Dir = ".."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed only %v", pkg, deps)
		}
		for _, d := range deps {
			if strings.Contains(strings.ToLower(d), "gomlx") || d == "github.com/mmlab-go/mmlab/mmlab" {
				t.Errorf("%s depends on %s: figures and results must not import training code", pkg, d)
			}
		}
	}
}
