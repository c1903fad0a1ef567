// Command sockbench compares xdpolicy's Flash socket policy server with
// Node's policyfile package (npm) and with a floor, a bare Go listener
// that reads the 23-byte request, writes the same reply and closes,
// checking nothing, on this machine, in one run:
//
//	go run ./cmd/sockbench [-duration 2s] [-conc 1,16,64]
//
// It installs what it needs itself: policyfile from the npm registry into
// a temporary directory (and Node with apt-get when node is missing and it
// runs as root). Each server runs in its own process on a loopback port
// and serves the same policy bytes (policyfile's default, which grants
// every domain every port); the load comes from this process: at each
// concurrency, that many clients connect, send Flash Player's 23-byte
// request and read until the server closes, for the given duration. The
// servers take turns so that neither gets a quieter machine. After each
// measurement it counts the file descriptors each server process holds and its resident
// memory.
// It then checks how each treats clients that are not Flash Player, and
// prints Markdown tables, the last with xdpolicy's rate as a share of the
// floor's and of policyfile's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/sockserve"
)

const policyfileVersion = "0.0.6"

const nodeServer = `// Started by xdpolicy's sockbench: policyfile's dedicated server on a
// loopback port, printing the port once it listens.
var pf = require('policyfile').createServer({log: false});
pf.listen(0, function () { console.log(this.socket.address().port); });
`

func main() {
	duration := flag.Duration("duration", 2*time.Second, "how long each measurement runs")
	concs := flag.String("conc", "1,16,64", "comma-separated numbers of concurrent clients")
	serveGo := flag.String("serve-go", "", "internal: serve this policy file with xdpolicy and print the port")
	serveFloor := flag.String("serve-floor", "", "internal: serve this policy file with a bare listener and print the port")
	flag.Parse()
	if *serveFloor != "" {
		fmt.Fprintln(os.Stderr, "sockbench:", floor(*serveFloor)) // it serves until it fails
		os.Exit(1)
	}
	if *serveGo != "" {
		if err := serve(*serveGo); err != nil {
			fmt.Fprintln(os.Stderr, "sockbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*duration, *concs); err != nil {
		fmt.Fprintln(os.Stderr, "sockbench:", err)
		os.Exit(1)
	}
}

// floor is the least any server must do, in its own process: read the
// 23-byte request, write the reply and close, with no timeouts, limits or
// checks of what was sent.
func floor(policyFile string) error {
	raw, err := os.ReadFile(policyFile)
	if err != nil {
		return err
	}
	reply := append(raw, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			var req [len(crossdomain.PolicyRequest)]byte
			if _, err := io.ReadFull(c, req[:]); err == nil {
				c.Write(reply)
			}
		}()
	}
}

// serve is the xdpolicy side, in its own process.
func serve(policyFile string) error {
	raw, err := os.ReadFile(policyFile)
	if err != nil {
		return err
	}
	s := &crossdomain.SocketServer{Raw: raw, MaxConns: 4096}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	return s.Serve(ln)
}

type server struct {
	name string
	addr string
	cmd  *exec.Cmd
}

func run(duration time.Duration, concList string) error {
	var levels []int
	for _, f := range strings.Split(concList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-conc: %q is not a positive number", f)
		}
		levels = append(levels, n)
	}
	dir, err := os.MkdirTemp("", "sockbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	nodeVersion, err := ensureNode()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "installing policyfile@%s from npm into %s\n", policyfileVersion, dir)
	npm := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir, "policyfile@"+policyfileVersion)
	npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
	if err := npm.Run(); err != nil {
		return fmt.Errorf("npm install policyfile: %w", err)
	}
	script := filepath.Join(dir, "server.js")
	if err := os.WriteFile(script, []byte(nodeServer), 0o644); err != nil {
		return err
	}
	nodeName := "policyfile " + policyfileVersion + " (Node " + nodeVersion + ")"
	node, err := start(nodeName, exec.Command("node", script))
	if err != nil {
		return err
	}
	// xdpolicy serves the very bytes policyfile sends.
	policy, err := exchange(node.addr, []byte(crossdomain.PolicyRequest), 0)
	node.stop()
	if err != nil {
		return fmt.Errorf("asking policyfile for its policy: %w", err)
	}
	policy = bytes.TrimSuffix(policy, []byte{0})
	policyFile := filepath.Join(dir, "policy.xml")
	if err := os.WriteFile(policyFile, policy, 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// Each measurement gets a fresh server process, so that what one run
	// leaves behind does not weigh on the next.
	goName, floorName := "xdpolicy ("+runtime.Version()+")", "floor: a bare Go listener"
	launchers := []struct {
		name string
		cmd  func() *exec.Cmd
	}{
		{goName, func() *exec.Cmd { return exec.Command(self, "-serve-go", policyFile) }},
		{nodeName, func() *exec.Cmd { return exec.Command("node", script) }},
		{floorName, func() *exec.Cmd { return exec.Command(self, "-serve-floor", policyFile) }},
	}

	fmt.Println("| server | ends the policy with NUL | answers garbage | answers a client that sends nothing | answers before the request |")
	fmt.Println("|---|---|---|---|---|")
	for _, l := range launchers[:2] {
		s, err := start(l.name, l.cmd())
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %s | %s | %s | %s |\n", s.name,
			yesNo(endsWithNUL(s.addr)),
			yesNo(answers(s.addr, []byte("GET / HTTP/1.0\r\n\r\n"), 0)),
			yesNo(answers(s.addr, nil, 4*time.Second)),
			yesNo(answersEarly(s.addr)))
		s.stop()
	}

	check := func(b []byte) error {
		if !bytes.Contains(b, []byte("</cross-domain-policy>")) {
			return fmt.Errorf("not a policy: %.40q", b)
		}
		return nil
	}
	fmt.Printf("\nFlash socket policy servers over loopback, %d CPU cores (%s/%s), %s per measurement "+
		"after a %s warm-up, a fresh server process each; the clients run in one more process on the same cores.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, duration, duration/4)
	fmt.Println("| server | clients | answered/s | p50 | p99 | failed | open fds after | RSS after |")
	fmt.Println("|---|---:|---:|---:|---:|---|---:|---:|")
	results := map[string][]string{}
	rates := map[string][]float64{}
	for _, conc := range levels {
		for _, l := range launchers {
			s, err := start(l.name, l.cmd())
			if err != nil {
				return err
			}
			wctx, cancel := context.WithTimeout(context.Background(), duration/4)
			sockserve.Load(wctx, s.addr, []byte(crossdomain.PolicyRequest), conc, 0, check)
			cancel()
			time.Sleep(200 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), duration)
			r := sockserve.Load(ctx, s.addr, []byte(crossdomain.PolicyRequest), conc, 0, check)
			cancel()
			failed := strconv.Itoa(r.Failed)
			if r.FirstError != nil {
				failed += fmt.Sprintf(" (%v)", shorten(r.FirstError))
			}
			time.Sleep(200 * time.Millisecond)
			rates[s.name] = append(rates[s.name], r.PerSecond())
			results[s.name] = append(results[s.name], fmt.Sprintf("| %s | %d | %.0f | %s | %s | %s | %s | %s |",
				s.name, conc, r.PerSecond(), ms(r.Percentile(50)), ms(r.Percentile(99)), failed, s.fds(), s.rss()))
			s.stop()
			time.Sleep(time.Second) // let TIME-WAIT sockets of the run age a little
		}
	}
	for _, l := range launchers {
		for _, line := range results[l.name] {
			fmt.Println(line)
		}
	}
	fmt.Println("\n| clients | xdpolicy / floor | xdpolicy / policyfile |")
	fmt.Println("|---:|---:|---:|")
	for i, conc := range levels {
		x := rates[goName][i]
		fmt.Printf("| %d | %.2f | %.2f |\n", conc, x/rates[floorName][i], x/rates[nodeName][i])
	}
	return nil
}

