package datasets

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecStringsUnchanged pins, for a few specs of every generated kind, the canonical string,
// its dataset cache file name, and both again after WithSeedOffset(3): what run keys and the
// dataset cache hash. The expected values were computed by the code before the spec keys moved
// to internal/keyval's tagged structs (commit d8e75d29, with the specKey tables of keys.go, by a
// throw-away test printing exactly these five columns), so that the move is checked to change no
// stored run key and no cache file. The avmnist rows depend on the FSDD recordings' checksum and
// run only with the recordings whose fsdd_sum they record.
func TestSpecStringsUnchanged(t *testing.T) {
	for _, c := range []struct{ in, canonical, cache, offset, offsetCache string }{
		{"lazypair", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1", "lazypair-42adc07c1bfac907bbe1b8b68d3e3acf.mmds", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=4", "lazypair-6152527fa6d1f5291b656792e4309532.mmds"},
		{"avsynth", "avsynth:k=4,size=16,freq=16,frames=16,rho=0.8,pi=0,pair_only=0.35,c=4,tau=4,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=1", "avsynth-1b8e2222dd4abdaa30944c7a5863f8bb.mmds", "avsynth:k=4,size=16,freq=16,frames=16,rho=0.8,pi=0,pair_only=0.35,c=4,tau=4,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=4", "avsynth-0cbe70338498b282e173c36f16b79aa8.mmds"},
		{"twoview", "twoview:k=6,size=16,rho=0.8,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=1", "twoview-3babb30e942397814378ff845708df42.mmds", "twoview:k=6,size=16,rho=0.8,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=4", "twoview-972d568176381810f6330ab5ccbb5b76.mmds"},
		{"mnist2view", "mnist2view:source=mnist,n_train=2000,n_val=1000,n_test=2000,seed=1", "mnist2view-852afdf1fa751a94007b31a90ff6f39d.mmds", "mnist2view:source=mnist,n_train=2000,n_val=1000,n_test=2000,seed=4", "mnist2view-d4532c9ed2d3d5cdbf4605a74c67bfbf.mmds"},
		{"avmnist", "avmnist:pca=0.25,size=24,snr=-10,image_sigma=0,n_train=3000,n_val=1000,n_test=2000,seed=1,fsdd_sum=2f17dea19a57e5b4", "avmnist-7b00999b16d9a8b4032f3e317be090ab.mmds", "avmnist:pca=0.25,size=24,snr=-10,image_sigma=0,n_train=3000,n_val=1000,n_test=2000,seed=4,fsdd_sum=2f17dea19a57e5b4", "avmnist-c5d7d62867f41d95cc00be2335454ebc.mmds"},
		{"lazypair:rho=0.7,pi=0.4,pair=add", "lazypair:k=4,dim=48,m=2,rho=0.7,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0.4,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1", "lazypair-d508d3928a418cf6cd36c2340496d7c9.mmds", "lazypair:k=4,dim=48,m=2,rho=0.7,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0.4,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=4", "lazypair-8de308aced5314d29a0dc6d2c7cafd17.mmds"},
		{"lazypair:rho1=0.5,sigma=-0,k=4", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=0,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1,rho1=0.5", "lazypair-315bc7f771e95b3e0a18accf42a3b066.mmds", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=0,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=4,rho1=0.5", "lazypair-d14899dd192a9be79ec2fc1db5333b0c.mmds"},
		{"lazypair:rho1=0.8,sigma1=-1,hard_sign=random", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1", "lazypair-42adc07c1bfac907bbe1b8b68d3e3acf.mmds", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=4", "lazypair-6152527fa6d1f5291b656792e4309532.mmds"},
		{"lazypair:sigma1=0.25,distract=3,seed=-5", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=3,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=-5,sigma1=0.25", "lazypair-4512f99225fd90e83bc39562ee81dcf2.mmds", "lazypair:k=4,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=3,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=-2,sigma1=0.25", "lazypair-f3d4fdaf4aa06c223666c34f5b4a472f.mmds"},
		{"avsynth:k=4,tau=0.25,pi=0.1", "avsynth:k=4,size=16,freq=16,frames=16,rho=0.8,pi=0.1,pair_only=0.35,c=4,tau=0.25,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=1", "avsynth-e93d23c022659a881ec88648d79b4fd5.mmds", "avsynth:k=4,size=16,freq=16,frames=16,rho=0.8,pi=0.1,pair_only=0.35,c=4,tau=0.25,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=4", "avsynth-e21c55800c1077f11fc25b221418f7bf.mmds"},
		{"twoview:rho=0.3,seed=7,sigma=1e-3", "twoview:k=6,size=16,rho=0.3,sigma=0.001,n_train=2000,n_val=1000,n_test=2000,seed=7", "twoview-e03e57648c531f207d71f3292b4d7432.mmds", "twoview:k=6,size=16,rho=0.3,sigma=0.001,n_train=2000,n_val=1000,n_test=2000,seed=10", "twoview-85566569881dea7668689048479acd0f.mmds"},
		{"mnist2view:n_train=100,seed=2", "mnist2view:source=mnist,n_train=100,n_val=1000,n_test=2000,seed=2", "mnist2view-7c461e0903a4743431961b248cf88d66.mmds", "mnist2view:source=mnist,n_train=100,n_val=1000,n_test=2000,seed=5", "mnist2view-0d3b0930f0b87efb5945923431026362.mmds"},
		{"avmnist:snr=2,pca=0.5,size=14", "avmnist:pca=0.5,size=14,snr=2,image_sigma=0,n_train=3000,n_val=1000,n_test=2000,seed=1,fsdd_sum=2f17dea19a57e5b4", "avmnist-d86af4ebaa00b7e441f68d90d4409f93.mmds", "avmnist:pca=0.5,size=14,snr=2,image_sigma=0,n_train=3000,n_val=1000,n_test=2000,seed=4,fsdd_sum=2f17dea19a57e5b4", "avmnist-6e7b305671ace2b4c337249b8ce62ad6.mmds"},
	} {
		if strings.HasPrefix(c.in, AVMNISTName) {
			if dir, err := ResolveFSDDDir(""); err != nil {
				t.Logf("%s: skipped (no FSDD recordings: %v)", c.in, err)
				continue
			} else if sum, err := FSDDChecksum(dir); err != nil || !strings.Contains(c.canonical, "fsdd_sum="+sum) {
				t.Logf("%s: skipped (the FSDD recordings in %s are not the ones pinned: %v)", c.in, dir, err)
				continue
			}
		}
		s, err := ParseSpec(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		for _, got := range []struct{ what, spec, want, wantCache string }{
			{"canonical", s.String(), c.canonical, c.cache},
			{"with seed offset 3", s.WithSeedOffset(3).String(), c.offset, c.offsetCache},
		} {
			path, err := Cache{Dir: "/c"}.Path(got.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got.spec != got.want || filepath.Base(path) != got.wantCache {
				t.Errorf("%s, %s:\n got %s (%s)\nwant %s (%s)", c.in, got.what, got.spec, filepath.Base(path), got.want, got.wantCache)
			}
		}
	}
}
