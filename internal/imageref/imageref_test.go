package imageref

import (
	"errors"
	"strings"
	"testing"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		name         string
		ref          string
		wantRepo     string
		wantTag      string
		wantDigest   string
		wantRegistry string
		wantName     string
	}{
		{name: "bare name", ref: "ci-runner-worker", wantRepo: "ci-runner-worker", wantName: "ci-runner-worker"},
		{name: "tag", ref: "ci-runner-worker:v0.6.26", wantRepo: "ci-runner-worker", wantTag: "v0.6.26", wantName: "ci-runner-worker"},
		{name: "hub namespace", ref: "firefly/ci-runner-worker:latest", wantRepo: "firefly/ci-runner-worker", wantTag: "latest", wantName: "ci-runner-worker"},
		{
			name: "registry", ref: "public.ecr.aws/firefly/ci-runner-worker:latest",
			wantRepo: "public.ecr.aws/firefly/ci-runner-worker", wantTag: "latest", wantRegistry: "public.ecr.aws", wantName: "ci-runner-worker",
		},
		{
			name: "registry port no tag", ref: "registry.example.com:5000/ci/ci-runner-worker",
			wantRepo: "registry.example.com:5000/ci/ci-runner-worker", wantRegistry: "registry.example.com:5000", wantName: "ci-runner-worker",
		},
		{
			name: "registry port tag", ref: "registry.example.com:5000/ci/ci-runner-worker:v1",
			wantRepo: "registry.example.com:5000/ci/ci-runner-worker", wantTag: "v1", wantRegistry: "registry.example.com:5000", wantName: "ci-runner-worker",
		},
		{
			name: "digest", ref: "public.ecr.aws/firefly/ci-runner-worker@" + digest,
			wantRepo: "public.ecr.aws/firefly/ci-runner-worker", wantDigest: digest, wantRegistry: "public.ecr.aws", wantName: "ci-runner-worker",
		},
		{
			name: "tag and digest", ref: "ci-runner-worker:v1@" + digest,
			wantRepo: "ci-runner-worker", wantTag: "v1", wantDigest: digest, wantName: "ci-runner-worker",
		},
		{name: "localhost", ref: "localhost/app:1", wantRepo: "localhost/app", wantTag: "1", wantRegistry: "localhost", wantName: "app"},
		{name: "localhost port", ref: "localhost:5000/app", wantRepo: "localhost:5000/app", wantRegistry: "localhost:5000", wantName: "app"},
		{name: "IPv6 registry", ref: "[::1]:5000/app:v1", wantRepo: "[::1]:5000/app", wantTag: "v1", wantRegistry: "[::1]:5000", wantName: "app"},
		{name: "uppercase registry", ref: "Registry/app:v1", wantRepo: "Registry/app", wantTag: "v1", wantRegistry: "Registry", wantName: "app"},
		{name: "separators", ref: "a__b/c.d-e/f--g_h:T_1.x-y", wantRepo: "a__b/c.d-e/f--g_h", wantTag: "T_1.x-y", wantRegistry: "", wantName: "f--g_h"},
		{name: "docker dind", ref: "docker:dind", wantRepo: "docker", wantTag: "dind", wantName: "docker"},
		{name: "digest of 32 characters", ref: "app@sha512:" + strings.Repeat("a", 32), wantRepo: "app", wantDigest: "sha512:" + strings.Repeat("a", 32), wantName: "app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.ref)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.ref, err)
			}
			if tt.wantRepo != r.Repository {
				t.Errorf("Repository = %q, want %q", r.Repository, tt.wantRepo)
			}
			if tt.wantTag != r.Tag {
				t.Errorf("Tag = %q, want %q", r.Tag, tt.wantTag)
			}
			if tt.wantDigest != r.Digest {
				t.Errorf("Digest = %q, want %q", r.Digest, tt.wantDigest)
			}
			if got := r.Registry(); tt.wantRegistry != got {
				t.Errorf("Registry() = %q, want %q", got, tt.wantRegistry)
			}
			if got := r.Name(); tt.wantName != got {
				t.Errorf("Name() = %q, want %q", got, tt.wantName)
			}
			if got := r.String(); tt.ref != got {
				t.Errorf("String() = %q, want the input %q", got, tt.ref)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		ref  string
		want string
	}{
		{name: "spaces", ref: " ci-runner-worker", want: "leading or trailing spaces"},
		{name: "empty tag", ref: "ci-runner-worker:", want: `invalid tag ""`},
		{name: "tag too long", ref: "app:" + strings.Repeat("a", 129), want: "invalid tag"},
		{name: "tag leading dot", ref: "app:.x", want: `invalid tag ".x"`},
		{name: "two colons", ref: "app:a:b", want: `invalid repository path component "app:a"`},
		{name: "uppercase path", ref: "firefly/Runner", want: `invalid repository path component "Runner"`},
		{name: "empty component", ref: "firefly//runner", want: `invalid repository path component ""`},
		{name: "short digest", ref: "app@sha256:abc", want: `invalid digest "sha256:abc"`},
		{name: "digest of 31 characters", ref: "app@sha512:" + strings.Repeat("a", 31), want: "invalid digest"},
		{name: "digest no algorithm", ref: "app@" + strings.Repeat("a", 64), want: "invalid digest"},
		{name: "empty repository", ref: ":v1", want: "repository is empty"},
		{name: "bad registry", ref: "-bad.example.com/app", want: `invalid registry "-bad.example.com"`},
		{name: "bad port", ref: "registry.example.com:port/app", want: `invalid registry "registry.example.com:port"`},
		{name: "trailing slash", ref: "registry.example.com/", want: `invalid repository path component ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.ref)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tt.ref)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.ref, err, tt.want)
			}
		})
	}

	t.Run("empty", func(t *testing.T) {
		if _, err := Parse(""); !errors.Is(err, ErrEmpty) {
			t.Errorf("Parse(\"\") error = %v, want ErrEmpty", err)
		}
	})
}

func TestNormalizedRepository(t *testing.T) {
	tests := []struct {
		ref  string
		want string
	}{
		{ref: "docker", want: "docker.io/library/docker"},
		{ref: "docker:dind", want: "docker.io/library/docker"},
		{ref: "docker.io/docker", want: "docker.io/library/docker"},
		{ref: "docker.io/library/docker", want: "docker.io/library/docker"},
		{ref: "index.docker.io/library/docker", want: "docker.io/library/docker"},
		{ref: "registry.hub.docker.com/library/docker:dind", want: "docker.io/library/docker"},
		{ref: "registry-1.docker.io/docker", want: "docker.io/library/docker"},
		{ref: "firefly/ci-runner-worker", want: "docker.io/firefly/ci-runner-worker"},
		{ref: "public.ecr.aws/firefly/ci-runner-worker:latest", want: "public.ecr.aws/firefly/ci-runner-worker"},
		{ref: "registry.example.com:5000/ci-runner-worker", want: "registry.example.com:5000/ci-runner-worker"},
		{ref: "localhost/app", want: "localhost/app"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r, err := Parse(tt.ref)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.NormalizedRepository(); tt.want != got {
				t.Errorf("NormalizedRepository() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPinned(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{ref: "app", want: false},
		{ref: "app:latest", want: false},
		{ref: "app:v1", want: true},
		{ref: "app@" + digest, want: true},
		{ref: "app:latest@" + digest, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r, err := Parse(tt.ref)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.Pinned(); tt.want != got {
				t.Errorf("Pinned() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStringChanged(t *testing.T) {
	r, err := Parse("registry.example.com:5000/ci/ci-runner-worker:latest")
	if err != nil {
		t.Fatal(err)
	}
	r.Tag = "v0.6.26"
	r.Digest = digest
	want := "registry.example.com:5000/ci/ci-runner-worker:v0.6.26@" + digest
	if got := r.String(); want != got {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestIsSHA256Digest(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{s: digest, want: true},
		{s: "sha256:" + strings.Repeat("A", 64), want: false},
		{s: "sha256:" + strings.Repeat("a", 63), want: false},
		{s: "sha512:" + strings.Repeat("a", 64), want: false},
		{s: "v0.6.26", want: false},
		{s: digest + "\n", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := IsSHA256Digest(tt.s); tt.want != got {
				t.Errorf("IsSHA256Digest(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestCheckTag(t *testing.T) {
	tests := []struct {
		tag     string
		wantErr bool
	}{
		{tag: "v0.6.26"},
		{tag: "latest"},
		{tag: "_x"},
		{tag: strings.Repeat("a", 128)},
		{tag: strings.Repeat("a", 129), wantErr: true},
		{tag: "", wantErr: true},
		{tag: "-x", wantErr: true},
		{tag: ".x", wantErr: true},
		{tag: "a/b", wantErr: true},
		{tag: "a:b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			err := CheckTag(tt.tag)
			if tt.wantErr != (err != nil) {
				t.Errorf("CheckTag(%q) error = %v, want error %v", tt.tag, err, tt.wantErr)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that String gives back every
// reference Parse accepts.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"ci-runner-worker",
		"public.ecr.aws/firefly/ci-runner-worker:latest",
		"registry.example.com:5000/ci/ci-runner-worker:v0.6.26@" + digest,
		"registry.hub.docker.com/library/docker:dind",
		"[::1]:5000/app:v1",
		"localhost:5000",
		"app@sha256:abc",
		"Registry/app",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		r, err := Parse(ref)
		if err != nil {
			return
		}
		if got := r.String(); ref != got {
			t.Fatalf("Parse(%q).String() = %q", ref, got)
		}
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but not its String() %q: %v", ref, r.String(), err)
		}
		if again != r {
			t.Fatalf("Parse(String()) = %+v, want %+v", again, r)
		}
		if r.Name() == "" {
			t.Fatalf("Parse(%q) accepted an empty name", ref)
		}
		if r.NormalizedRepository() == "" {
			t.Fatalf("Parse(%q) gives an empty normalized repository", ref)
		}
	})
}
