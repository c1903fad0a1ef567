package mozpolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// maxFSFile is the largest file FS reads.
const maxFSFile = xmldoc.DefaultMaxBytes

// MaxDelegations is how many delegations the draft's client follows from
// the root file before it gives up and denies.
const MaxDelegations = 16

// FetchFunc returns the body of the policy file at url, an http(s) URL
// such as "https://www.example.com/service/cross-domain-policy.xml". When
// there is no file there it returns an error that wraps fs.ErrNotExist;
// any other error is a file that could not be had. Either denies.
//
// A FetchFunc over HTTP counts only a 200 response and does not follow
// redirects; FS serves a file tree and a map in a test.
type FetchFunc func(ctx context.Context, url string) ([]byte, error)

// FS returns a FetchFunc that reads the policy files of one site from
// fsys, which stands for its document root: the file at
// http://any.host/service/cross-domain-policy.xml is service/cross-domain-policy.xml
// in fsys, whatever the host. A file larger than 1 MiB (the parser's
// default limit) is an error: FS never hands on part of a file. A
// testing/fstest.MapFS makes a site of a map.
func FS(fsys fs.FS) FetchFunc {
	return func(ctx context.Context, rawURL string) ([]byte, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(u.Path, "/")
		if !fs.ValidPath(name) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		b, err := io.ReadAll(io.LimitReader(f, maxFSFile+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxFSFile {
			return nil, fmt.Errorf("%s is larger than %d bytes, the most FS reads", name, maxFSFile)
		}
		return b, nil
	}
}

// Resolver decides requests the way the draft's client did: it reads
// cross-domain-policy.xml at the root of the target's site and follows
// delegations one directory at a time toward the target.
type Resolver struct {
	// Fetch returns a policy file; it is required.
	Fetch FetchFunc
	// Parser reads each file (the zero Parser is the client's reading
	// with the default limits).
	Parser Parser
	// MaxDelegations lowers the number of delegations followed; 0 or
	// anything above MaxDelegations means MaxDelegations.
	MaxDelegations int

	// load, when set, stands in for Fetch and Parser: the Client's
	// files, read and compiled once for the life of its cache.
	load func(ctx context.Context, loc string) *loaded
}

// loaded is one policy file as a walk uses it: why it gave no answer, or
// the client's reading of it and the file compiled where it was found.
type loaded struct {
	fetchErr error
	pol      *Policy
	diags    []match.Diagnostic
	err      error // the client's rejection of the file
	at       match.Target
	compiled *match.Policy
}

// read fetches, reads and compiles the file at loc.
func (r *Resolver) read(ctx context.Context, loc string) *loaded {
	b, err := r.Fetch(ctx, loc)
	if err != nil {
		return &loaded{fetchErr: err}
	}
	return readAt(r.Parser, loc, b)
}

// readAt reads b, found at loc, and compiles it there.
func readAt(p Parser, loc string, b []byte) *loaded {
	l := &loaded{}
	l.pol, l.diags, l.err = p.Parse(b)
	if l.err != nil {
		return l
	}
	at, err := match.ParseTarget(loc)
	if err != nil { // cannot happen: loc is built from a parsed target
		l.err = fmt.Errorf("mozpolicy: policy location %s: %w", match.Quote(loc), err)
		return l
	}
	l.at, l.compiled = at, l.pol.Compile(CompileOptions{Location: at})
	return l
}

// Step is one file a Resolver consulted, in the order it did.
type Step struct {
	// URL is where the file was looked for.
	URL string
	// Err is why the file gave no answer: the fetch error (wrapping
	// fs.ErrNotExist for a missing file), or the client's rejection of the
	// file (a *match.Diagnostic). Policy and Decision are then unset.
	Err error
	// Policy and Diags are what Parser read.
	Policy *Policy
	Diags  []match.Diagnostic
	// Decision is the file's own answer; Delegated for every step but the
	// last.
	Decision match.Decision
}

// Resolution is a Resolver's answer and the files it rests on.
type Resolution struct {
	// Decision is the final answer. Its Source is the file that gave it.
	Decision match.Decision
	// Steps are the files consulted, root first. A same-origin request, or
	// one the draft does not cover (a socket), consults none.
	Steps []Step
}

// Decide answers req as the draft's client did:
//
//   - a target on the caller's own scheme, host and port is allowed
//     without a policy; a socket target is denied (the draft has no
//     sockets);
//   - otherwise the root file at scheme://host[:port]/cross-domain-policy.xml
//     decides; when it is missing, cannot be fetched or is rejected, the
//     request is denied;
//   - when the deciding rule delegates, the file in the next directory
//     toward the target decides instead, and so on, never upward and at
//     most MaxDelegations times; a delegated file that is missing or
//     rejected denies.
//
// The error is non-nil only when ctx ended before an answer; the
// Resolution then holds the steps taken so far.
func (r *Resolver) Decide(ctx context.Context, req match.Request) (*Resolution, error) {
	res := &Resolution{}
	t := req.Target
	switch {
	case r.Fetch == nil && r.load == nil:
		return res, errors.New("mozpolicy: Resolver.Fetch is nil")
	}
	if d, refused := match.Refuse(req, runtimeName); refused {
		res.Decision = d
		return res, nil
	}
	switch {
	case t.IsSocket():
		res.Decision = match.Deny(req, match.RuntimeLimit, runtimeName, "", fmt.Sprintf("the Mozilla draft governs HTTP and HTTPS only; it grants no sockets such as %s", t))
		return res, nil
	case req.SameOrigin():
		res.Decision = match.Decision{Allowed: true, Code: match.SameOrigin, Runtime: runtimeName, Request: req}
		return res, nil
	}
	limit := r.MaxDelegations
	if limit <= 0 || limit > MaxDelegations {
		limit = MaxDelegations
	}
	load := r.load
	if load == nil {
		load = r.read
	}
	loc := t.Root() + "/" + FileName
	var prev *match.Decision // the delegating decision that led to loc
	for hop := 0; ; hop++ {
		file := load(ctx, loc)
		if ctxErr := ctx.Err(); ctxErr != nil {
			res.Steps = append(res.Steps, Step{URL: loc, Err: ctxErr})
			res.Decision = match.Deny(req, match.NoPolicy, runtimeName, loc, fmt.Sprintf("no answer: %v", ctxErr))
			return res, ctxErr
		}
		step := Step{URL: loc}
		if err := file.fetchErr; err != nil {
			step.Err = err
			res.Steps = append(res.Steps, step)
			res.Decision = match.Deny(req, match.NoPolicy, runtimeName, loc, missing(loc, err, prev))
			return res, nil
		}
		step.Policy, step.Diags, step.Err = file.pol, file.diags, file.err
		if step.Err != nil {
			res.Steps = append(res.Steps, step)
			detail := step.Err.Error()
			if prev != nil {
				detail += fmt.Sprintf(" (%s of %s delegated the decision to it)", prev.Rule.Name, prev.Source)
			}
			res.Decision = match.Deny(req, match.Rejected, runtimeName, loc, detail)
			return res, nil
		}
		d := file.compiled.Decide(req)
		step.Decision = d
		res.Steps = append(res.Steps, step)
		if d.Code != match.Delegated {
			res.Decision = d
			return res, nil
		}
		if hop == limit {
			res.Decision = match.Deny(req, match.RuntimeLimit, runtimeName, loc, fmt.Sprintf(
				"%s of %s delegates once more, to %s, after %d delegations; the draft's client follows at most %d and denies",
				d.Rule.Name, loc, d.Next, hop, limit))
			return res, nil
		}
		if err := downward(file.at, d.Next, t); err != nil {
			res.Decision = match.Deny(req, match.RuntimeLimit, runtimeName, loc, err.Error())
			return res, nil
		}
		prev = &res.Steps[len(res.Steps)-1].Decision
		loc = d.Next
	}
}

// missing explains a file that could not be had.
func missing(loc string, err error, prev *match.Decision) string {
	what := fmt.Sprintf("could not be fetched (%v)", err)
	if errors.Is(err, fs.ErrNotExist) {
		what = "is missing"
	}
	if prev == nil {
		return fmt.Sprintf("the site's policy file %s %s, and without it the draft's client denies every request from another site", loc, what)
	}
	return fmt.Sprintf("%s %s, and %s of %s delegated the decision to it; the draft's client then denies", loc, what, prev.Rule.Name, prev.Source)
}

// downward checks that next lies below cur's directory and toward the
// target: delegation never goes upward or sideways.
func downward(cur match.Target, next string, t match.Target) error {
	dir := func(s string) string { return s[:strings.LastIndexByte(s, '/')+1] }
	n, err := match.ParseTarget(next)
	if err == nil && n.Root() == t.Root() {
		curDir, nextDir := dir(cur.Path), dir(n.Path)
		if len(nextDir) > len(curDir) && strings.HasPrefix(nextDir, curDir) && strings.HasPrefix(t.Path, nextDir) {
			return nil
		}
	}
	return fmt.Errorf("delegation from %s to %s does not lead down toward %s; the draft's client never delegates upward or sideways", cur, next, t)
}
