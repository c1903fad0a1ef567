package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// The file names serve knows, and what each is.
const (
	nameFlash       = "crossdomain.xml"
	nameSilverlight = "clientaccesspolicy.xml"
	nameMozilla     = "cross-domain-policy.xml"
	nameSocket      = "socketpolicy.xml"
)

type serveFlags struct {
	http, flash, silverlight string
	dir                      string
	metaPolicy               string
	allow                    stringsFlag
	print                    bool
}

func (f *serveFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.http, "http", "", "serve the policy files over HTTP on this address (e.g. :8080)")
	fs.StringVar(&f.flash, "flash", "", "serve "+nameSocket+" as the Flash socket policy on this address (e.g. :8843)")
	fs.StringVar(&f.silverlight, "silverlight", "", "serve "+nameSilverlight+" as the Silverlight socket policy on this address (e.g. :8943)")
	fs.StringVar(&f.dir, "dir", "", "serve the policy files found under this directory, at their paths")
	fs.StringVar(&f.metaPolicy, "meta-policy", "auto", "the X-Permitted-Cross-Domain-Policies header of every HTTP response: a value,\n\"off\" for none, or \"auto\": the site-control of /crossdomain.xml (master-only when\nit has none), or none when there is no /crossdomain.xml")
	fs.Var(&f.allow, "allow", "build the policies from flags, no file needed: admit Flash callers from DOMAIN\n(a domain attribute: app.example.com, *.example.com, *) in /crossdomain.xml and,\nwith PORTS (a to-ports value: 9000, 9000-9010, 9000,9005, *), in the socket\npolicy. Repeatable: DOMAIN[:PORTS]")
	fs.BoolVar(&f.print, "print", false, "print the files -allow builds, each after a line ==> NAME <==, and exit")
}

