package facts

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Target is the EKS cluster a lookup is about.
type Target struct {
	Cluster string
	// Region may be empty when Request.Cluster is a plain name and
	// Request.Region is empty; Lookup then takes the AWS config's region.
	Region string
	// Context and Server name the kubeconfig context and API server the
	// target came from; both are empty when Request.Cluster named it.
	Context string
	Server  string
}

// maxKubeconfigSize bounds what is read from one kubeconfig file.
const maxKubeconfigSize = 16 << 20

// ChooseCluster returns the cluster of req: Request.Cluster (a name or an
// ARN) with Request.Region, or else the EKS cluster of the kubeconfig
// context. It reads files but never calls AWS.
func ChooseCluster(req Request) (Target, error) {
	if req.Cluster != "" {
		return targetFromRequest(req)
	}
	target, err := targetFromKubeconfig(req.Kubeconfig, req.Context)
	if err != nil {
		return Target{}, err
	}
	if req.Region != "" && req.Region != target.Region {
		return Target{}, fmt.Errorf("kubeconfig context %q points at a cluster in %s, but the requested region is %s; "+
			"drop the region, or name the cluster and region explicitly (--cluster, --region)", target.Context, target.Region, req.Region)
	}
	return target, nil
}

func targetFromRequest(req Request) (Target, error) {
	if !isClusterARN(req.Cluster) {
		if !clusterNamePattern.MatchString(req.Cluster) {
			return Target{}, fmt.Errorf("invalid EKS cluster name %q: use letters, digits, '-' and '_', starting with a letter or digit, or pass the cluster ARN", req.Cluster)
		}
		if req.Region != "" && !regionPattern.MatchString(req.Region) {
			return Target{}, fmt.Errorf("invalid AWS region %q: want a region such as us-east-1", req.Region)
		}
		return Target{Cluster: req.Cluster, Region: req.Region}, nil
	}
	arn, err := ParseClusterARN(req.Cluster)
	if err != nil {
		return Target{}, err
	}
	if req.Region != "" && req.Region != arn.Region {
		return Target{}, fmt.Errorf("cluster ARN %s is in region %s, but the requested region is %s; drop one of them",
			req.Cluster, arn.Region, req.Region)
	}
	return Target{Cluster: arn.Name, Region: arn.Region}, nil
}

