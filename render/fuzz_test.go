package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// fuzzOptions picks one of a few option sets from flags, so that the fuzzer
// covers overwriting, digest pins and the optional annotations too.
func fuzzOptions(flags uint8) Options {
	opts := standardOptions()
	opts.AllowDefaultServiceAccount = true
	opts.AllowMissingServiceAccount = true
	opts.Overwrite = flags&1 != 0
	if flags&2 != 0 {
		opts.ImageTag = testDigest
	}
	if flags&4 != 0 {
		opts.STSRegionalEndpoints = true
		opts.TokenExpiration = 3600
		opts.Audience = "sts.amazonaws.com"
	}
	return opts
}

// FuzzRender checks, for every stream that Render accepts, that the output
// parses, that documents without a runner workload or a ServiceAccount come
// back byte for byte, that rewritten CRLF documents stay CRLF, and that a
// second run changes nothing.
//
// NOTE: on an empty fuzz cache, a 60 s run with the default
// -fuzzminimizetime of 60s spends nearly all its time minimizing the first
// new input, because the seeds are several kilobytes long: it made 23
// executions on a 2-core machine. With -fuzzminimizetime 2s the same run
// made about 250,000.
func FuzzRender(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(casesDir, "*.yaml"))
	if err != nil || len(files) != 4 {
		f.Fatalf("found %d test cases in %s, want 4 (error: %v)", len(files), casesDir, err)
	}
	for _, file := range files {
		data := readCase(f, filepath.Base(file))
		f.Add(data, uint8(0))
		f.Add(bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), uint8(5))
	}
	seeds := []string{
		serviceAccountDoc + runnerDeployment("public.ecr.aws/firefly/ci-runner-worker:latest"),
		serviceAccountDoc + runnerDeployment(`"registry.example.com:5000/ci/ci-runner-worker"`),
		serviceAccountDocAnnotated + pinnedDeployment(regionEnv),
		serviceAccountDocAnnotated + pinnedDeployment("          env: []\n"),
		serviceAccountDocAnnotated + pinnedDeployment("          env:\n          ports: []\n"),
		serviceAccountDoc + "  annotations:\n" + pinnedDeployment("          env:\n          - name: AWS_REGION\n            value: us-east-1\n"),
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - name: w\n      image: ci-runner-worker\n",
		`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "w", "image": "ci-runner-worker:latest"}]}}`,
		"# header\n---\n---\n# Source: x.yaml\n" + serviceAccountDoc,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}

	f.Fuzz(func(t *testing.T, in []byte, flags uint8) {
		if len(in) > 64<<10 {
			return
		}
		r, err := New(fuzzOptions(flags))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		out, first, err := r.Render(in)
		checkSameWithoutFastParse(t, r, in, out, first, err)
		if err != nil {
			if out != nil {
				t.Fatalf("Render returned output together with the error %v", err)
			}
			return
		}

		checkStreamParses(t, out)
		checkUntouchedDocuments(t, r, in, out)

		again, result, err := r.Render(out)
		if err != nil {
			t.Fatalf("second Render failed: %v\ninput:\n%q\nfirst output:\n%q", err, in, out)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("second Render changed the output\nfirst:\n%q\nsecond:\n%q", out, again)
		}
		if result.Rewritten != 0 {
			t.Fatalf("second Render rewrote %d documents", result.Rewritten)
		}
	})
}

// checkSameWithoutFastParse renders in again with yaml.v3 parsing every
// document and fails unless output, result and error are the same. It
// then compares both ways again with every rewritten document encoded
// anew, the path that parses fast documents again for their comments.
func checkSameWithoutFastParse(t *testing.T, r *Renderer, in, out []byte, result *Result, err error) {
	t.Helper()
	compareWithoutFastParse(t, r, in, out, result, err)
	encodeAlways = true
	defer func() { encodeAlways = false }()
	out, result, err = r.Render(in)
	compareWithoutFastParse(t, r, in, out, result, err)
}

