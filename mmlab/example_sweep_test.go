package mmlab_test

import (
	"fmt"

	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// A sweep is a grid of studies split into tasks, one per cell and seed, that shards run
// anywhere sharing the results store (here only listed: RunSweep runs a shard, CollectSweep
// merges the results).
func ExampleSweep() {
	sweep := mmlab.Sweep{Dataset: "lazypair:pair=add", Methods: []string{"ume", "umt"}, Seeds: 2,
		Grid: []results.GridAxis{{Key: "rho", Values: []string{"0.6", "0.9"}}, {Key: "umt.lambda", Values: []string{"1", "10"}}}}
	tasks, err := sweep.Tasks()
	if err != nil {
		fmt.Println(err)
		return
	}
	shard := mmlab.Shard{Index: 1, Count: 3}
	for _, t := range tasks {
		fmt.Printf("task %d: %s seed %d, shard %v, mine %v\n", t.Index, t.Cell.Label(sweep.Grid), t.Seed,
			mmlab.ShardOf(t.Index, 3), shard.Has(t.Index))
	}
	// Output:
	// task 0: rho=0.6,umt.lambda=1 seed 0, shard 0/3, mine false
	// task 1: rho=0.6,umt.lambda=1 seed 1, shard 1/3, mine true
	// task 2: rho=0.6,umt.lambda=10 seed 0, shard 2/3, mine false
	// task 3: rho=0.6,umt.lambda=10 seed 1, shard 0/3, mine false
	// task 4: rho=0.9,umt.lambda=1 seed 0, shard 1/3, mine true
	// task 5: rho=0.9,umt.lambda=1 seed 1, shard 2/3, mine false
	// task 6: rho=0.9,umt.lambda=10 seed 0, shard 0/3, mine false
	// task 7: rho=0.9,umt.lambda=10 seed 1, shard 1/3, mine true
}