// kubeconfig holds the parts of a kubeconfig file that name the cluster.
type kubeconfig struct {
	CurrentContext string `yaml:"current-context"`
	Contexts       []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	} `yaml:"contexts"`
	Clusters []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server string `yaml:"server"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			Exec *struct {
				Command string   `yaml:"command"`
				Args    []string `yaml:"args"`
			} `yaml:"exec"`
		} `yaml:"user"`
	} `yaml:"users"`
}

// mergedKubeconfig is the merge of several files under kubectl's rules:
// the first current-context set wins, and so does the first entry of each
// name.
type mergedKubeconfig struct {
	currentContext string
	contexts       map[string]struct{ cluster, user string }
	servers        map[string]string
	execs          map[string]execCommand
}

type execCommand struct {
	command string
	args    []string
}

// kubeconfigPaths returns the files to read: the explicit list, or
// $KUBECONFIG, or ~/.kube/config.
func kubeconfigPaths(explicit string) ([]string, error) {
	list := explicit
	if list == "" {
		list = os.Getenv("KUBECONFIG")
	}
	if list != "" {
		var paths []string
		for _, path := range filepath.SplitList(list) {
			if path != "" {
				paths = append(paths, path)
			}
		}
		return paths, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("find the kubeconfig: %w; set KUBECONFIG or name the cluster and region (--cluster, --region)", err)
	}
	return []string{filepath.Join(home, ".kube", "config")}, nil
}

// loadKubeconfig reads and merges paths. Missing files are skipped, as
// kubectl does, but at least one must exist.
func loadKubeconfig(paths []string) (*mergedKubeconfig, error) {
	merged := &mergedKubeconfig{
		contexts: map[string]struct{ cluster, user string }{},
		servers:  map[string]string{},
		execs:    map[string]execCommand{},
	}
	found := 0
	for _, path := range paths {
		config, err := readKubeconfigFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found++
		merged.add(config)
	}
	if found == 0 {
		return nil, fmt.Errorf("no kubeconfig found at %s; set KUBECONFIG, name the cluster (--cluster), read the facts from a file (--facts), or pass --region alone to skip the lookup",
			strings.Join(paths, ", "))
	}
	return merged, nil
}

func readKubeconfigFile(path string) (*kubeconfig, error) {
	file, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read kubeconfig %s: %w", path, err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxKubeconfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig %s: %w", path, err)
	}
	if len(data) > maxKubeconfigSize {
		return nil, fmt.Errorf("kubeconfig %s is larger than %d MiB; check that KUBECONFIG names kubeconfig files", path, maxKubeconfigSize>>20)
	}
	var config kubeconfig
	if err := yaml.Unmarshal(data, &config); err != nil {
		return nil, fmt.Errorf("invalid kubeconfig %s: %w", path, err)
	}
	return &config, nil
}

func (m *mergedKubeconfig) add(config *kubeconfig) {
	if m.currentContext == "" {
		m.currentContext = config.CurrentContext
	}
	for _, c := range config.Contexts {
		if _, seen := m.contexts[c.Name]; !seen {
			m.contexts[c.Name] = struct{ cluster, user string }{c.Context.Cluster, c.Context.User}
		}
	}
	for _, c := range config.Clusters {
		if _, seen := m.servers[c.Name]; !seen {
			m.servers[c.Name] = c.Cluster.Server
		}
	}
	for _, u := range config.Users {
		if _, seen := m.execs[u.Name]; !seen && u.User.Exec != nil {
			m.execs[u.Name] = execCommand{command: u.User.Exec.Command, args: u.User.Exec.Args}
		}
	}
}

// targetFromKubeconfig finds the EKS cluster of contextName, or of the
// current context when contextName is empty.
func targetFromKubeconfig(explicitPaths, contextName string) (Target, error) {
	paths, err := kubeconfigPaths(explicitPaths)
	if err != nil {
		return Target{}, err
	}
	config, err := loadKubeconfig(paths)
	if err != nil {
		return Target{}, err
	}
	if contextName == "" {
		contextName = config.currentContext
	}
	if contextName == "" {
		return Target{}, fmt.Errorf("the kubeconfig (%s) has no current-context; select a context "+
			"or name the cluster and region (--cluster, --region)", strings.Join(paths, ", "))
	}
	entry, found := config.contexts[contextName]
	if !found {
		return Target{}, fmt.Errorf("kubeconfig context %q not found in %s; list the contexts with \"kubectl config get-contexts\"",
			contextName, strings.Join(paths, ", "))
	}
	return eksTarget(contextName, entry.cluster, config.servers[entry.cluster], config.execs[entry.user])
}

// eksTarget decides whether a context is an EKS cluster, and which: its
// name or its cluster entry's name is an EKS cluster ARN, or its API
// server host ends in .eks.amazonaws.com or .eks.amazonaws.com.cn.
func eksTarget(contextName, clusterName, server string, exec execCommand) (Target, error) {
	target := Target{Context: contextName, Server: server}
	for _, candidate := range []string{contextName, clusterName} {
		if !isClusterARN(candidate) {
			continue
		}
		arn, err := ParseClusterARN(candidate)
		if err != nil {
			return Target{}, fmt.Errorf("kubeconfig context %q: %w", contextName, err)
		}
		target.Cluster, target.Region = arn.Name, arn.Region
		return target, nil
	}

	region, isEKS := regionFromServer(server)
	if !isEKS {
		return Target{}, &NotEKSError{Context: contextName, Server: server}
	}
	target.Region = region
	target.Cluster = clusterNameFromExec(exec)
	if target.Cluster == "" {
		return Target{}, fmt.Errorf("kubeconfig context %q points at the EKS API server %s but names no cluster "+
			"(no cluster ARN and no \"aws eks get-token --cluster-name\" in its user); name the cluster (--cluster)", contextName, server)
	}
	return target, nil
}

// eksHostSuffixes are the DNS suffixes of EKS API servers,
// <id>.<zone>.<region>.eks.amazonaws.com and its China equivalent.
var eksHostSuffixes = []string{".eks.amazonaws.com", ".eks.amazonaws.com.cn"}

// regionFromServer returns the region of an EKS API server URL and
// whether the URL is one.
func regionFromServer(server string) (string, bool) {
	parsed, err := url.Parse(server)
	if err != nil {
		return "", false
	}
	host := strings.ToLower(parsed.Hostname())
	for _, suffix := range eksHostSuffixes {
		rest, found := strings.CutSuffix(host, suffix)
		if !found {
			continue
		}
		labels := strings.Split(rest, ".")
		region := labels[len(labels)-1]
		if len(labels) < 2 || !regionPattern.MatchString(region) {
			return "", false
		}
		return region, true
	}
	return "", false
}

// clusterNameFromExec returns the cluster named by an exec credential
// plugin: "aws eks get-token --cluster-name NAME" or
// "aws-iam-authenticator token -i NAME"; "" when there is none.
func clusterNameFromExec(exec execCommand) string {
	flags := []string{"--cluster-name"}
	if strings.Contains(filepath.Base(exec.command), "aws-iam-authenticator") {
		flags = []string{"-i", "--cluster-id"}
	} else if !containsArg(exec.args, "get-token") {
		return ""
	}
	for i, arg := range exec.args {
		for _, flag := range flags {
			if value, found := strings.CutPrefix(arg, flag+"="); found {
				return value
			}
			if arg == flag && i+1 < len(exec.args) {
				return exec.args[i+1]
			}
		}
	}
	return ""
}

func containsArg(args []string, want string) bool {
	for _, arg := range args {
		if arg == want {
			return true
		}
	}
	return false
}
