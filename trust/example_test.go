package trust_test

import (
	"fmt"
	"os"

	"github.com/firefly-oss/irsa-render/trust"
)

const (
	exampleIssuer   = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	exampleProvider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
)

func ExamplePolicy() {
	doc, err := trust.Policy(trust.Input{
		ProviderARN: exampleProvider,
		Issuer:      exampleIssuer,
		Subjects:    []trust.Subject{{Namespace: "firefly", Name: "runner-ci-runner-worker"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	out, err := trust.JSON(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)

	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Effect": "Allow",
	//       "Principal": {
	//         "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	//       },
	//       "Action": "sts:AssumeRoleWithWebIdentity",
	//       "Condition": {
	//         "StringEquals": {
	//           "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
	//           "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:firefly:runner-ci-runner-worker"
	//         }
	//       }
	//     }
	//   ]
	// }
}

func ExampleEvaluate() {
	// A policy written for the chart's ServiceAccount before the release
	// name prefix was added, as GetRole returns it.
	doc, err := trust.ParseDocument("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C" +
		"%22Principal%22%3A%7B%22Federated%22%3A%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aoidc-provider%2F" +
		"oidc.eks.eu-west-1.amazonaws.com%2Fid%2FEXAMPLED539D4633E53DE1B71EXAMPLE%22%7D%2C" +
		"%22Action%22%3A%22sts%3AAssumeRoleWithWebIdentity%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B" +
		"%22oidc.eks.eu-west-1.amazonaws.com%2Fid%2FEXAMPLED539D4633E53DE1B71EXAMPLE%3Asub%22%3A" +
		"%22system%3Aserviceaccount%3Afirefly%3Aci-runner-worker%22%7D%7D%7D%5D%7D")
	if err != nil {
		fmt.Println(err)
		return
	}

	req := trust.Request{
		ProviderARN: exampleProvider,
		Issuer:      exampleIssuer,
		Subject:     "system:serviceaccount:firefly:runner-ci-runner-worker",
	}

	decision := trust.Evaluate(doc, req)
	fmt.Println(decision.Allowed)
	fmt.Println(decision.Reason)
	for _, note := range decision.NearMisses {
		fmt.Println(note)
	}

	fix := trust.Fix(req, doc)
	fmt.Println(fix.Condition["StringEquals"]["oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"])

	// Output:
	// false
	// no statement allows sts:AssumeRoleWithWebIdentity for system:serviceaccount:firefly:runner-ci-runner-worker with audience sts.amazonaws.com, so IAM denies the request implicitly
	// statement 0 allows ServiceAccount ci-runner-worker, the chart renders runner-ci-runner-worker, which adds the release prefix runner-
	// [system:serviceaccount:firefly:ci-runner-worker system:serviceaccount:firefly:runner-ci-runner-worker]
}

func ExampleParseDocument_malformed() {
	_, err := trust.ParseDocument("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}")
	fmt.Println(err)
	// Output:
	// invalid trust policy: malformed JSON at line 4, column 24: invalid character '}' looking for beginning of object key string
}
