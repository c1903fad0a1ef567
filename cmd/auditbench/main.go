// Command auditbench measures "xdpolicy audit -list" on long lists of
// made-up sites served on loopback: sites audited per second and the
// audit process's peak resident memory, at each list length, in one run:
//
//	go run ./cmd/auditbench [-sites 1000,10000,100000] [-parallel 200]
//
// One HTTP server in this process answers for every site, by the Host
// header: of every six sites two serve a wide-open crossdomain.xml, one a
// clientaccesspolicy.xml for one partner, and three no policy file at
// all. The audit reaches the names through -connect-to, without DNS;
// HTTPS goes to a closed port, so each site costs its three HTTP fetches
// and one refused connection. The audit runs as its own process (built
// from this module unless -xdpolicy names a binary), writing its JSON
// lines to /dev/null, and its peak resident memory is the kernel's
// (getrusage). It prints a Markdown table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	flashOpen   = `<?xml version="1.0"?><cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	silverlight = `<?xml version="1.0"?><access-policy><cross-domain-access><policy><allow-from><domain uri="https://www.partner.example"/></allow-from>` +
		`<grant-to><resource path="/api" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`
)

func main() {
	sites := flag.String("sites", "1000,10000,100000", "comma-separated list lengths")
	parallel := flag.Int("parallel", 200, "the audit's -parallel")
	bin := flag.String("xdpolicy", "", "the xdpolicy binary to measure (default: build it from this module)")
	flag.Parse()
	if err := run(*sites, *parallel, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "auditbench:", err)
		os.Exit(1)
	}
}

func run(sizes string, parallel int, bin string) error {
	var ns []int
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-sites: %q is not a positive number", f)
		}
		ns = append(ns, n)
	}
	dir, err := os.MkdirTemp("", "auditbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "xdpolicy")
		fmt.Fprintln(os.Stderr, "building xdpolicy")
		build := exec.Command("go", "build", "-o", bin, "github.com/xdpolicy/xdpolicy/cmd/xdpolicy")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	fmt.Printf("xdpolicy audit -list over loopback, %d CPU cores (%s/%s, %s), -parallel %d; the made-up sites are served by one process on the same cores.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), parallel)
	fmt.Println("| sites | time | sites/s | peak RSS | exit |")
	fmt.Println("|---:|---:|---:|---:|---|")
	var rss []int64
	for _, n := range ns {
		list := filepath.Join(dir, fmt.Sprintf("sites-%d.txt", n))
		if err := writeList(list, n); err != nil {
			return err
		}
		cmd := exec.Command(bin, "audit", "-q", "-json", "-list", list, "-parallel", strconv.Itoa(parallel), "-timeout", "10s",
			"-connect-to", fmt.Sprintf(":80:127.0.0.1:%d", port), "-connect-to", fmt.Sprintf(":443:127.0.0.1:%d", closedPort))
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = devnull, os.Stderr
		start := time.Now()
		err = cmd.Run()
		took := time.Since(start)
		devnull.Close()
		exit := 0
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			exit = ee.ExitCode()
		case err != nil:
			return err
		}
		if exit > 1 {
			return fmt.Errorf("audit of %d sites exited %d", n, exit)
		}
		peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		rss = append(rss, peak)
		fmt.Printf("| %d | %.1f s | %.0f | %.0f MB | %d (findings) |\n", n, took.Seconds(), float64(n)/took.Seconds(), float64(peak)/1024, exit)
	}
	if len(rss) > 1 {
		fmt.Printf("\nPeak RSS at %d sites is %.2f× that at %d.\n", ns[len(ns)-1], float64(rss[len(rss)-1])/float64(rss[0]), ns[0])
	}
	return nil
}

// writeList writes n made-up site names, one a line.
func writeList(name string, n int) error {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "s%07d.bench\n", i)
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}

// serve answers for every made-up site by its number.
func serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(host, "s"), ".bench"))
	switch {
	case n%6 < 2 && r.URL.Path == "/crossdomain.xml":
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		fmt.Fprint(w, flashOpen)
	case n%6 == 2 && r.URL.Path == "/clientaccesspolicy.xml":
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Cache-Control", "no-cache")
		fmt.Fprint(w, silverlight)
	default:
		http.NotFound(w, r)
	}
}
