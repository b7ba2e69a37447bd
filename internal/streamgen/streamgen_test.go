package streamgen

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

const chartOutput = "../../testdata/cases/ci-runner-worker-0.0.24/default.yaml"

// manifest is the part of an object that the uniqueness checks read.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		Template struct {
			Spec struct {
				ServiceAccountName string `yaml:"serviceAccountName"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func decodeAll(t *testing.T, stream []byte) []manifest {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	var out []manifest
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("generated stream does not parse: %v", err)
		}
		out = append(out, m)
	}
}

func readChart(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(chartOutput)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRepeatRoundsUpToWholeCopies(t *testing.T) {
	chart := readChart(t)
	for _, tc := range []struct{ n, want int }{{1, 5}, {5, 5}, {6, 10}, {12, 15}, {1000, 1000}} {
		stream, docs, err := Repeat(chart, tc.n)
		if err != nil {
			t.Fatalf("Repeat(n=%d): %v", tc.n, err)
		}
		if docs != tc.want {
			t.Errorf("Repeat(n=%d) reports %d documents, want %d", tc.n, docs, tc.want)
		}
		if got := len(decodeAll(t, stream)); got != tc.want {
			t.Errorf("Repeat(n=%d) wrote %d documents, want %d", tc.n, got, tc.want)
		}
	}
}

func TestRepeatMakesObjectsUnique(t *testing.T) {
	stream, _, err := Repeat(readChart(t), 50)
	if err != nil {
		t.Fatal(err)
	}
	objects := decodeAll(t, stream)
	seen := map[string]bool{}
	serviceAccounts := map[string]bool{}
	namespaces := map[string]bool{}
	for _, m := range objects {
		key := m.Kind + " " + m.Metadata.Namespace + "/" + m.Metadata.Name
		if seen[key] {
			t.Errorf("%s appears twice", key)
		}
		seen[key] = true
		namespaces[m.Metadata.Namespace] = true
		if m.Kind == "ServiceAccount" {
			serviceAccounts[m.Metadata.Namespace+"/"+m.Metadata.Name] = true
		}
	}
	if len(namespaces) != 10 {
		t.Errorf("stream has %d namespaces, want one per copy (10)", len(namespaces))
	}
	for _, m := range objects {
		if m.Kind != "Deployment" {
			continue
		}
		ref := m.Metadata.Namespace + "/" + m.Spec.Template.Spec.ServiceAccountName
		if !serviceAccounts[ref] {
			t.Errorf("Deployment %s/%s uses ServiceAccount %s, which is not in the stream", m.Metadata.Namespace, m.Metadata.Name, ref)
		}
	}
}

func TestRepeatSuffixes(t *testing.T) {
	stream, _, err := Repeat(readChart(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  name: ci-runner-worker-0001\n",
		"  namespace: firefly-0001\n",
		"      serviceAccountName: ci-runner-worker-0001\n",
		"                name: ci-runner-worker-secrets-0001\n",
		"        - name: ci-runner-worker\n", // container names stay
		"# Source: ci-runner-worker/templates/deployment.yaml\n",
	} {
		if !bytes.Contains(stream, []byte(want)) {
			t.Errorf("stream lacks the line %q", want)
		}
	}
}

func TestRepeatWidensSuffix(t *testing.T) {
	stream, _, err := Repeat(readChart(t), 50000)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(stream, []byte("  namespace: firefly-10000\n")) {
		t.Error("copy 10000 lacks the namespace firefly-10000")
	}
	if !bytes.Contains(stream, []byte("  namespace: firefly-00001\n")) {
		t.Error("copy 1 is not padded to five digits when there are 10000 copies")
	}
}

func TestRepeatRejectsEmptyInput(t *testing.T) {
	if _, _, err := Repeat([]byte("---\n\n---\n"), 10); err == nil {
		t.Error("Repeat accepted a template without documents")
	}
	if _, _, err := Repeat(readChart(t), 0); err == nil {
		t.Error("Repeat accepted n = 0")
	}
}

func TestRepeatQuotedValue(t *testing.T) {
	got := string(appendToValue([]byte(`  name: "runner"`+"\n"), "-0001"))
	if want := `  name: "runner-0001"` + "\n"; got != want {
		t.Errorf("appendToValue = %q, want %q", got, want)
	}
}
