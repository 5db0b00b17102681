package mmlab_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
)

// TestGitRunsOncePerProcess: the version stamp runs git (rev-parse, then status) once per
// process however many runs it stamps; it used to run twice per run. A child process of this
// test calls CurrentVersions five times with a git on PATH that logs each call.
func TestGitRunsOncePerProcess(t *testing.T) {
	if os.Getenv("MMLAB_TEST_VERSIONS_CHILD") != "" {
		for range 5 {
			mmlab.CurrentVersions("")
		}
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs a shell script as git")
	}
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "git.log")
	script := "#!/bin/sh\necho \"$*\" >> " + log + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGitRunsOncePerProcess$")
	cmd.Env = append(os.Environ(), "MMLAB_TEST_VERSIONS_CHILD=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(log)
	calls := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(calls) == 1 && calls[0] == "" {
		calls = nil
	}
	if len(calls) > 2 || len(calls) == 2 && (!strings.Contains(calls[0], "rev-parse") || !strings.Contains(calls[1], "status")) {
		t.Errorf("git ran %d times (%v) for five stamps, want at most rev-parse and status once", len(calls), calls)
	}
	t.Logf("git calls: %q", calls)
	if len(calls) == 0 {
		t.Log("git was not run (the commit came from the build information or the checkout is not mmlab's)")
	}
}
