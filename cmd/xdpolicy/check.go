package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

type checkFlags struct {
	origin, target, runtime, format, method, typ string
	headers                                      stringsFlag
	json                                         bool
	net                                          netFlags
}

func (f *checkFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.origin, "origin", "", "URL the caller (SWF, XAP or page) was loaded from (required)")
	fs.StringVar(&f.target, "target", "", "what the caller wants: an http(s):// URL, or a socket as xmlsocket://host:port or tcp://host:port (required)")
	fs.StringVar(&f.runtime, "runtime", "", "whose rules decide: flash, silverlight or mozilla (default: the format's own runtime)")
	fs.StringVar(&f.format, "format", "", "the file's format: crossdomain, clientaccess or mozpolicy (default: detected from the root element)")
	fs.StringVar(&f.method, "method", "GET", "HTTP method of the request")
	fs.Var(&f.headers, "header", "name of a request header the caller sets (repeatable, one name each; a name that\nis not an HTTP token is a usage error)")
	fs.StringVar(&f.typ, "type", "", "the request's service type under the Mozilla draft: xml, soap, load or save\n(without it, only rules of type any admit the request)")
	fs.BoolVar(&f.json, "json", false, "print the decision as one JSON object")
	fs.Var(&f.net.policyFiles, "policy-file", "without FILE: a policy file the caller registered (Flash's loadPolicyFile),\nan http(s):// URL or xmlsocket://host:port (repeatable)")
	f.net.setConnect(fs, "without FILE: ")
	fs.DurationVar(&f.net.timeout, "timeout", defaultTimeout, "without FILE: time limit of each HTTP fetch and, when set, of each socket policy\nexchange (whose defaults are the runtime's: 3s Flash, 10s Silverlight)")
	fs.StringVar(&f.net.site, "site", "", "without FILE: read the target server's files from DIR, its document root, instead\nof the network (a missing file is a 404)")
	fs.BoolVar(&f.net.verbose, "v", false, "without FILE: print the policy files consulted, and what each answered, to standard error")
}