func compareWithoutFastParse(t *testing.T, r *Renderer, in, out []byte, result *Result, err error) {
	t.Helper()
	fastParseEnabled = false
	slowOut, slowResult, slowErr := r.Render(in)
	fastParseEnabled = true
	if fmt.Sprint(err) != fmt.Sprint(slowErr) {
		t.Fatalf("with fastParse the error is\n%v\nwith yaml.v3 alone\n%v\ninput:\n%q", err, slowErr, in)
	}
	if !bytes.Equal(out, slowOut) {
		t.Fatalf("with fastParse the output is\n%q\nwith yaml.v3 alone\n%q\ninput:\n%q", out, slowOut, in)
	}
	if !reflect.DeepEqual(result, slowResult) {
		t.Fatalf("with fastParse the result is\n%+v\nwith yaml.v3 alone\n%+v\ninput:\n%q", result, slowResult, in)
	}
}

func checkStreamParses(t *testing.T, out []byte) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
	}
}

// checkUntouchedDocuments compares the input and output document by
// document. Only documents that hold a runner workload or a ServiceAccount
// may differ, and those keep CRLF line ends.
func checkUntouchedDocuments(t *testing.T, r *Renderer, in, out []byte) {
	t.Helper()
	inSegs, outSegs := splitStream(in), splitStream(out)
	if len(inSegs) != len(outSegs) {
		t.Fatalf("input has %d documents, output %d\ninput:\n%q\noutput:\n%q", len(inSegs), len(outSegs), in, out)
	}
	for i := range inSegs {
		if bytes.Equal(inSegs[i].data, outSegs[i].data) {
			continue
		}
		if onlyCRLF(inSegs[i].data) && !onlyCRLF(outSegs[i].data) {
			t.Fatalf("document %d has CRLF line ends, but its rewrite mixes in bare line feeds\ninput:\n%q\noutput:\n%q", i+1, inSegs[i].data, outSegs[i].data)
		}
		d, err := parseDocument(inSegs[i], r.opts.Namespace)
		if err != nil {
			t.Fatalf("document %d of accepted input does not parse alone: %v", i+1, err)
		}
		if !mayBeRewritten(d, r.matcher) {
			t.Fatalf("document %d changed without a runner workload or ServiceAccount\ninput:\n%q\noutput:\n%q", i+1, inSegs[i].data, outSegs[i].data)
		}
	}
}

// onlyCRLF reports whether data has line breaks and every one is CRLF.
func onlyCRLF(data []byte) bool {
	crlf := bytes.Count(data, []byte("\r\n"))
	return crlf > 0 && crlf == bytes.Count(data, []byte("\n"))
}

func mayBeRewritten(d *document, m imageMatcher) bool {
	for _, o := range d.objects {
		if o.kind == "ServiceAccount" {
			return true
		}
		if w := asWorkload(o); w != nil && len(w.runnerContainers(m)) > 0 {
			return true
		}
	}
	return false
}

func FuzzSplitStream(f *testing.F) {
	for _, seed := range []string{"", "---\n", "a: 1\n---\nb: 2\n", "--- \r\na: 1\r\n----\n---\tx\n", "---", "a\n...\n---\nb"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		segments := splitStream(data)
		var joined []byte
		for i, seg := range segments {
			if len(seg.data) == 0 {
				t.Fatalf("segment %d is empty", i+1)
			}
			if i > 0 && !isDocumentStart(firstLine(seg.data)) {
				t.Fatalf("segment %d does not start with a document marker: %q", i+1, seg.data)
			}
			if seg.index != i+1 {
				t.Fatalf("segment %d has index %d", i+1, seg.index)
			}
			joined = append(joined, seg.data...)
		}
		if string(joined) != string(data) {
			t.Fatalf("segments do not add up to the input")
		}
	})
}
