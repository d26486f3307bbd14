// stack-check gives the stack tests (tests/stack/*.test.ts) two things Node lacks on a
// machine without Docker:
//
//	stack-check compose [-env-file FILE | -no-env] docker-compose.yml
//	    Loads a Compose file exactly as Docker Compose does — with compose-go, the library
//	    inside `docker compose` — and prints the resolved project as JSON: the
//	    `docker compose config` of a machine without Docker. Loading validates the file
//	    against the Compose Specification JSON schema embedded in compose-go
//	    (schema/compose-spec.json), interpolates ${VAR:-default} values, resolves YAML
//	    anchors and merge keys, and checks references between services, volumes and
//	    networks. -env-file interpolates from that file (e.g. .env.example); -no-env from
//	    nothing at all, so every ${VAR:-default} takes its default. All profiles are on.
//
//	stack-check yaml2json FILE
//	    Prints a YAML file as JSON (a multi-document file as a JSON array), so the tests can
//	    read the stack's YAML configuration without a YAML library.
//
//	stack-check version
//
// Exit status 0 with the result on stdout, 1 with the error on stderr, 2 on bad usage.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/compose-spec/compose-go/v2/cli"
	"go.yaml.in/yaml/v3"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "compose":
		err = compose(os.Args[2:])
	case "yaml2json":
		if len(os.Args) != 3 {
			usage()
		}
		err = yamlToJSON(os.Args[2])
	case "version":
		printVersion()
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stack-check:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: stack-check compose [-env-file FILE | -no-env] docker-compose.yml")
	fmt.Fprintln(os.Stderr, "       stack-check yaml2json FILE")
	fmt.Fprintln(os.Stderr, "       stack-check version")
	os.Exit(2)
}

func compose(args []string) error {
	flags := flag.NewFlagSet("compose", flag.ExitOnError)
	envFile := flags.String("env-file", "", "file of KEY=value lines to interpolate from")
	noEnv := flags.Bool("no-env", false, "interpolate from no environment at all (defaults only)")
	_ = flags.Parse(args)
	if flags.NArg() != 1 {
		usage()
	}
	file, err := filepath.Abs(flags.Arg(0))
	if err != nil {
		return err
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithProfiles([]string{"*"}),
	}
	switch {
	case *envFile != "":
		opts = append(opts, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	case *noEnv:
		// Neither the process environment nor a .env file.
	default:
		opts = append(opts, cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions([]string{file}, opts...)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}

func yamlToJSON(path string) error {
	content, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	decoder := yaml.NewDecoder(bytes.NewReader(content))
	var docs []any
	for {
		var doc any
		if err := decoder.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		docs = append(docs, jsonable(doc))
	}
	var value any = docs
	if len(docs) == 1 {
		value = docs[0]
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(value)
}

// jsonable turns YAML maps with non-string keys (e.g. `200: …`) into string-keyed maps.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			t[k] = jsonable(item)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, item := range t {
			m[fmt.Sprint(k)] = jsonable(item)
		}
		return m
	case []any:
		for i, item := range t {
			t[i] = jsonable(item)
		}
		return t
	default:
		return v
	}
}

func printVersion() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("stack-check (no build info)")
		return
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/compose-spec/compose-go/v2" {
			fmt.Printf("stack-check (compose-go %s, %s)\n", dep.Version, info.GoVersion)
			return
		}
	}
	fmt.Printf("stack-check (%s)\n", info.GoVersion)
}
