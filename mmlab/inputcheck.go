package mmlab

// Checks of a study's options against its data, made as soon as the data is known and before
// anything trains on it, so that a bad combination is reported as bad input (InputError), not
// as a training failure.

import (
	"fmt"

	"github.com/mmlab-go/mmlab/datasets"
)

// InputError is RunStudy's error when the study's options do not fit its data: a train.batch
// larger than the training split, a cnn encoder on vector data. Like an invalid option it is bad
// input, found only once the data is known (the CLI exits 2 on it); it is returned before
// anything is trained on that data.
type InputError struct{ Err error }

// Error implements error.
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// checkDataFits returns an *InputError if the options of cfg cannot train on data.
func checkDataFits(cfg *Config, data *datasets.Dataset) error {
	if n := data.Train.Len(); cfg.Train.Batch > n {
		return &InputError{fmt.Errorf("train.batch=%d exceeds the %d training samples: use a smaller train.batch",
			cfg.Train.Batch, n)}
	}
	if cfg.Model.EncoderKind == EncoderCNN {
		for _, m := range data.Modalities {
			if len(m.Shape) < 2 {
				return &InputError{fmt.Errorf("model.encoder=cnn wants images (per-sample shape [C, H, W] or [H, W]), "+
					"but modality %s has shape %v: use model.encoder=auto or mlp", m.Name, m.Shape)}
			}
		}
	}
	return nil
}
