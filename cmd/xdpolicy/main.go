// Command xdpolicy reads, judges and lints cross-domain policy files:
// crossdomain.xml (Flash), clientaccesspolicy.xml (Silverlight) and the
// Mozilla draft's cross-domain-policy.xml.
//
// Usage:
//
//	xdpolicy check -origin URL -target TARGET [-runtime R] [-format F]
//	               [-method M] [-header NAME]... [-type T] [-json] FILE
//	xdpolicy check -origin URL -target TARGET [-runtime R] [-method M]
//	               [-header NAME]... [-type T] [-json] [-policy-file URL]...
//	               [-connect-to H1:P1:H2:P2]... [-insecure] [-cacert FILE]
//	               [-timeout D] [-site DIR] [-v]
//	xdpolicy lint  [-runtime R] [-format F] [-strict] [-socket]
//	               [-fail-on LEVEL] [-json | -sarif] FILE...
//	xdpolicy audit [-sockets] [-path P]... [-list FILE] [-parallel N]
//	               [-fail-on LEVEL] [-json] [-q] [-connect-to H1:P1:H2:P2]...
//	               [-insecure] [-cacert FILE] [-timeout D] [SITE...]
//	xdpolicy serve [-http ADDR] [-flash ADDR] [-silverlight ADDR]
//	               [-meta-policy V] [-dir DIR | FILE...]
//	xdpolicy help [COMMAND | findings]
//
// check judges one request against one policy file, or without a FILE
// finds the policy files over the network as the runtime did, and prints
// "allow: REASON" (exit 0) or "deny: REASON" (exit 1). lint prints
// FILE:LINE:COL: SEVERITY: MESSAGE for each diagnostic of the reading and
// FILE:LINE:COL: LEVEL: CODE: MESSAGE for each audit finding ("xdpolicy
// help findings" lists the codes), and exits 1 when the runtime rejects a
// file whole (or a finding reaches -fail-on). audit fetches every policy
// file of each SITE as the runtimes did, over HTTP, HTTPS and (with
// -sockets) ports 843 and 943, and prints per file what each runtime made
// of it and the findings, then a verdict per runtime; it exits 1 when a
// finding reaches -fail-on and 2 when a site answers nothing or a verdict
// is unknown (a file a runtime reads could not be read: a timeout, a TLS
// failure, a 5xx). serve checks policy files and serves them over HTTP
// and on the Flash and Silverlight socket policy ports until SIGINT or
// SIGTERM (exit 0). Usage errors and unreadable input exit 2.
// Run "xdpolicy help COMMAND" for the flags of each command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/match"
)

// Exit codes shared by the commands.
const (
	exitOK    = 0 // allowed; every file accepted
	exitNo    = 1 // denied; some file rejected (or, with lint -strict, any diagnostic)
	exitUsage = 2 // usage error or unreadable input
)

func main() {
	// SIGINT and SIGTERM stop serve cleanly, and cancel a lookup.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// toolVersion is the binary's version, from the module's build
// information: the module version it was installed at ("v1.2.3", or a
// pseudo-version), or for a build from a checkout "devel" and the commit
// ("devel+3d9e1c6", "+dirty" when the tree had changes).
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		v += "+" + rev[:min(len(rev), 12)]
		if dirty {
			v += "+dirty"
		}
	}
	return v
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the synopsis after "xdpolicy "
	help    string // the text after the flags
	run     func(c *cli, args []string) int
	flags   func(c *cli) *flag.FlagSet // the command's flags, for help
}

// cli carries the streams and a context that ends on SIGINT or SIGTERM,
// so tests can run commands in-process.
type cli struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	// lookupEnv reads the environment (os.LookupEnv); hangups, when set,
	// stands for SIGHUP (tests send on it).
	lookupEnv func(string) (string, bool)
	hangups   <-chan os.Signal
}

func commands() []*command {
	return []*command{checkCommand(), lintCommand(), auditCommand(), serveCommand(), bridgeCommand(), corsCommand(), proxyCommand()}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}).run(args)
}

// run runs the command args name.
func (c *cli) run(args []string) int {
	stderr, stdout := c.stderr, c.stdout
	if len(args) == 0 {
		c.mainUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return c.helpCommand(args[1:])
	case "version", "-version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "xdpolicy version: takes no arguments\n")
			return exitUsage
		}
		fmt.Fprintf(stdout, "xdpolicy %s\n", toolVersion())
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return cmd.run(c, args[1:])
		}
	}
	fmt.Fprintf(stderr, "xdpolicy: unknown command %q\n\n", args[0])
	c.mainUsage(stderr)
	return exitUsage
}

