package imagepin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// CredentialAnonymous is the Resolution.Credential of a resolution that
// needed no credentials.
const CredentialAnonymous = "anonymous"

// NamedKeychain is an extra credential source, such as a registry's own
// credential helper library wrapped by authn.NewKeychainFromHelper.
type NamedKeychain struct {
	// Name appears in Resolution.Credential and in error messages, such as
	// "credential helper ecr-login".
	Name     string
	Keychain authn.Keychain
}

// credentialSource is one way to authenticate to a registry. Its resolve
// returns a nil Authenticator and a reason when it has no credentials for
// the repository.
type credentialSource struct {
	name    string
	resolve func(ctx context.Context, repo name.Repository) (authn.Authenticator, string, error)
}

// sources returns the credential sources in the order they are tried:
// anonymous access, the Docker config, then the extra keychains.
func (r *Resolver) sources(host string) []credentialSource {
	docker := findDockerConfig(host)
	sources := []credentialSource{anonymousSource(), dockerConfigSource(docker)}
	for _, kc := range r.extraKeychains {
		sources = append(sources, keychainSource(kc.Name, kc.Keychain, "no credentials for "+host))
	}
	return sources
}

func anonymousSource() credentialSource {
	return credentialSource{
		name: CredentialAnonymous,
		resolve: func(context.Context, name.Repository) (authn.Authenticator, string, error) {
			return authn.Anonymous, "", nil
		},
	}
}

// dockerConfigSource reads credentials through authn.DefaultKeychain, which
// reads the Docker config and runs the credential helpers it names, as
// crane does.
// NOTE: the keychain runs a helper without the call's context, so a helper
// that hangs holds Resolve past Options.Timeout.
func dockerConfigSource(config dockerConfig) credentialSource {
	if !config.exists {
		return credentialSource{
			name: config.label(),
			resolve: func(context.Context, name.Repository) (authn.Authenticator, string, error) {
				return nil, "file not found", nil
			},
		}
	}
	return keychainSource(config.label(), authn.DefaultKeychain, "no credentials for "+config.host)
}

func keychainSource(label string, keychain authn.Keychain, missing string) credentialSource {
	return credentialSource{
		name: label,
		resolve: func(ctx context.Context, repo name.Repository) (authn.Authenticator, string, error) {
			auth, err := authn.Resolve(ctx, keychain, repo)
			if err != nil {
				return nil, "", err
			}
			if auth == authn.Anonymous {
				return nil, missing, nil
			}
			return auth, "", nil
		},
	}
}

// dockerConfig describes the file that authn.DefaultKeychain reads for a
// registry host, and the credential helper that the file assigns to it.
type dockerConfig struct {
	host   string
	path   string
	kind   string // "docker config", or "registry auth file" for Podman's format
	exists bool
	helper string
}

func (c dockerConfig) label() string {
	if c.helper != "" {
		return "credential helper docker-credential-" + c.helper + " (from " + c.kind + " at " + c.path + ")"
	}
	return c.kind + " at " + c.path
}

// findDockerConfig follows the lookup order of authn.DefaultKeychain in
// go-containerregistry v0.22.1: $HOME/.docker/config.json or
// $DOCKER_CONFIG/config.json, then $REGISTRY_AUTH_FILE, then Podman's
// containers/auth.json under $XDG_RUNTIME_DIR or $XDG_CONFIG_HOME.
func findDockerConfig(host string) dockerConfig {
	home, _ := os.UserHomeDir()
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" && home != "" {
		dir = filepath.Join(home, ".docker")
	}
	config := dockerConfig{host: host, kind: "docker config", path: filepath.Join(dir, "config.json")}
	config.exists = (home != "" && fileExists(filepath.Join(home, ".docker", "config.json"))) || fileExists(config.path)
	if !config.exists {
		if path := podmanAuthFile(home); path != "" {
			config.kind, config.path, config.exists = "registry auth file", path, true
		}
	}
	if config.exists {
		config.helper = credentialHelper(config.path, host)
	}
	return config
}

func podmanAuthFile(home string) string {
	if path := os.Getenv("REGISTRY_AUTH_FILE"); path != "" && fileExists(path) {
		return path
	}
	if runtime := os.Getenv("XDG_RUNTIME_DIR"); runtime != "" && fileExists(filepath.Join(runtime, "containers", "auth.json")) {
		return filepath.Join(runtime, "containers", "auth.json")
	}
	configDir := os.Getenv("XDG_CONFIG_HOME")
	if configDir == "" && home != "" {
		configDir = filepath.Join(home, ".config")
	}
	if configDir != "" && fileExists(filepath.Join(configDir, "containers", "auth.json")) {
		return filepath.Join(configDir, "containers", "auth.json")
	}
	return ""
}

// credentialHelper returns the credential helper that a Docker config file
// names for host: its credHelpers entry, else its credsStore. It returns ""
// when there is none or the file cannot be read, because the keychain
// reports an unreadable file itself.
func credentialHelper(path, host string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var config struct {
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if json.Unmarshal(data, &config) != nil {
		return ""
	}
	if helper := config.CredHelpers[host]; helper != "" {
		return helper
	}
	return config.CredsStore
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
