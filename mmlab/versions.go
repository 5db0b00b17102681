package mmlab

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/mmlab-go/mmlab/results"
)

// modulePath is this repository's Go module path.
const modulePath = "github.com/mmlab-go/mmlab"

// gomlxModulePath is the GoMLX module whose version CurrentVersions reports.
const gomlxModulePath = "github.com/gomlx/gomlx"

// gitTimeout bounds each git command CurrentVersions runs: a version stamp must never hang a run.
const gitTimeout = 2 * time.Second

// CurrentVersions returns the versions of the software producing a run (docs/DESIGN.md §6). It never
// fails; what cannot be found is "unknown".
//
//   - Go: runtime.Version().
//   - GoMLX: the version of github.com/gomlx/gomlx in the binary's build information; "(devel)"
//     if it is replaced by a local directory, "unknown" if it is not linked in.
//   - Backend: backend, or "go" (the pure-Go backend, mmlab's default) if backend is empty.
//   - Commit: the git commit of the mmlab repository — the build's vcs.revision when mmlab is the
//     main module (e.g. the CLI built in the repo); else `git rev-parse HEAD` run in the directory
//     this file was compiled from, if that is a checkout of mmlab (the case in a GoNB notebook,
//     which replaces the module by the repo directory); else mmlab's module version if it is a
//     versioned dependency; else "unknown". A "+dirty" suffix means tracked files had uncommitted
//     changes, so the commit alone does not reproduce the run.
//
// The commit is looked up once per process.
func CurrentVersions(backend string) results.Versions {
	if backend == "" {
		backend = "go"
	}
	return results.Versions{
		Go:      runtime.Version(),
		GoMLX:   gomlxVersion(),
		Backend: backend,
		Commit:  commitOnce(),
	}
}

// gomlxVersion reads GoMLX's module version from the build information.
func gomlxVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if info.Main.Path == gomlxModulePath {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path != gomlxModulePath {
			continue
		}
		if dep.Replace != nil {
			if dep.Replace.Version != "" {
				return dep.Replace.Version
			}
			return "(devel)"
		}
		return dep.Version
	}
	return "unknown"
}

var commitOnce = sync.OnceValue(findCommit)

// findCommit implements the Commit rule of CurrentVersions.
func findCommit() string {
	info, haveInfo := debug.ReadBuildInfo()
	if haveInfo && info.Main.Path == modulePath {
		var rev string
		var dirty bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "+dirty"
			}
			return rev
		}
	}
	if commit := gitCommit(); commit != "" {
		return commit
	}
	if haveInfo {
		for _, dep := range info.Deps {
			if dep.Path == modulePath && dep.Replace == nil && dep.Version != "" && dep.Version != "(devel)" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// gitCommit asks git for HEAD of the checkout this source file was compiled from, or returns "".
func gitCommit() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) { // -trimpath builds have no source paths
		return ""
	}
	dir := filepath.Dir(file)
	out, err := runGit(dir, "rev-parse", "--show-toplevel", "HEAD")
	if err != nil {
		return ""
	}
	lines := strings.Fields(out)
	if len(lines) != 2 {
		return ""
	}
	top, rev := lines[0], lines[1]
	// The directory could sit inside some other repository (e.g. a module cache under a home
	// directory kept in git): only trust a checkout whose go.mod declares mmlab's module.
	if !declaresModule(filepath.Join(top, "go.mod"), modulePath) {
		return ""
	}
	if status, err := runGit(top, "status", "--porcelain", "--untracked-files=no"); err == nil && strings.TrimSpace(status) != "" {
		rev += "+dirty"
	}
	return rev
}

// runGit runs git with a timeout in dir and returns its standard output.
func runGit(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.Output()
	return string(out), err
}

// declaresModule reports whether the go.mod file at path declares module mod.
func declaresModule(path, mod string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == mod
		}
	}
	return false
}
