package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

// echoTarget is a loopback TCP echo server; with policy, it also answers
// Flash Player's policy request inline, as game servers do.
func echoTarget(t *testing.T, policy string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if policy != "" {
		ln, err = crossdomain.NewListener(ln, crossdomain.ListenerOptions{Raw: []byte(policy)})
		require.NoError(t, err)
	}
	return fakesite.Serve(t, ln, fakesite.Echo)
}

// runBridge runs the bridge command until the test ends and returns its
// address, its hangup channel and its log.
func runBridge(t *testing.T, args []string, env map[string]string) (string, chan os.Signal, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	hup := make(chan os.Signal, 1)
	c := &cli{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, hangups: hup,
		lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	done := make(chan int, 1)
	go func() { done <- c.run(append([]string{"bridge"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, exitOK, <-done, logs.String())
		assert.Contains(t, logs.String(), "msg=stopped")
	})
	return waitListening(t, logs.String, 1)["bridge"], hup, logs
}

// wsTry opens url from origin, sends msg and says what came back: the
// echo, or "close CODE: REASON".
func wsTry(t *testing.T, url, origin, msg string, client *http.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}, HTTPClient: client})
	require.NoError(t, err)
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageBinary, []byte(msg)); err != nil {
		return "write: " + err.Error()
	}
	_, b, err := c.Read(ctx)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return "close " + ce.Code.String() + ": " + ce.Reason
	}
	require.NoError(t, err)
	c.Close(websocket.StatusNormalClosure, "")
	return string(b)
}

func TestBridgeCommand(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "socketpolicy.xml")
	writePolicy := func(body string) { require.NoError(t, os.WriteFile(policyFile, []byte(body), 0o644)) }
	writePolicy(`<cross-domain-policy><allow-access-from domain="app.example" to-ports="9000"/></cross-domain-policy>`)
	target := echoTarget(t, "")
	addr, hup, logs := runBridge(t, []string{"-listen", "127.0.0.1:0", "-route", "game.example:9000=" + target, "-policy", policyFile}, nil)
	url := "ws://" + addr + "/game.example:9000"

	assert.Equal(t, "hello", wsTry(t, url, "http://app.example", "hello", nil))
	denied := wsTry(t, url, "http://evil.example", "hello", nil)
	assert.True(t, strings.HasPrefix(denied, "close StatusPolicyViolation: "), denied)
	assert.Contains(t, denied, "evil.example")
	assert.Contains(t, logs.String(), "msg=route url=ws://"+addr+"/game.example:9000 target="+target)
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "bridge connection") == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Regexp(t, `msg="bridge connection" remote=\S+ origin=http://app.example route=game.example:9000 target=\S+ decision=allow .* bytes_in=5 bytes_out=5 close=1000`, logs.String())
	assert.Regexp(t, `level=WARN msg="bridge connection" .*origin=http://evil.example .*decision=deny .*close=1008`, logs.String())

	reload := func() {
		reloads := regexp.MustCompile(`msg="?reload`)
		n := len(reloads.FindAllString(logs.String(), -1))
		hup <- syscall.SIGHUP
		require.Eventually(t, func() bool { return len(reloads.FindAllString(logs.String(), -1)) > n }, 5*time.Second, 10*time.Millisecond)
	}
	writePolicy(`<cross-domain-policy><allow-access-from domain="evil.example" to-ports="9000"/></cross-domain-policy>`)
	reload()
	assert.Equal(t, "hi", wsTry(t, url, "http://evil.example", "hi", nil))
	assert.Contains(t, wsTry(t, url, "http://app.example", "hi", nil), "close StatusPolicyViolation")

	writePolicy(`<cross-domain-policy><allow-access-from`)
	reload()
	assert.Contains(t, logs.String(), `msg="reload: the policy is rejected, the old one keeps deciding"`)
	assert.Equal(t, "hi", wsTry(t, url, "http://evil.example", "hi", nil))
}

// Without -policy the bridge asks the target, as Flash Player asked the
// server: here a game server that answers the policy request inline.
// (Port 843 of 127.0.0.1 is asked first; nothing listens there.)
func TestBridgeCommandLookup(t *testing.T) {
	target := echoTarget(t, `<cross-domain-policy><allow-access-from domain="*.example.com" to-ports="9000"/></cross-domain-policy>`)
	plain := echoTarget(t, "")
	addr, _, _ := runBridge(t, nil, map[string]string{
		"XDPOLICY_LISTEN": "127.0.0.1:0",
		"XDPOLICY_ROUTE":  "game.example:9000=" + target + " other.example:9000=" + plain,
	})
	assert.Equal(t, "hello", wsTry(t, "ws://"+addr+"/game.example:9000", "https://www.example.com", "hello", nil))
	assert.Contains(t, wsTry(t, "ws://"+addr+"/game.example:9000", "https://www.example.org", "hello", nil), "close StatusPolicyViolation")
	assert.Contains(t, wsTry(t, "ws://"+addr+"/other.example:9000", "https://www.example.com", "hello", nil), "close StatusPolicyViolation")
}

// With -cert and -key the bridge serves wss://, which pages on https://
// need.
func TestBridgeCommandTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	policy := filepath.Join(dir, "p.xml")
	require.NoError(t, os.WriteFile(policy, []byte(`<cross-domain-policy><allow-access-from domain="app.example" secure="true" to-ports="9000"/></cross-domain-policy>`), 0o644))
	target := echoTarget(t, "")
	addr, _, logs := runBridge(t, []string{"-listen", "127.0.0.1:0", "-route", "game.example:9000=" + target, "-policy", policy, "-cert", certFile, "-key", keyFile}, nil)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "wss://" + addr + "/game.example:9000"
	assert.Equal(t, "hello", wsTry(t, url, "https://app.example", "hello", client))
	assert.Contains(t, wsTry(t, url, "http://app.example", "hello", client), "close StatusPolicyViolation", "secure=\"true\" wants an HTTPS caller")
	assert.Contains(t, logs.String(), "url=wss://")
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestBridgeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	require.NoError(t, os.WriteFile(bad, []byte(`<cross-domain-policy><allow-access-from`), 0o644))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-route", "a.example:1"}, nil, "-listen: give the address"},
		{[]string{"-listen", ":0"}, nil, "-route: give at least one"},
		{[]string{"-listen", ":0", "-route", "a.example"}, nil, `route "a.example": want host:port`},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-route", "A.example:1"}, nil, "comes twice"},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-cert", "x"}, nil, "-cert and -key go together"},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-cert", bad, "-key", bad}, nil, "-cert, -key:"},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-policy", bad}, nil, "bad.xml:1:"},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-policy", filepath.Join(dir, "none.xml")}, nil, "none.xml"},
		{[]string{"-listen", busy.Addr().String(), "-route", "a.example:1"}, nil, "-listen:"},
		{[]string{"-route", "a.example:1"}, map[string]string{"XDPOLICY_LISTEN": ":0", "XDPOLICY_IDLE": "soon"}, "environment XDPOLICY_IDLE"},
		{[]string{"-listen", ":0", "-route", "a.example:1", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"-listen", ":0", "-route", "a.example:1", "-max-message", "99999999"}, nil, "-max-message 99999999: at most 16777216"},
	} {
		var errb bytes.Buffer
		c := &cli{ctx: context.Background(), stdout: io.Discard, stderr: &errb,
			lookupEnv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
		assert.Equal(t, exitUsage, c.run(append([]string{"bridge"}, tt.args...)), tt.args)
		assert.Contains(t, errb.String(), tt.want, tt.args)
	}
}
