package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/mmlab"
)

// seedsHelp is the help of --seeds.
const seedsHelp = "run seeds: `N` (0, 1, …, N−1), a range A-B (A, A+1, …, B) or a list a,b,c, e.g. 5, 5-9, 0,3,7 " +
	"(seed s uses the dataset drawn with the spec's seed + s; its runs are the same whichever form names it)"

// parseSeeds parses the value of --seeds: "N" is 0 … N−1, "A-B" is A … B, "a,b,c" the seeds
// listed (distinct). Errors name the flag and the value.
func parseSeeds(value string) ([]int, error) {
	v := strings.TrimSpace(value)
	bad := func(format string, args ...any) error {
		return usagef("--seeds %s: "+format+" (want N, A-B or a,b,c, e.g. 5, 5-9, 0,3,7)", append([]any{value}, args...)...)
	}
	number := func(s string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return 0, bad("%q is not a seed (an integer ≥ 0)", strings.TrimSpace(s))
		}
		return n, nil
	}
	switch {
	case strings.Contains(v, ","):
		var seeds []int
		seen := map[int]bool{}
		for part := range strings.SplitSeq(v, ",") {
			s, err := number(part)
			if err != nil {
				return nil, err
			}
			if seen[s] {
				return nil, bad("seed %d given twice", s)
			}
			seen[s] = true
			seeds = append(seeds, s)
			if len(seeds) > mmlab.MaxSeeds {
				return nil, bad("more than %d seeds (mmlab.MaxSeeds)", mmlab.MaxSeeds)
			}
		}
		return seeds, nil
	case strings.Contains(v, "-") && !strings.HasPrefix(v, "-"):
		lo, hi, _ := strings.Cut(v, "-")
		a, err := number(lo)
		if err != nil {
			return nil, err
		}
		b, err := number(hi)
		if err != nil {
			return nil, err
		}
		if b < a {
			return nil, bad("the range ends before it starts")
		}
		if b-a >= mmlab.MaxSeeds {
			return nil, bad("%d seeds, more than %d (mmlab.MaxSeeds)", b-a+1, mmlab.MaxSeeds)
		}
		var seeds []int
		for s := a; s <= b; s++ {
			seeds = append(seeds, s)
		}
		return seeds, nil
	default:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, bad("not a number of seeds, a range or a list")
		}
		if n < 1 {
			return nil, bad("want at least 1")
		}
		if n > mmlab.MaxSeeds {
			return nil, bad("%d seeds, more than %d (mmlab.MaxSeeds)", n, mmlab.MaxSeeds)
		}
		seeds := make([]int, n)
		for s := range seeds {
			seeds[s] = s
		}
		return seeds, nil
	}
}

// seedsArg returns the shortest --seeds value naming seeds: "5" for 0 … 4, "5-9", "3-3", "0,3,7".
func seedsArg(seeds []int) string {
	if contiguous(seeds) {
		if seeds[0] == 0 {
			return strconv.Itoa(len(seeds))
		}
		return fmt.Sprintf("%d-%d", seeds[0], seeds[len(seeds)-1]) // "3-3" for seed 3 alone
	}
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ",")
}

// contiguous reports whether seeds is a non-empty ascending run of consecutive integers.
func contiguous(seeds []int) bool {
	for i := 1; i < len(seeds); i++ {
		if seeds[i] != seeds[i-1]+1 {
			return false
		}
	}
	return len(seeds) > 0
}

// seedsText names the run seeds: "seed 0", "seeds 0–4", "seeds 0, 3, 7".
func seedsText(seeds []int) string {
	switch {
	case len(seeds) == 1:
		return fmt.Sprintf("seed %d", seeds[0])
	case contiguous(seeds):
		return fmt.Sprintf("seeds %d–%d", seeds[0], seeds[len(seeds)-1])
	default:
		return "seeds " + strings.ReplaceAll(seedsArg(seeds), ",", ", ")
	}
}