func serveCommand() *command {
	cmd := &command{
		name:    "serve",
		summary: "serve policy files over HTTP and on the socket policy ports",
		usage:   "serve [-http ADDR] [-flash ADDR] [-silverlight ADDR] [-meta-policy V] [-allow DOMAIN[:PORTS]]... [-print] [-dir DIR | FILE...]",
		help: `serve reads the policy files, checks that their runtimes accept them, and
serves them until SIGINT or SIGTERM, logging one line per request on stderr.

Files are known by name:

	crossdomain.xml          over HTTP (text/x-cross-domain-policy); the one at the
	                         root is the master
	clientaccesspolicy.xml   over HTTP (text/xml); the one at the root also on
	                         -silverlight
	cross-domain-policy.xml  over HTTP (text/xml), delegated ones in their directories
	socketpolicy.xml         on -flash only, followed by a NUL

With -dir, every such file under DIR is served at its path; FILE operands are
served at the root. Every response has Cache-Control: no-cache, an ETag and the
X-Permitted-Cross-Domain-Policies header (see -meta-policy).

Quick policies: -allow DOMAIN[:PORTS], repeated, builds /crossdomain.xml (every
DOMAIN) and socketpolicy.xml (every DOMAIN given PORTS) without a file, checked
as files are; -print shows them. They may come with -dir or FILE operands that
hold other files.

	xdpolicy serve -flash :843 -allow '*.example.com:9000-9010' -allow app.example.net:9000

Reloads: on SIGHUP serve reads every file again (and walks -dir again) and
checks each as at the start. A file that now fails keeps its old version
serving, and the log says why; one line says what changed (changed, added,
removed, failed). A file the socket servers serve is never removed.

Environment: every flag may come from a variable named XDPOLICY_ and the flag
in upper case, '-' as '_' (XDPOLICY_HTTP=:8080, XDPOLICY_META_POLICY=none), for
containers and service units; a flag on the command line wins. XDPOLICY_ALLOW
holds -allow values separated by spaces.

Flash Player asks port 843 and Silverlight port 943, which only root may bind.
Run serve unprivileged on high ports and either let the binary bind low ports:

	sudo setcap cap_net_bind_service=+ep "$(command -v xdpolicy)"
	xdpolicy serve -flash :843 -silverlight :943 -dir /etc/xdpolicy

or give the capability to the service alone (the systemd unit in packaging/
does: AmbientCapabilities=CAP_NET_BIND_SERVICE, with an unprivileged user), or
redirect the ports to it (the client still sees 843, so the 1024 rule is judged
on 843):

	sudo iptables -t nat -A PREROUTING -p tcp --dport 843 -j REDIRECT --to-ports 8843
	sudo iptables -t nat -A PREROUTING -p tcp --dport 943 -j REDIRECT --to-ports 8943
	xdpolicy serve -flash :8843 -silverlight :8943 -dir /etc/xdpolicy

serve exits 0 when stopped by a signal, and 2 when a file is rejected, a flag
is wrong or an address cannot be listened on.

Example:

	xdpolicy serve -http 127.0.0.1:8080 -flash 127.0.0.1:8843 -silverlight 127.0.0.1:8943 -dir testdata/examples
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		new(serveFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.serve(cmd, args) }
	return cmd
}

// servedFile is one file found for serving: its URL path and bytes.
type servedFile struct {
	path    string // "/crossdomain.xml", "/api/crossdomain.xml"
	source  string // where it was read from
	data    []byte
	modTime time.Time
}

func (c *cli) serve(cmd *command, args []string) int {
	// A SIGHUP that comes while the files are read is a reload once they
	// are served, not the end of the process.
	hangups, stop := c.hangupSignals()
	defer stop()
	var f serveFlags
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.set(fset)
	files, code, ok := c.parseFlags(cmd, fset, args)
	if !ok {
		return code
	}
	if code, ok := c.applyEnv(cmd, fset); !ok {
		return code
	}
	quick, err := quickPolicies(f.allow)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	if f.print {
		if len(quick) == 0 {
			return c.usageError(cmd, "-print shows what -allow builds: give -allow")
		}
		for i, q := range quick {
			if i > 0 {
				fmt.Fprintln(c.stdout)
			}
			fmt.Fprintf(c.stdout, "==> %s <==\n%s", path.Base(q.path), q.data)
		}
		return exitOK
	}
	switch {
	case f.http == "" && f.flash == "" && f.silverlight == "":
		return c.usageError(cmd, "give at least one of -http, -flash and -silverlight")
	case f.dir != "" && len(files) > 0:
		return c.usageError(cmd, "give -dir or FILE operands, not both")
	case f.dir == "" && len(files) == 0 && len(quick) == 0:
		return c.usageError(cmd, "no policy files: give -dir DIR, FILE operands or -allow")
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	find := func() ([]servedFile, error) {
		found := slices.Clone(quick)
		if f.dir == "" && len(files) == 0 {
			return found, nil
		}
		more, err := findFiles(f.dir, files)
		if err != nil && !(errors.Is(err, errNoFiles) && len(quick) > 0) {
			return nil, err
		}
		for _, m := range more {
			for _, q := range quick {
				if q.path == m.path {
					return nil, fmt.Errorf("%s and -allow would both be served as %s", m.source, m.path)
				}
			}
		}
		return append(found, more...), nil
	}
	found, err := find()
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	st, _, err := buildSite(&f, found, nil, log)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	srv := newServers(&f, st, log)
	if err := srv.listen(&f, log); err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	reload := func() {
		found, err := find()
		if err != nil {
			log.Error("reload failed: every file keeps serving as it was", slog.Any("err", err))
			return
		}
		srv.reload(&f, found, log)
	}
	return srv.run(c.ctx, hangups, reload, log)
}

// quickPolicies builds the files -allow stands for: /crossdomain.xml
// admitting every DOMAIN, and /socketpolicy.xml granting each DOMAIN
// given PORTS those ports. Each is checked as Flash Player's master (for
// HTTP) and socket master would check it.
func quickPolicies(allows []string) ([]servedFile, error) {
	if len(allows) == 0 {
		return nil, nil
	}
	var http, socket crossdomain.Policy
	for _, a := range allows {
		domain, ports := splitAllow(a)
		if domain == "" {
			return nil, fmt.Errorf("-allow %s: no domain (want DOMAIN[:PORTS])", match.Quote(a))
		}
		if _, err := crossdomain.ParseDomain(domain); err != nil {
			return nil, fmt.Errorf("-allow %s: %v", match.Quote(a), err)
		}
		http.AllowAccessFrom = append(http.AllowAccessFrom, crossdomain.AllowAccessFrom{Domain: domain})
		if ports != "" {
			socket.AllowAccessFrom = append(socket.AllowAccessFrom, crossdomain.AllowAccessFrom{Domain: domain, ToPorts: ports})
		}
	}
	var out []servedFile
	for _, q := range []struct {
		p    *crossdomain.Policy
		kind crossdomain.Kind
		path string
	}{{&http, crossdomain.Master, "/" + nameFlash}, {&socket, crossdomain.SocketMaster, "/" + nameSocket}} {
		if len(q.p.AllowAccessFrom) == 0 {
			continue
		}
		if err := q.p.ValidateFor(q.kind); err != nil {
			return nil, fmt.Errorf("-allow: %v", err)
		}
		data, err := q.p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("-allow: %v", err)
		}
		out = append(out, servedFile{path: q.path, source: "-allow", data: data, modTime: time.Now().UTC().Truncate(time.Second)})
	}
	return out, nil
}

// splitAllow splits DOMAIN[:PORTS] at its last colon when what follows is
// written as a to-ports value is (digits, '-', ',', '*', spaces), so that
// a scheme-qualified domain ("https://*.example.com") stays whole.
func splitAllow(a string) (domain, ports string) {
	i := strings.LastIndexByte(a, ':')
	if i < 0 || i == len(a)-1 {
		return a, ""
	}
	if strings.Trim(a[i+1:], "0123456789-,* ") != "" {
		return a, ""
	}
	return a[:i], a[i+1:]
}

// errNoFiles is findFiles' error for a directory that holds no policy
// file, which -allow makes good.
var errNoFiles = errors.New("no policy files")

// findFiles lists the files to serve: the known names under dir, or the
// operands (each served at the root).
func findFiles(dir string, operands []string) ([]servedFile, error) {
	known := []string{nameFlash, nameSilverlight, nameMozilla, nameSocket}
	read := func(urlPath, name string) (servedFile, error) {
		data, err := readFileBounded(name)
		if err != nil {
			return servedFile{}, err
		}
		var mod time.Time
		if st, err := os.Stat(name); err == nil {
			mod = st.ModTime()
		}
		return servedFile{path: urlPath, source: name, data: data, modTime: mod}, nil
	}
	var out []servedFile
	if dir == "" {
		seen := map[string]string{}
		for _, name := range operands {
			base := filepath.Base(name)
			if !slices.Contains(known, base) {
				return nil, fmt.Errorf("%s: serve knows files by name, and this is none of %s", name, strings.Join(known, ", "))
			}
			if prev, dup := seen[base]; dup {
				return nil, fmt.Errorf("%s and %s would both be served as /%s", prev, name, base)
			}
			seen[base] = name
			sf, err := read("/"+base, name)
			if err != nil {
				return nil, err
			}
			out = append(out, sf)
		}
		return out, nil
	}
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !slices.Contains(known, d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return err
		}
		sf, err := read("/"+filepath.ToSlash(rel), name)
		if err != nil {
			return err
		}
		out = append(out, sf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds none of %s: %w", dir, strings.Join(known, ", "), errNoFiles)
	}
	return out, nil
}

// site is what serve serves at one time: every file accepted, by path,
// and the HTTP handler built from them. A reload builds a new one.
type site struct {
	files   map[string]*entry
	handler http.Handler
	meta    string // the X-Permitted-Cross-Domain-Policies header sent, or "off"
}

// entry is one file accepted for serving.
type entry struct {
	servedFile
	handler http.Handler // nil for a file served on a socket only
	diags   []match.Diagnostic
	// socket reports a file a socket server serves (socketpolicy.xml with
	// -flash, the root clientaccesspolicy.xml with -silverlight); the
	// socket server logs its warnings.
	socket bool
	// meta is a root crossdomain.xml's site-control, for -meta-policy auto.
	meta string
}

// fileProblem is a file a reload could not take.
type fileProblem struct {
	path string
	err  error
}

// checkFile reads a file as the runtime that fetches it there reads it,
// through the runtime door, and builds its handler.
func checkFile(f *serveFlags, sf servedFile) (*entry, error) {
	base := path.Base(sf.path)
	root := path.Dir(sf.path) == "/"
	e := &entry{servedFile: sf}
	var err error
	read := func(rt xdpolicy.Runtime, where string) *xdpolicy.Reading {
		loc, _ := match.ParseTarget(where)
		rd, _ := xdpolicy.Read(rt, sf.data, xdpolicy.ReadOptions{Format: rt.Formats()[0], Location: loc, Source: sf.source})
		e.diags, err = rd.Diagnostics, rd.Err
		return rd
	}
	const site = "http://served.invalid" // stands for the site served
	switch base {
	case nameFlash:
		rd := read(xdpolicy.Flash, site+sf.path)
		kind := crossdomain.NonMaster
		if root {
			kind = crossdomain.Master
		}
		if err == nil {
			e.handler, err = crossdomain.NewRawHandler(sf.data, &crossdomain.HandlerOptions{Kind: kind, ModTime: sf.modTime})
		}
		if err == nil && root {
			m, _ := rd.CrossDomain.MetaPolicy()
			if m == 0 {
				m = crossdomain.DefaultMetaPolicy(false)
			}
			e.meta = m.String()
		}
	case nameSilverlight:
		read(xdpolicy.Silverlight, site+sf.path)
		if err == nil {
			e.handler, err = clientaccess.NewRawHandler(sf.data, &clientaccess.HandlerOptions{ModTime: sf.modTime})
		}
		if err == nil && root && f.silverlight != "" {
			// The socket server checks it as well, and logs its warnings.
			_, err = (&clientaccess.SocketServer{Raw: sf.data}).Reply()
			e.socket = true
		}
	case nameMozilla:
		read(xdpolicy.Mozilla, site+sf.path)
		if err == nil {
			e.handler, err = mozpolicy.NewRawHandler(sf.data, &mozpolicy.HandlerOptions{ModTime: sf.modTime})
		}
	case nameSocket:
		if !root {
			return nil, fmt.Errorf("%s: the Flash socket policy must be at the top of the directory", sf.source)
		}
		read(xdpolicy.Flash, "xmlsocket://served.invalid:843")
		if err == nil && f.flash != "" {
			_, err = (&crossdomain.SocketServer{Raw: sf.data}).Reply()
			e.socket = true
		}
	}
	if err != nil {
		var d *match.Diagnostic
		if errors.As(err, &d) {
			return nil, fmt.Errorf("%s:%d:%d: %v", sf.source, d.Pos.Line, d.Pos.Col, d.Message)
		}
		return nil, fmt.Errorf("%s: %w", sf.source, err)
	}
	return e, nil
}

// buildSite checks every file and builds what serves them. At the start
// (prev nil) any rejected file is an error. On a reload a rejected file
// keeps its version from prev, and is reported; so is a file the socket
// servers serve that has gone.
func buildSite(f *serveFlags, files []servedFile, prev *site, log *slog.Logger) (*site, []fileProblem, error) {
	if f.metaPolicy != "auto" {
		if err := checkMetaPolicy(f.metaPolicy); err != nil {
			return nil, nil, err // before anything is logged as served
		}
	}
	st := &site{files: map[string]*entry{}}
	var problems []fileProblem
	for _, sf := range files {
		e, err := checkFile(f, sf)
		if err != nil {
			if prev == nil {
				return nil, nil, err
			}
			problems = append(problems, fileProblem{sf.path, err})
			if old := prev.files[sf.path]; old != nil {
				st.files[sf.path] = old
			}
			continue
		}
		st.files[sf.path] = e
	}
	if prev != nil {
		for p, old := range prev.files {
			if st.files[p] == nil && old.socket {
				problems = append(problems, fileProblem{p, fmt.Errorf("%s has gone, but a socket server serves it: it keeps serving the old version", old.source)})
				st.files[p] = old
			}
		}
	}
	if prev == nil {
		if f.flash != "" && st.files["/"+nameSocket] == nil {
			return nil, nil, fmt.Errorf("-flash: no %s to serve", nameSocket)
		}
		if f.silverlight != "" && st.files["/"+nameSilverlight] == nil {
			return nil, nil, fmt.Errorf("-silverlight: no %s at the top to serve", nameSilverlight)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(st.files)) {
		e := st.files[p]
		changed := prev == nil || prev.files[p] == nil || !bytes.Equal(prev.files[p].data, e.data)
		if changed && !e.socket {
			for _, d := range e.diags {
				log.Warn("policy file", slog.String("file", e.source), slog.String("diagnostic", d.Error()))
			}
		}
		if e.handler != nil && prev == nil {
			log.Info("serving", slog.String("path", p), slog.String("file", e.source))
		}
	}
	st.finish(f)
	return st, problems, nil
}

// finish builds the HTTP handler of st's files, with the meta-policy
// header -meta-policy asks for.
func (st *site) finish(f *serveFlags) {
	mux := http.NewServeMux()
	for p, e := range st.files {
		if e.handler != nil {
			mux.Handle(p, e.handler)
		}
	}
	st.meta = f.metaPolicy
	if st.meta == "auto" {
		st.meta = crossdomain.PermitNone.String()
		if root := st.files["/"+nameFlash]; root != nil {
			st.meta = root.meta
		}
	}
	st.handler = mux
	if st.meta != "off" {
		m, _ := crossdomain.ParseMetaPolicyHeader(st.meta)
		st.handler = crossdomain.MetaPolicyHandler(mux, m)
	}
}

// servers is what serve runs.
type servers struct {
	site        atomic.Pointer[site]
	flash       *crossdomain.SocketServer
	silverlight *clientaccess.SocketServer
	handler     http.Handler

	httpLn, flashLn, silverlightLn net.Listener
}

// newServers makes the servers for st; nothing listens yet.
func newServers(f *serveFlags, st *site, log *slog.Logger) *servers {
	s := &servers{}
	s.site.Store(st)
	if f.flash != "" {
		e := st.files["/"+nameSocket]
		s.flash = &crossdomain.SocketServer{Raw: e.data, Logger: log.With(slog.String("file", e.source))}
	}
	if f.silverlight != "" {
		e := st.files["/"+nameSilverlight]
		s.silverlight = &clientaccess.SocketServer{Raw: e.data, Logger: log.With(slog.String("file", e.source))}
	}
	s.handler = logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.site.Load().handler.ServeHTTP(w, r)
	}), log)
	return s
}

// reload checks the files found again and serves what passes; see
// buildSite. One record says what changed.
func (s *servers) reload(f *serveFlags, files []servedFile, log *slog.Logger) {
	prev := s.site.Load()
	next, problems, err := buildSite(f, files, prev, log)
	if err != nil {
		log.Error("reload failed: every file keeps serving as it was", slog.Any("err", err))
		return
	}
	failed := map[string]bool{}
	for _, p := range problems {
		failed[p.path] = true
		log.Error("reload: file rejected, its old version keeps serving", slog.String("path", p.path), slog.Any("err", p.err))
	}
	// The socket servers take their new file; one that fails there keeps
	// the old one, and so does the site, over HTTP too.
	reverted := false
	for _, sock := range []struct {
		path string
		set  func([]byte) error
	}{{"/" + nameSocket, socketSetter(s.flash)}, {"/" + nameSilverlight, silverlightSetter(s.silverlight)}} {
		e, old := next.files[sock.path], prev.files[sock.path]
		if sock.set == nil || e == nil || old == nil || bytes.Equal(e.data, old.data) {
			continue
		}
		if err := sock.set(e.data); err != nil {
			failed[sock.path] = true
			next.files[sock.path] = old
			reverted = true
			log.Error("reload: file rejected, its old version keeps serving", slog.String("path", sock.path), slog.Any("err", err))
		}
	}
	if reverted {
		next.finish(f)
	}
	var changed, added, removed []string
	for p, e := range next.files {
		switch old := prev.files[p]; {
		case old == nil:
			added = append(added, p)
		case !bytes.Equal(old.data, e.data):
			changed = append(changed, p)
		}
	}
	for p := range prev.files {
		if next.files[p] == nil {
			removed = append(removed, p)
		}
	}
	s.site.Store(next)
	list := func(l []string) string { slices.Sort(l); return strings.Join(l, ",") }
	attrs := []any{
		slog.String("changed", list(changed)), slog.String("added", list(added)),
		slog.String("removed", list(removed)), slog.String("failed", list(slices.Collect(maps.Keys(failed)))),
	}
	if prev.meta != next.meta {
		attrs = append(attrs, slog.String("meta_policy", prev.meta+" -> "+next.meta))
	}
	log.Info("reloaded", attrs...)
}

func socketSetter(s *crossdomain.SocketServer) func([]byte) error {
	if s == nil {
		return nil
	}
	return s.SetRaw
}

func silverlightSetter(s *clientaccess.SocketServer) func([]byte) error {
	if s == nil {
		return nil
	}
	return s.SetRaw
}

// checkMetaPolicy checks a -meta-policy value other than auto.
func checkMetaPolicy(v string) error {
	if v == "off" {
		return nil
	}
	if m, err := crossdomain.ParseMetaPolicyHeader(v); err != nil || m == 0 || strings.Contains(v, ",") {
		return fmt.Errorf("-meta-policy: %s is not none, master-only, by-content-type, by-ftp-filename, all, none-this-response, auto or off", match.Quote(v))
	}
	return nil
}

// listen opens every listener before anything is served, so that a busy
// or privileged port fails the start.
func (s *servers) listen(f *serveFlags, log *slog.Logger) error {
	open := func(what, addr string) (net.Listener, error) {
		if addr == "" {
			return nil, nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				err = fmt.Errorf("%w\n(ports below 1024 need privilege: see 'xdpolicy help serve' for setcap and port redirects)", err)
			}
			return nil, fmt.Errorf("-%s: %w", what, err)
		}
		log.Info("listening", slog.String("server", what), slog.String("addr", ln.Addr().String()))
		return ln, nil
	}
	var err error
	if s.httpLn, err = open("http", f.http); err == nil {
		if s.flashLn, err = open("flash", f.flash); err == nil {
			s.silverlightLn, err = open("silverlight", f.silverlight)
		}
	}
	if err != nil {
		for _, ln := range []net.Listener{s.httpLn, s.flashLn, s.silverlightLn} {
			if ln != nil {
				ln.Close()
			}
		}
	}
	return err
}

// run serves until ctx ends, reloading on each hangup, then shuts
// everything down.
func (s *servers) run(ctx context.Context, hangups <-chan os.Signal, reload func(), log *slog.Logger) int {
	var (
		wg   sync.WaitGroup
		errs = make(chan error, 3)
	)
	httpSrv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	goServe := func(serve func() error, closed error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(); err != nil && !errors.Is(err, closed) {
				errs <- err
			}
		}()
	}
	if s.httpLn != nil {
		goServe(func() error { return httpSrv.Serve(s.httpLn) }, http.ErrServerClosed)
	}
	if s.flashLn != nil {
		goServe(func() error { return s.flash.Serve(s.flashLn) }, crossdomain.ErrServerClosed)
	}
	if s.silverlightLn != nil {
		goServe(func() error { return s.silverlight.Serve(s.silverlightLn) }, clientaccess.ErrServerClosed)
	}
	code := exitOK
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			break wait
		case err := <-errs:
			log.Error("serving failed", slog.Any("err", err))
			code = exitUsage
			break wait
		case <-hangups:
			log.Info("reloading")
			reload()
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	httpSrv.Shutdown(sctx)
	if s.flash != nil {
		s.flash.Shutdown(sctx)
	}
	if s.silverlight != nil {
		s.silverlight.Shutdown(sctx)
	}
	wg.Wait()
	log.Info("stopped")
	return code
}

// statusWriter records the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += n
	return n, err
}

// logRequests logs one line per HTTP request.
func logRequests(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("remote", r.RemoteAddr),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.n),
			slog.Duration("took", time.Since(start)))
	})
}
