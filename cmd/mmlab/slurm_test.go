//go:build linux

package main

// The acceptance test of issue 15: a real single-node Slurm (Debian's slurmctld, slurmd,
// slurm-client and munge, which scripts/setup.sh --slurm installs) on 127.0.0.1, started in a
// temporary directory and stopped by PID.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mmlab-go/mmlab/results"
)

// slurmTools are the programs the Slurm test needs.
var slurmTools = []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel"}

// requireSlurm skips the test, with what to do, where Slurm is not installed or the test is not
// root; on CI (CI=true, where scripts/setup.sh --slurm has installed it) it fails instead.
func requireSlurm(t *testing.T) {
	t.Helper()
	var problem string
	for _, tool := range slurmTools {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				problem = fmt.Sprintf("%s is not installed", tool)
				break
			}
		}
	}
	if problem == "" && os.Geteuid() != 0 {
		problem = "the test runs Slurm daemons as root (SlurmUser=root) and is not root"
	}
	if problem == "" {
		if _, err := os.Stat("/etc/munge/munge.key"); err != nil {
			problem = "munge has no key (/etc/munge/munge.key)"
		}
	}
	if problem == "" {
		return
	}
	msg := "real-Slurm test: " + problem + ": scripts/setup.sh --slurm (as root, with apt; make test runs it) installs " +
		"slurmctld, slurmd, slurm-client and munge"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — on CI it must run")
	}
	t.Skip(msg)
}