func checkCommand() *command {
	cmd := &command{
		name:    "check",
		summary: "judge one request against a policy file, or look the files up as the runtime did",
		usage:   "check -origin URL -target TARGET [-runtime R] [-format F] [-method M] [-header NAME]... [-type T] [-json] [FILE]",
		help: `FILE is read as the master policy of the target's site; for a socket target
(xmlsocket://host:port or tcp://host:port), as the file the runtime's policy
port serves: 843 for Flash, 943 for Silverlight. FILE may be - for standard
input.

The runtime reads FILE its own way. It is -runtime; else the own runtime of
-format; else that of the format FILE shows: its root element (found past the
XML declaration, comments, processing instructions and the DOCTYPE, in UTF-8
or UTF-16), or failing that its name (crossdomain.xml, clientaccesspolicy.xml,
cross-domain-policy.xml). Whatever FILE holds, that runtime reads it as it
reads its formats, so a file it cannot read (another format, not XML, empty)
is a file it rejects: check denies, exit 1, with the runtime's reason.
-format names the format when the runtime reads several (Silverlight reads
clientaccesspolicy.xml and crossdomain.xml).

Without FILE, check finds the policy files as the runtime did, over the
network (or in -site DIR): Flash Player's master crossdomain.xml, meta-policy
and registered files (-policy-file), its socket policies on port 843, the
target port and registered xmlsocket:// locations; Silverlight's
clientaccesspolicy.xml, then crossdomain.xml, or port 943 for sockets; the
Mozilla draft's cross-domain-policy.xml and its delegations. The runtime is
-runtime, else mozilla with -type, silverlight for a tcp:// target, and flash
otherwise. -v lists the files consulted.

check prints "allow: REASON" and exits 0, or "deny: REASON" and exits 1. A file
the runtime rejects whole denies, and so does a lookup that fetches no policy.
Usage errors and unreadable input exit 2.

Under the Mozilla draft a rule may delegate a target in a subdirectory to the
cross-domain-policy.xml of the next directory toward it. With a FILE, check
judges that file alone, so it then says which file decides instead and exits 1:
denied unless that file allows (with -json, "next" holds its URL). A lookup
follows the delegations.

Example:

	xdpolicy check -origin http://app.example.net/app.xap \
	    -target http://api.example.com/data/feed.xml \
	    testdata/examples/clientaccesspolicy.xml

	xdpolicy check -origin https://www.partner.example/app.swf \
	    -target https://api.example.com/feed -header SOAPAction \
	    testdata/examples/crossdomain.xml

	xdpolicy check -origin http://www.example.com/chat.swf \
	    -target xmlsocket://chat.example.com:9001 testdata/examples/socketpolicy.xml

	xdpolicy check -runtime mozilla -type load -origin http://anyone.example/page.html \
	    -target http://www.example.org/feeds/news.xml testdata/examples/cross-domain-policy.xml

	xdpolicy check -v -origin https://app.example.net/app.swf \
	    -target https://www.example.com/api/feed.xml \
	    -policy-file https://www.example.com/api/crossdomain.xml

	xdpolicy check -runtime silverlight -origin http://app.example.net/a.xap \
	    -target http://api.example.com/data -connect-to api.example.com:80:127.0.0.1:8080
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("check", flag.ContinueOnError)
		new(checkFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.check(cmd, args) }
	return cmd
}

// checkResult is the JSON form of a decision.
type checkResult struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Code    string `json:"code"`
	Runtime string `json:"runtime"`
	Format  string `json:"format,omitempty"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Rule    string `json:"rule,omitempty"`
	Next    string `json:"next,omitempty"`
	// Files are the policy files a lookup consulted.
	Files  []consultedFile `json:"files,omitempty"`
	Origin string          `json:"origin"`
	Target string          `json:"target"`
}

func (c *cli) check(cmd *command, args []string) int {
	var f checkFlags
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	f.set(fs)
	files, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	fs.Visit(func(fl *flag.Flag) { f.net.timeoutSet = f.net.timeoutSet || fl.Name == "timeout" })
	switch {
	case f.origin == "":
		return c.usageError(cmd, "-origin is required: the URL the caller was loaded from, such as http://app.example.net/app.swf")
	case f.target == "":
		return c.usageError(cmd, "-target is required: an http(s):// URL or a socket such as xmlsocket://host:843")
	case len(files) > 1:
		return c.usageError(cmd, "check takes one FILE, got %d", len(files))
	}
	req, err := match.NewRequest(f.origin, f.target)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	req.Method, req.Headers, req.Type = f.method, f.headers, f.typ
	if err := req.Validate(); err != nil {
		// A name that is not a token is a malformed request, refused
		// before any rule: a usage error, not a denial.
		return c.usageError(cmd, "%v", err)
	}
	if f.typ != "" && !slices.Contains(mozpolicy.RequestTypes, f.typ) {
		return c.usageError(cmd, "-type %q is not a service type of the Mozilla draft; want xml, soap, load or save (case-sensitive)", f.typ)
	}
	if len(files) == 0 {
		return c.lookup(cmd, &f, req)
	}
	if f.net.used() {
		return c.usageError(cmd, "-policy-file, -connect-to, -insecure, -cacert, -timeout, -site and -v apply to a lookup, without FILE")
	}

	name := files[0]
	b, err := c.readInput(name)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy check: %v\n", err)
		return exitUsage
	}
	rt, format, err := resolve(b, name, f.format, f.runtime)
	if err != nil {
		return c.usageError(cmd, "%s: %v", displayName(name), err)
	}
	if f.typ != "" && rt != xdpolicy.Mozilla {
		return c.usageError(cmd, "-type is the Mozilla draft's service type; the %s runtime has none (use -runtime mozilla)", rt)
	}
	rd, err := xdpolicy.Read(rt, b, xdpolicy.ReadOptions{Format: format, Name: name, Source: displayName(name), Socket: req.Target.IsSocket()})
	if err != nil {
		return c.usageError(cmd, "%s: %v", displayName(name), err)
	}
	return c.report(&f, rd.Decide(req), nil, rt.String(), rd.Format.String(), displayName(name), rd.Err)
}

