//go:build xla

package mmlab

// Built with -tags xla, mmlab links GoMLX's XLA backend (github.com/gomlx/go-xla/compute/xla),
// so that GOMLX_BACKEND=xla:cpu or xla:cuda selects it (DefaultBackend, docs/DESIGN.md §8). The
// PJRT plugins themselves are not part of the build and are never downloaded by mmlab: the user
// installs them (see go-xla's README; PJRT_PLUGIN_LIBRARY_PATH names their directory). The
// autoinstall package, which downloads them at start-up, is deliberately not imported.
import _ "github.com/gomlx/go-xla/compute/xla"
