package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/cors"
)

type corsFlags struct {
	runtime, format string
	json            bool
}

func (f *corsFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "", "whose reading to apply: flash, silverlight or mozilla (default: the format's own runtime)")
	fs.StringVar(&f.format, "format", "", "the file's format: crossdomain, clientaccess or mozpolicy (default: detected)")
	fs.BoolVar(&f.json, "json", false, "print the translation as one JSON object")
}

func corsCommand() *command {
	cmd := &command{
		name:    "cors",
		summary: "translate a policy file into the CORS rules a browser would need",
		usage:   "cors [-runtime R] [-format F] [-json] FILE",
		help: `cors reads FILE as its runtime did (as lint does) and prints what the file
grants in CORS terms, one rule a line:

	ORIGINS PATHS methods METHODS headers HEADERS

then what of the file CORS cannot say (socket grants, Flash's secure
attribute, the draft's service types, header grants by prefix, callers
narrowed to one path), one line each. The cors package's middleware answers
CORS from the policy itself, so nothing lost there widens a grant.

Example:

	xdpolicy cors testdata/examples/crossdomain.xml
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("cors", flag.ContinueOnError)
		new(corsFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.cors(cmd, args) }
	return cmd
}

func (c *cli) cors(cmd *command, args []string) int {
	var f corsFlags
	fs := flag.NewFlagSet("cors", flag.ContinueOnError)
	f.set(fs)
	files, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	if len(files) != 1 {
		return c.usageError(cmd, "name one policy FILE (- for standard input)")
	}
	name := files[0]
	b, err := c.readInput(name)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy cors: %v\n", err)
		return exitUsage
	}
	rt, format, err := resolve(b, name, f.format, f.runtime)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy cors: %s: %v\n", displayName(name), err)
		return exitUsage
	}
	rd, err := xdpolicy.Read(rt, b, xdpolicy.ReadOptions{Format: format, Name: name, Source: displayName(name), Socket: xdpolicy.SocketReply(b)})
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy cors: %s: %v\n", displayName(name), err)
		return exitUsage
	}
	if rd.Err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy cors: %s: %s rejects the file, so it grants nothing: %v\n", displayName(name), rt, rd.Err)
		return exitNo
	}
	tr := cors.Translate(rd.Policy)
	if f.json {
		type jsonRule struct {
			Origins []string `json:"origins"`
			Paths   []string `json:"paths"`
			Methods []string `json:"methods"`
			Headers []string `json:"headers"`
			Line    int      `json:"line,omitempty"`
			Column  int      `json:"column,omitempty"`
		}
		out := struct {
			File   string     `json:"file"`
			Rules  []jsonRule `json:"rules"`
			Losses []string   `json:"losses"`
		}{File: displayName(name), Rules: []jsonRule{}, Losses: []string{}}
		for _, r := range tr.Rules {
			out.Rules = append(out.Rules, jsonRule{r.Origins, r.Paths, r.Methods, nonNil(r.Headers), r.Pos.Line, r.Pos.Col})
		}
		for _, l := range tr.Losses {
			out.Losses = append(out.Losses, l.String())
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy cors: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if len(tr.Rules) == 0 {
		fmt.Fprintln(c.stdout, "no browser origin may read anything")
	}
	for _, r := range tr.Rules {
		headers := "none"
		if len(r.Headers) > 0 {
			headers = strings.Join(r.Headers, ",")
		}
		fmt.Fprintf(c.stdout, "%s: %s %s methods %s headers %s\n", r.Pos, strings.Join(r.Origins, ","), strings.Join(r.Paths, ","), strings.Join(r.Methods, ","), headers)
	}
	for _, l := range tr.Losses {
		fmt.Fprintf(c.stdout, "not in CORS: %s\n", l)
	}
	return exitOK
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