// consultedFile is the JSON form of a policy file a lookup consulted.
type consultedFile struct {
	URL         string `json:"url"`
	Final       string `json:"final,omitempty"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	MetaPolicy  string `json:"meta_policy,omitempty"`
	Used        bool   `json:"used"`
	Note        string `json:"note"`
}

// report prints a decision, as text or JSON, and returns the exit code.
// rejection is the reading's error when the runtime rejected FILE.
func (c *cli) report(f *checkFlags, d match.Decision, consulted []match.Consulted, rt, format, file string, rejection error) int {
	if !f.json {
		fmt.Fprintln(c.stdout, d.String())
	} else {
		req := d.Request
		res := checkResult{
			Allowed: d.Allowed, Reason: d.Reason(), Code: d.Code.String(),
			Runtime: rt, Format: format, File: file,
			Line: d.Pos().Line, Column: d.Pos().Col,
			Origin: req.Origin.String(), Target: req.Target.String(),
			Next: d.Next,
		}
		if file == "" {
			res.File = d.Source
		}
		var de *match.Diagnostic
		if d.Code == match.Rejected && errors.As(rejection, &de) {
			res.Line, res.Column = de.Pos.Line, de.Pos.Col
		}
		if d.Rule != nil {
			res.Rule = d.Rule.Name
		}
		for _, cf := range consulted {
			res.Files = append(res.Files, consultedFile{URL: cf.URL, Final: cf.Final, Status: cf.Status, ContentType: cf.ContentType, MetaPolicy: cf.MetaPolicy, Used: cf.Used, Note: cf.Note})
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy check: %v\n", err)
			return exitUsage
		}
	}
	if d.Allowed {
		return exitOK
	}
	return exitNo
}

// resolve settles the runtime (named, else the own runtime of the format
// named or detected) and the format it was told (0: the runtime's reading
// tells). A runtime named implies the formats it reads: whatever the bytes
// hold, that runtime reads them, and rejects what it cannot read.
func resolve(b []byte, name, formatFlag, runtimeFlag string) (xdpolicy.Runtime, xdpolicy.Format, error) {
	var rt xdpolicy.Runtime
	var format xdpolicy.Format
	var err error
	if runtimeFlag != "" {
		if rt, err = xdpolicy.ParseRuntime(runtimeFlag); err != nil {
			return 0, 0, err
		}
	}
	if formatFlag != "" {
		if format, err = xdpolicy.ParseFormat(formatFlag); err != nil {
			return 0, 0, err
		}
		if rt == 0 {
			rt = format.Runtime()
		}
		if !rt.Reads(format) {
			return 0, 0, &xdpolicy.UnsupportedError{Runtime: rt, Format: format}
		}
	}
	if rt == 0 {
		detected, err := xdpolicy.Detect(b, name)
		if err != nil {
			return 0, 0, fmt.Errorf("cannot tell the format: %w; name the runtime with -runtime (or the format with -format)", err)
		}
		rt = detected.Runtime()
	}
	return rt, format, nil
}

// maxInput bounds what is read of a FILE; the readers reject anything
// larger.
const maxInput = xmldoc.DefaultMaxBytes

// readInput reads a FILE operand ("-" is standard input), at most one byte
// over the limit so that the reader can reject an oversized file.
func (c *cli) readInput(name string) ([]byte, error) {
	if name != "-" {
		return readFileBounded(name)
	}
	b, err := io.ReadAll(io.LimitReader(c.stdin, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", displayName(name), err)
	}
	return b, nil
}

// readFileBounded reads at most maxInput+1 bytes of the file name (one
// more than any reader accepts, so that an oversized file is rejected,
// not cut).
func readFileBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory; name a policy file", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return b, nil
}

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}