// tool returns the path of a Slurm or munge program (PATH, then /usr/sbin, which a non-login
// root shell may lack).
func tool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return "/usr/sbin/" + name
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// daemon is a process the test started and must stop.
type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// stop sends SIGTERM to the daemon's PID and waits for it (SIGKILL after 15 s).
func (d *daemon) stop(t *testing.T) {
	select {
	case <-d.done:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		t.Logf("%s (PID %d) did not stop on SIGTERM: killing it", d.name, d.cmd.Process.Pid)
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// startDaemon starts a daemon in the foreground as a child of the test (so its PID is known),
// as credential's user if not nil, with its output in log.
func startDaemon(t *testing.T, name, log string, cred *syscall.Credential, env []string, args ...string) *daemon {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool(name), args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = f, f, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(d.done) }()
	return d
}

// slurmConf is a minimal single-node configuration (../shared/SLURM.md, measured on Debian 12)
// with its own ports and munge socket, so that it touches nothing of the machine's own.
const slurmConf = `ClusterName=mmlabtest
SlurmctldHost={{host}}(127.0.0.1)
SlurmctldPort={{ctldport}}
SlurmdPort={{dport}}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={{socket}}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
StateSaveLocation={{dir}}/state
SlurmdSpoolDir={{dir}}/spool
SlurmctldPidFile={{dir}}/slurmctld.pid
SlurmdPidFile={{dir}}/slurmd.pid
SlurmctldLogFile={{dir}}/slurmctld.log
SlurmdLogFile={{dir}}/slurmd.log
NodeName={{host}} NodeAddr=127.0.0.1 CPUs={{cpus}} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes={{host}} Default=YES MaxTime=INFINITE State=UP
`

// TestSlurmSweep (issue 15's acceptance): a sweep of 4 tasks (2 cells × 2 seeds, tiny LazyPair
// studies) submitted with mmlab sweep --slurm --submit to a real single-node Slurm as an array
// throttled to 2 at a time, with a collect job after it (afterok): the collected results equal
// those of one process running the whole sweep on its own store, bit for bit (every field but
// the training time). Every daemon is stopped by its PID and every file is under temporary
// directories that are removed.
func TestSlurmSweep(t *testing.T) {
	requireSlurm(t)
	start := time.Now()
	// Not t.TempDir: its parent is private (0700), and munged, which runs as its own user,
	// must reach its directory below this one.
	dir, err := os.MkdirTemp("", "mmlab-slurm-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "mmlab")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the mmlab binary in %.1f s", time.Since(start).Seconds())

	// munge, as its own user, on a socket of this test.
	mu, err := user.Lookup("munge")
	if err != nil {
		t.Fatalf("the munge user: %v", err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)
	mungeDir := filepath.Join(dir, "munge")
	if err := os.Mkdir(mungeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mungeDir, uid, gid); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(mungeDir, "munge.socket")
	env := append(os.Environ(), "HOME="+dir)
	var daemons []*daemon
	t.Cleanup(func() {
		// Jobs first (their slurmstepd outlives slurmd), then the daemons, last started first.
		conf := filepath.Join(dir, "slurm.conf")
		if _, err := os.Stat(conf); err == nil && len(daemons) == 3 {
			c := exec.Command(tool("scancel"), "--user=root")
			c.Env = append(env, "SLURM_CONF="+conf)
			_ = c.Run()
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
				c := exec.Command(tool("squeue"), "-h")
				c.Env = append(env, "SLURM_CONF="+conf)
				if out, err := c.Output(); err != nil || strings.TrimSpace(string(out)) == "" {
					break
				}
			}
		}
		for i := len(daemons) - 1; i >= 0; i-- {
			daemons[i].stop(t)
		}
		for _, d := range daemons {
			if err := syscall.Kill(d.cmd.Process.Pid, 0); err == nil {
				t.Errorf("%s (PID %d) is still running", d.name, d.cmd.Process.Pid)
			}
		}
		if left := processesUnder(dir); len(left) > 0 {
			t.Errorf("processes left behind: %v", left)
		}
	})
	daemons = append(daemons, startDaemon(t, "munged", filepath.Join(dir, "munged.out"),
		&syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, env,
		"--foreground", "--force", "--socket="+socket, "--key-file=/etc/munge/munge.key",
		"--pid-file="+filepath.Join(mungeDir, "munged.pid"), "--log-file="+filepath.Join(mungeDir, "munged.log"),
		"--seed-file="+filepath.Join(mungeDir, "munged.seed")))
	waitFor(t, "munged's socket", 20*time.Second, func() bool { _, err := os.Stat(socket); return err == nil },
		filepath.Join(dir, "munged.out"), filepath.Join(mungeDir, "munged.log"))

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ = strings.Cut(host, ".")
	conf := strings.NewReplacer("{{host}}", host, "{{dir}}", dir, "{{socket}}", socket,
		"{{ctldport}}", strconv.Itoa(freePort(t)), "{{dport}}", strconv.Itoa(freePort(t)),
		"{{cpus}}", strconv.Itoa(runtime.NumCPU())).Replace(slurmConf)
	confPath := filepath.Join(dir, "slurm.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"state", "spool"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env = append(env, "SLURM_CONF="+confPath)
	daemons = append(daemons, startDaemon(t, "slurmctld", filepath.Join(dir, "slurmctld.out"), nil, env, "-D", "-f", confPath))
	daemons = append(daemons, startDaemon(t, "slurmd", filepath.Join(dir, "slurmd.out"), nil, env, "-D", "-N", host, "-f", confPath))
	slurm := func(name string, args ...string) (string, error) {
		c := exec.Command(tool(name), args...)
		c.Env = env
		out, err := c.CombinedOutput()
		return string(out), err
	}
	waitFor(t, "the node to be idle", 60*time.Second, func() bool {
		out, err := slurm("sinfo", "-h", "-o", "%t")
		return err == nil && strings.TrimSpace(out) == "idle"
	}, filepath.Join(dir, "slurmctld.log"), filepath.Join(dir, "slurmd.log"), filepath.Join(dir, "slurmd.out"))
	t.Logf("Slurm up (slurmctld PID %d, slurmd PID %d, munged PID %d) after %.1f s",
		daemons[1].cmd.Process.Pid, daemons[2].cmd.Process.Pid, daemons[0].cmd.Process.Pid, time.Since(start).Seconds())

	// The sweep: 2 cells × 2 seeds = 4 tasks, 4 shards, 2 at a time.
	sweepArgs := []string{"--data", tinyData, "--methods", "uni,joint,ume", "--seeds", "2", "--epochs", "3",
		"--grid", "rho=0.6,0.9"}
	jobs := filepath.Join(dir, "jobs")
	home := filepath.Join(dir, "home")
	mm := func(home string, args ...string) string {
		c := exec.Command(bin, args...)
		c.Env = append(env, results.HomeEnv+"="+home, "GOMLX_BACKEND=go")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("mmlab %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := mm(home, append([]string{"sweep", "--slurm", jobs, "--parallel", "2", "--submit"}, sweepArgs...)...)
	t.Logf("mmlab sweep --slurm --submit:\n%s", out)
	script, err := os.ReadFile(filepath.Join(jobs, "sweep.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "#SBATCH --array=0-3%2\n") {
		t.Errorf("sweep.sbatch has no --array=0-3%%2:\n%s", script)
	}
	arrayID := regexp.MustCompile(`(?m)^sweep job (\d+)$`).FindStringSubmatch(out)
	collectID := regexp.MustCompile(`(?m)^collect job (\d+)$`).FindStringSubmatch(out)
	if arrayID == nil || collectID == nil {
		t.Fatalf("no job ids in the output of --submit")
	}
	if info, err := slurm("scontrol", "show", "job", arrayID[1]); err != nil || !strings.Contains(info, "ArrayTaskThrottle=2") {
		t.Errorf("the array job is not throttled to 2 (%v):\n%s", err, info)
	}
	state := func(id string) string {
		info, err := slurm("scontrol", "show", "job", id)
		if err != nil {
			return "gone"
		}
		m := regexp.MustCompile(`JobState=(\S+)`).FindStringSubmatch(info)
		if m == nil {
			return "unknown"
		}
		return m[1]
	}
	logs, _ := filepath.Glob(filepath.Join(jobs, "logs", "*"))
	waitFor(t, "the collect job", 4*time.Minute, func() bool {
		switch state(collectID[1]) {
		case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING":
			return false
		}
		return true
	}, append(logs, filepath.Join(dir, "slurmctld.log"))...)
	if s := state(collectID[1]); s != "COMPLETED" {
		logs, _ := filepath.Glob(filepath.Join(jobs, "logs", "*"))
		t.Fatalf("the collect job ended %s\n%s", s, tails(append(logs, filepath.Join(dir, "slurmctld.log"))))
	}
	t.Logf("array job %s and collect job %s completed %.1f s after the start", arrayID[1], collectID[1], time.Since(start).Seconds())
	// afterok: the collect job started after every array task ended (times to the second).
	arrayInfo, err1 := slurm("scontrol", "show", "job", arrayID[1])
	collectInfo, err2 := slurm("scontrol", "show", "job", collectID[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("scontrol show job: %v, %v", err1, err2)
	}
	timeRE := regexp.MustCompile(`StartTime=(\S+)`)
	ends := regexp.MustCompile(`EndTime=(\S+)`).FindAllStringSubmatch(arrayInfo, -1)
	collectStart := timeRE.FindStringSubmatch(collectInfo)
	if len(ends) != 4 || collectStart == nil {
		t.Fatalf("want 4 array tasks and a collect start time:\n%s\n%s", arrayInfo, collectInfo)
	}
	for _, e := range ends {
		if e[1] > collectStart[1] { // ISO 8601 local times compare as strings
			t.Errorf("an array task ended at %s, after the collect job started (%s)", e[1], collectStart[1])
		}
	}
	logs, _ = filepath.Glob(filepath.Join(jobs, "logs", "sweep-*.out"))
	if len(logs) != 4 {
		t.Errorf("%d array task logs, want 4: %v", len(logs), logs)
	}
	if collectLog, _ := filepath.Glob(filepath.Join(jobs, "logs", "collect-*.out")); len(collectLog) == 1 {
		data, _ := os.ReadFile(collectLog[0])
		t.Logf("collect job: %s", strings.TrimSpace(string(data)))
	}

	// One process, its own store, the whole sweep.
	one := filepath.Join(dir, "one")
	mm(one, append([]string{"sweep", "--quiet"}, sweepArgs...)...)
	mm(one, append([]string{"collect", "--out", filepath.Join(dir, "one.json")}, sweepArgs...)...)
	got, want := readCollection(t, filepath.Join(jobs, "results.json")), readCollection(t, filepath.Join(dir, "one.json"))
	if !got.Complete() || got.Tasks != 4 || got.Shards != 4 {
		t.Errorf("collected: complete %v, %d tasks in %d shards; want complete, 4 in 4", got.Complete(), got.Tasks, got.Shards)
	}
	compareCollections(t, got, want, 2*2*4)
	if _, err := os.Stat(filepath.Join(jobs, "results.csv")); err != nil {
		t.Errorf("the collect job's CSV: %v", err)
	}
}

// waitFor polls cond every 200 ms for at most limit; on timeout it fails the test with the
// tails of logs.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool, logs ...string) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s\n%s", limit, what, tails(logs))
		}
	}
}

// tails returns the last lines of each file.
func tails(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s\n%s\n", p, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

// processesUnder lists the processes whose command line or executable mentions dir.
func processesUnder(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if strings.Contains(string(cmdline), dir) || strings.HasPrefix(exe, dir) {
			left = append(left, fmt.Sprintf("%d %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " ")))
		}
	}
	return left
}
