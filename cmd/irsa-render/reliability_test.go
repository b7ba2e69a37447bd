package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

// secretStream is a release with a Secret that holds a token.
func secretStream(t *testing.T, image string) []byte {
	t.Helper()
	base := string(readFile(t, caseFile(t, "default.yaml")))
	base = strings.Replace(base, "  FIREFLY_JWT_TOKEN:\n", "  FIREFLY_JWT_TOKEN: "+secretValues[0]+"\nstringData:\n  RAW: "+secretValues[1]+"\n", 1)
	return []byte(strings.Replace(base, "ci-runner-worker:latest", image, 1))
}

func TestSecretsNeverLogged(t *testing.T) {
	fake := newFakeAWS(t)
	env := fakeEnv(t, fake)
	log := filepath.Join(t.TempDir(), "irsa-render.log")
	tests := []struct {
		name     string
		stdin    []byte
		args     []string
		wantCode int
	}{
		{name: "success", stdin: secretStream(t, "ci-runner-worker:latest"), args: clusterArgs, wantCode: 0},
		{name: "problems", stdin: secretStream(t, "ci-runner-worker:latest"), args: []string{"--role-arn=" + testRole, "--cluster=demo", "--region=eu-central-1"}, wantCode: 1},
		{name: "env conflict", stdin: bytes.Replace(secretStream(t, "ci-runner-worker:latest"), []byte("value: unix:///var/run/docker.sock"), []byte("value: unix:///var/run/docker.sock\n            - name: AWS_REGION\n              value: us-east-1"), 1), args: clusterArgs, wantCode: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, tc.stdin, env, append([]string{"--log-file=" + log}, tc.args...)...)
			if got.code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
		})
	}
	recordFile(t.Name(), log, readFile(t, log))
	assertCacheParses(t, env)
	if leaks := findLeaks(); len(leaks) > 0 {
		t.Errorf("secrets leaked:\n%s", strings.Join(leaks, "\n"))
	}
}

func TestSignalDuringLookupExitsPromptly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			fake := newFakeAWS(t)
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultNoAnswer})
			cmd := exec.Command(binary, append(clusterArgs, "--aws-timeout=60s")...)
			cmd.Stdin = bytes.NewReader(readFile(t, caseFile(t, "default.yaml")))
			cmd.Env = append(cleanEnv(), fakeEnv(t, fake)...)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait until the lookup is in flight.
			deadline := time.Now().Add(10 * time.Second)
			for fake.Calls(awsfake.OpDescribeCluster) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			elapsed := time.Since(sent)
			record(t.Name(), result{stdout: out.String(), stderr: errOut.String()})
			if err == nil {
				t.Fatal("process exited 0 after a signal, want non-zero")
			}
			if elapsed > 3*time.Second {
				t.Errorf("process took %v to exit after %s, want under 3s", elapsed, sig)
			}
			if out.Len() != 0 {
				t.Errorf("stdout has %d bytes, want none", out.Len())
			}
			if !strings.Contains(errOut.String(), "irsa-render: error:") {
				t.Errorf("stderr = %q, want the reason", errOut.String())
			}
		})
	}
}

func TestKilledDuringCacheWriteKeepsEntryReadable(t *testing.T) {
	fake := newFakeAWS(t)
	env := fakeEnv(t, fake)
	input := readFile(t, caseFile(t, "default.yaml"))
	if got := runBinary(t, input, env, clusterArgs...); got.code != 0 {
		t.Fatalf("warm-up exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	// Each run refreshes the entry and is killed at a different moment,
	// from before the AWS calls to during the cache write.
	for i := range 20 {
		cmd := exec.Command(binary, append(clusterArgs, "--refresh")...)
		cmd.Stdin = bytes.NewReader(input)
		cmd.Env = append(cleanEnv(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		assertCacheParses(t, env)
	}
	if got := runBinary(t, input, env, clusterArgs...); got.code != 0 {
		t.Errorf("render after the killed runs: exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
}
