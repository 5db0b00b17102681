package datasets

import (
	"fmt"
	"os"
	"path/filepath"
)

// HomeEnv is the environment variable that sets the mmlab home directory (results store, dataset
// caches, the ECharts script installed by set-up). It is the only environment variable mmlab's
// library code reads; results.HomeEnv is the same name.
const HomeEnv = "MMLAB_HOME"

// Home returns the mmlab home directory: $MMLAB_HOME if it is set and not empty, else "mmlab"
// inside the user's cache directory (os.UserCacheDir, e.g. ~/.cache/mmlab on Linux). This is the
// one implementation of the rule; results.DefaultHome delegates to it.
func Home() (string, error) {
	if home := os.Getenv(HomeEnv); home != "" {
		return home, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets.Home: %s is not set and there is no user cache directory (%w); set %s", HomeEnv, err, HomeEnv)
	}
	return filepath.Join(cache, "mmlab"), nil
}

// CacheDir returns <Home()>/datasets, where generated datasets are cached (docs/DESIGN.md §2.2).
func CacheDir() (string, error) {
	home, err := Home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "datasets"), nil
}
