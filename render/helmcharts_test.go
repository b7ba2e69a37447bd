package render

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestFastParseHelmTestCharts renders the test charts that ship in Helm's
// own module (a dependency of this one) with bin/helm3 and parses every
// document both ways. The charts were written by other people for other
// purposes, so they show which of the YAML that charts render stays
// outside the fast subset.
func TestFastParseHelmTestCharts(t *testing.T) {
	helm := filepath.Join("..", "bin", "helm3")
	if _, err := os.Stat(helm); err != nil {
		if os.Getenv("IRSA_RENDER_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is missing: run hack/tools.sh helm3", helm)
		}
		t.Skipf("%s is missing: run hack/tools.sh helm3", helm)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "helm.sh/helm/v3").Output()
	if err != nil {
		t.Fatalf("go list -m helm.sh/helm/v3: %v", err)
	}
	moduleDir := strings.TrimSpace(string(out))
	var charts []string
	err = filepath.WalkDir(moduleDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "Chart.yaml" {
			charts = append(charts, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "HELM_CACHE_HOME=" + home, "HELM_CONFIG_HOME=" + home, "HELM_DATA_HOME=" + home}
	renders := make([][]byte, len(charts))
	parallel(len(charts), func(i int) {
		cmd := exec.Command(helm, "template", "r", charts[i])
		cmd.Env = env
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if cmd.Run() == nil {
			renders[i] = stdout.Bytes()
		}
	})

	documents, accepted := 0, 0
	for i, data := range renders {
		for _, seg := range splitStream(data) {
			if root, err := decodeSingle(seg.data); err != nil || root == nil || root.Kind != yaml.MappingNode {
				continue
			}
			documents++
			if checkFastParse(t, seg.data) {
				accepted++
			} else {
				t.Logf("%s, document %d, is outside the fast subset", filepath.Base(charts[i]), seg.index)
			}
		}
	}
	t.Logf("%d charts, %d documents, %d in the fast subset", len(charts), documents, accepted)
	if documents < 100 {
		t.Fatalf("the charts rendered %d documents, want at least 100", documents)
	}
	if accepted < documents*4/5 {
		t.Errorf("fastParse accepted %d of %d documents, want at least 80%%", accepted, documents)
	}
}