// ensureNode finds node and npm, installing them with apt-get when they
// are missing and this process may.
func ensureNode() (string, error) {
	_, errNode := exec.LookPath("node")
	_, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
			return "", errors.New("node and npm are needed: install Node.js (apt-get install nodejs npm) and run again")
		}
		fmt.Fprintln(os.Stderr, "installing nodejs and npm with apt-get")
		for _, args := range [][]string{{"update"}, {"install", "-y", "nodejs", "npm"}} {
			cmd := exec.Command("apt-get", args...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return "", fmt.Errorf("apt-get %s: %w", args[0], err)
			}
		}
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("node --version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// start runs a server process that prints its port on its first line.
func start(name string, cmd *exec.Cmd) (*server, error) {
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := &server{name: name, cmd: cmd}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, out)
	}()
	select {
	case l, ok := <-line:
		port, err := strconv.Atoi(strings.TrimSpace(l))
		if !ok || err != nil {
			s.stop()
			return nil, fmt.Errorf("%s did not print its port (got %q)", name, l)
		}
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	case <-time.After(20 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%s did not start within 20s", name)
	}
	return s, nil
}

// fds counts the server process's open file descriptors (Linux only).
func (s *server) fds() string {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid))
	if err != nil {
		return "?"
	}
	return strconv.Itoa(len(ents))
}

// rss is the server process's resident memory (Linux only).
func (s *server) rss() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
				return fmt.Sprintf("%.0f MB", float64(kb)/1024)
			}
		}
	}
	return "?"
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// exchange sends req (after waiting delay) and reads until the server
// closes or 2 s pass.
func exchange(addr string, req []byte, delay time.Duration) ([]byte, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(delay + 2*time.Second))
	time.Sleep(delay)
	if len(req) > 0 {
		if _, err := c.Write(req); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(c)
}

func endsWithNUL(addr string) bool {
	b, err := exchange(addr, []byte(crossdomain.PolicyRequest), 0)
	return err == nil && len(b) > 0 && b[len(b)-1] == 0
}

// answers reports whether a client sending req gets a policy; req nil
// means a client that sends nothing and waits.
func answers(addr string, req []byte, wait time.Duration) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait + time.Second))
	if req != nil {
		c.Write(req)
	}
	b, _ := io.ReadAll(c)
	return bytes.Contains(b, []byte("cross-domain-policy"))
}

// answersEarly reports whether the server sends its policy before the
// client has said anything.
func answersEarly(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	b := make([]byte, 1)
	n, _ := c.Read(b)
	return n > 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func shorten(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
