package results_test

import (
	"fmt"
	"os"

	"github.com/mmlab-go/mmlab/results"
)

// A notebook cell is a new process: it finds a finished run in the store by the key of its
// inputs instead of training it again.
func ExampleStore() {
	dir, err := os.MkdirTemp("", "mmlab-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	store, err := results.OpenStore(dir) // results.OpenStore("") uses $MMLAB_HOME or the user cache
	if err != nil {
		fmt.Println(err)
		return
	}
	// Report damaged records and treat them as missing, so they are recomputed.
	store.OnCorrupt = func(err *results.CorruptError) { fmt.Println("warning:", err) }

	inputs := map[string]any{"method": "joint", "seed": 0, "dataset": "lazypair", "epochs": 150}
	key := results.Key(inputs)
	run, found, err := store.Load(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	if !found {
		// ... train here, then:
		run = &results.Run{Key: key, Method: "joint", Seed: 0, ValAcc: 0.97, TestAcc: 0.974,
			Versions: results.Versions{Go: "go1.27.4", Backend: "go"}}
		if err := store.Save(run); err != nil {
			fmt.Println(err)
			return
		}
	}
	again, found, err := store.Load(key) // e.g. in the next cell
	fmt.Println(found, err, again.TestAcc)
	// Output:
	// true <nil> 0.974
}