func (c *cli) mainUsage(w io.Writer) {
	fmt.Fprint(w, `xdpolicy reads, judges and lints cross-domain policy files:
crossdomain.xml (Flash), clientaccesspolicy.xml (Silverlight) and the
Mozilla draft's cross-domain-policy.xml.

Usage:

	xdpolicy <command> [flags] [FILE...]

Commands:

`)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "\t%-6s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `	help   explain a command (xdpolicy help check) or the finding codes
	       (xdpolicy help findings)
	version print the version of this binary (also -version)

Exit status: 0 allowed / accepted / clean, 1 denied / rejected / a finding
at -fail-on, 2 usage error, unreadable input or a site that answers nothing.
`)
}

func (c *cli) helpCommand(args []string) int {
	if len(args) == 0 {
		c.mainUsage(c.stdout)
		return exitOK
	}
	if args[0] == "help" {
		c.mainUsage(c.stdout)
		return exitOK
	}
	if args[0] == "findings" {
		c.findingsHelp(c.stdout)
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			c.commandUsage(cmd, c.stdout)
			return exitOK
		}
	}
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	fmt.Fprintf(c.stderr, "xdpolicy help: unknown topic %q; the commands are %s, and 'findings' explains the finding codes\n", args[0], strings.Join(names, ", "))
	return exitUsage
}

// findingsHelp documents the finding codes of lint and audit.
func (c *cli) findingsHelp(w io.Writer) {
	fmt.Fprint(w, `lint and audit report findings: grants wider than a site likely means, and
entries or files that do nothing. Each has a code and a level (info < low <
medium < high; -fail-on LEVEL makes a command exit 1 at that level or above).

`)
	for _, d := range finding.Docs {
		fmt.Fprintf(w, "%s (%s): %s\n\t%s\n\n", d.Code, d.Level, d.Title, strings.ReplaceAll(d.Help, "\n", "\n\t"))
	}
	fmt.Fprint(w, `The readings' diagnostics (lint's FILE:LINE:COL: error|warning: CODE:
MESSAGE lines) say what a runtime, or with -strict the published format,
made of a part of the file: an error rejects the file, a warning is a part
the runtime ignores or drops.

`)
	for _, d := range finding.ReadingDocs {
		fmt.Fprintf(w, "%s: %s\n\t%s\n\n", d.Code, d.Title, strings.ReplaceAll(d.Help, "\n", "\n\t"))
	}
}

func (c *cli) commandUsage(cmd *command, w io.Writer) {
	fmt.Fprintf(w, "Usage: xdpolicy %s\n\n%s\n\nFlags:\n", cmd.usage, cmd.summary)
	fs := cmd.flags(c)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\n%s", cmd.help)
}

// parseFlags parses args with fs, letting flags and operands mix
// ("check FILE -origin …" works as well as "check -origin … FILE"); "--"
// ends the flags. It returns the operands, or an exit code when parsing
// ended the command (-h, or a usage error already reported).
func (c *cli) parseFlags(cmd *command, fs *flag.FlagSet, args []string) ([]string, int, bool) {
	fs.SetOutput(io.Discard)
	var operands []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.commandUsage(cmd, c.stdout)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy %s: %v\nRun 'xdpolicy help %s' for usage.\n", cmd.name, err, cmd.name)
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, 0, true
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(operands, rest...), 0, true
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// hangupSignals returns what stands for SIGHUP, the daemon commands'
// signal to reload: c.hangups in tests, else the process's SIGHUP until
// stop is called.
func (c *cli) hangupSignals() (hangups <-chan os.Signal, stop func()) {
	if c.hangups != nil {
		return c.hangups, func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}

// envName is the environment variable that stands for flag name of the
// daemon commands: XDPOLICY_ and the name in upper case, '-' as '_'.
func envName(name string) string {
	return "XDPOLICY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// applyEnv sets every flag of fs not given on the command line from its
// environment variable (envName), for containers and service units: a
// repeatable flag takes the variable's whitespace-separated words, one
// each. It reports a bad value as a usage error and returns false.
func (c *cli) applyEnv(cmd *command, fs *flag.FlagSet) (int, bool) {
	lookup := c.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := lookup(envName(f.Name))
		if bad != nil || given[f.Name] || !ok {
			return
		}
		values := []string{v}
		if _, repeatable := f.Value.(*stringsFlag); repeatable {
			values = strings.Fields(v)
		}
		for _, v := range values {
			if err := fs.Set(f.Name, v); err != nil {
				bad = fmt.Errorf("environment %s=%s: %v", envName(f.Name), match.Quote(v), err)
				return
			}
		}
	})
	if bad != nil {
		return c.usageError(cmd, "%v", bad), false
	}
	return 0, true
}

// usageError reports a usage error and returns exitUsage.
func (c *cli) usageError(cmd *command, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "xdpolicy %s: %s\nRun 'xdpolicy help %s' for usage.\n", cmd.name, fmt.Sprintf(format, args...), cmd.name)
	return exitUsage
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}
