package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
}

func (f *serveFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.http, "http", "", "serve the policy files over HTTP on this address (e.g. :8080)")
	fs.StringVar(&f.flash, "flash", "", "serve "+nameSocket+" as the Flash socket policy on this address (e.g. :8843)")
	fs.StringVar(&f.silverlight, "silverlight", "", "serve "+nameSilverlight+" as the Silverlight socket policy on this address (e.g. :8943)")
	fs.StringVar(&f.dir, "dir", "", "serve the policy files found under this directory, at their paths")
	fs.StringVar(&f.metaPolicy, "meta-policy", "auto", "the X-Permitted-Cross-Domain-Policies header of every HTTP response: a value,\n\"off\" for none, or \"auto\": the site-control of /crossdomain.xml (master-only when\nit has none), or none when there is no /crossdomain.xml")
}

func serveCommand() *command {
	cmd := &command{
		name:    "serve",
		summary: "serve policy files over HTTP and on the socket policy ports",
		usage:   "serve [-http ADDR] [-flash ADDR] [-silverlight ADDR] [-meta-policy V] [-dir DIR | FILE...]",
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

Flash Player asks port 843 and Silverlight port 943, which only root may bind.
Run serve unprivileged on high ports and either let the binary bind low ports:

	sudo setcap cap_net_bind_service=+ep "$(command -v xdpolicy)"
	xdpolicy serve -flash :843 -silverlight :943 -dir /etc/xdpolicy

or redirect the ports to it (the client still sees 843, so the 1024 rule is
judged on 843):

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
	var f serveFlags
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.set(fset)
	files, code, ok := c.parseFlags(cmd, fset, args)
	if !ok {
		return code
	}
	switch {
	case f.http == "" && f.flash == "" && f.silverlight == "":
		return c.usageError(cmd, "give at least one of -http, -flash and -silverlight")
	case f.dir != "" && len(files) > 0:
		return c.usageError(cmd, "give -dir or FILE operands, not both")
	case f.dir == "" && len(files) == 0:
		return c.usageError(cmd, "no policy files: give -dir DIR or FILE operands")
	}
	found, err := findFiles(f.dir, files)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	srv, err := buildServers(&f, found, log)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	if err := srv.listen(&f, log); err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy serve: %v\n", err)
		return exitUsage
	}
	return srv.run(c.ctx, log)
}

// findFiles lists the files to serve: the known names under dir, or the
// operands (each served at the root).
func findFiles(dir string, operands []string) ([]servedFile, error) {
	known := []string{nameFlash, nameSilverlight, nameMozilla, nameSocket}
	read := func(urlPath, name string) (servedFile, error) {
		data, err := os.ReadFile(name)
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
		return nil, fmt.Errorf("%s holds none of %s", dir, strings.Join(known, ", "))
	}
	return out, nil
}

// servers is what serve runs.
type servers struct {
	mux         *http.ServeMux
	handler     http.Handler
	flash       *crossdomain.SocketServer
	silverlight *clientaccess.SocketServer

	httpLn, flashLn, silverlightLn net.Listener
}

// buildServers checks every file with its runtime's reading and builds
// the handlers and socket servers; nothing listens yet.
func buildServers(f *serveFlags, files []servedFile, log *slog.Logger) (*servers, error) {
	s := &servers{mux: http.NewServeMux()}
	meta := f.metaPolicy
	if meta != "auto" {
		if err := checkMetaPolicy(meta); err != nil {
			return nil, err // before anything is logged as served
		}
	}
	for _, sf := range files {
		base := path.Base(sf.path)
		root := path.Dir(sf.path) == "/"
		var (
			h     http.Handler
			err   error
			diags []match.Diagnostic
		)
		// Every file is read first as the runtime that fetches it there
		// reads it, through the runtime door.
		read := func(rt xdpolicy.Runtime, where string) *xdpolicy.Reading {
			loc, _ := match.ParseTarget(where)
			rd, _ := xdpolicy.Read(rt, sf.data, xdpolicy.ReadOptions{Format: rt.Formats()[0], Location: loc, Source: sf.source})
			diags, err = rd.Diagnostics, rd.Err
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
				h, err = crossdomain.NewRawHandler(sf.data, &crossdomain.HandlerOptions{Kind: kind, ModTime: sf.modTime})
			}
			if err == nil && root && meta == "auto" {
				m, _ := rd.CrossDomain.MetaPolicy()
				if m == 0 {
					m = crossdomain.DefaultMetaPolicy(false)
				}
				meta = m.String()
			}
		case nameSilverlight:
			read(xdpolicy.Silverlight, site+sf.path)
			if err == nil {
				h, err = clientaccess.NewRawHandler(sf.data, &clientaccess.HandlerOptions{ModTime: sf.modTime})
			}
			if err == nil && root && f.silverlight != "" {
				// The server logs the file's warnings itself, with its name.
				s.silverlight = &clientaccess.SocketServer{Raw: sf.data, Logger: log.With(slog.String("file", sf.source))}
				_, err = s.silverlight.Reply()
				diags = nil
			}
		case nameMozilla:
			read(xdpolicy.Mozilla, site+sf.path)
			if err == nil {
				h, err = mozpolicy.NewRawHandler(sf.data, &mozpolicy.HandlerOptions{ModTime: sf.modTime})
			}
		case nameSocket:
			if !root {
				return nil, fmt.Errorf("%s: the Flash socket policy must be at the top of the directory", sf.source)
			}
			read(xdpolicy.Flash, "xmlsocket://served.invalid:843")
			if err == nil && f.flash != "" {
				s.flash = &crossdomain.SocketServer{Raw: sf.data, Logger: log.With(slog.String("file", sf.source))}
				_, err = s.flash.Reply()
				diags = nil
			}
		}
		if err != nil {
			var d *match.Diagnostic
			if errors.As(err, &d) {
				return nil, fmt.Errorf("%s:%d:%d: %v", sf.source, d.Pos.Line, d.Pos.Col, d.Message)
			}
			return nil, fmt.Errorf("%s: %w", sf.source, err)
		}
		for _, d := range diags {
			log.Warn("policy file", slog.String("file", sf.source), slog.String("diagnostic", d.Error()))
		}
		if h != nil {
			s.mux.Handle(sf.path, h)
			log.Info("serving", slog.String("path", sf.path), slog.String("file", sf.source))
		}
	}
	if f.flash != "" && s.flash == nil {
		return nil, fmt.Errorf("-flash: no %s to serve", nameSocket)
	}
	if f.silverlight != "" && s.silverlight == nil {
		return nil, fmt.Errorf("-silverlight: no %s at the top to serve", nameSilverlight)
	}
	if meta == "auto" {
		meta = crossdomain.PermitNone.String()
	}
	s.handler = s.mux
	if meta != "off" {
		if err := checkMetaPolicy(meta); err != nil {
			return nil, err
		}
		m, _ := crossdomain.ParseMetaPolicyHeader(meta)
		s.handler = crossdomain.MetaPolicyHandler(s.mux, m)
	}
	s.handler = logRequests(s.handler, log)
	return s, nil
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

// run serves until ctx ends, then shuts everything down.
func (s *servers) run(ctx context.Context, log *slog.Logger) int {
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
	select {
	case <-ctx.Done():
		log.Info("stopping")
	case err := <-errs:
		log.Error("serving failed", slog.Any("err", err))
		code = exitUsage
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
