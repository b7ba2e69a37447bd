package facts

import (
	"encoding/json"
	"testing"
	"time"
)

func FuzzReadFile(f *testing.F) {
	f.Add([]byte(`{"cluster": {"name": "demo", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/demo", "status": "ACTIVE",
  "identity": {"oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"}}}}`))
	f.Add([]byte(`{"cluster": "demo", "arn": "arn:aws-cn:eks:cn-northwest-1:111122223333:cluster/demo", "partition": "aws-cn",
  "account": "111122223333", "region": "cn-northwest-1", "status": "ACTIVE",
  "oidcIssuer": "https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/ABC", "lookedUpAt": "2026-12-04T00:00:00Z"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	modTime := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseFacts(data, "facts.json", modTime)
		if err != nil {
			return
		}
		// Facts that were read once must read back the same from their
		// own JSON, as irsa-render facts prints them.
		encoded, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("encode facts: %v", err)
		}
		again, err := parseFacts(encoded, "facts.json", modTime)
		if err != nil {
			t.Fatalf("facts that were accepted do not read back: %v\n%s", err, encoded)
		}
		if again.Cluster != got.Cluster || again.Region != got.Region || again.Partition != got.Partition ||
			again.Account != got.Account || again.OIDCIssuer != got.OIDCIssuer || again.OIDCProviderARN != got.OIDCProviderARN {
			t.Fatalf("facts changed on the round trip:\n%+v\n%+v", got, again)
		}
	})
}
