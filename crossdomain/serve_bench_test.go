package crossdomain

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"

	"github.com/xdpolicy/xdpolicy/internal/sockserve"
)

// BenchmarkSocketServer measures the socket policy server over loopback:
// 32 clients at once, each connecting, sending Flash Player's request and
// reading the policy until the server closes. It reports exchanges
// answered per second and the 50th and 99th percentile latencies.
func BenchmarkSocketServer(b *testing.B) {
	s := &SocketServer{Raw: []byte(socketPolicy), MaxConns: 4096}
	want, err := s.Reply()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	check := func(got []byte) error {
		if !bytes.Equal(got, want) {
			return errors.New("wrong reply")
		}
		return nil
	}
	b.ResetTimer()
	res := sockserve.Load(context.Background(), ln.Addr().String(), []byte(PolicyRequest), 32, b.N, check)
	b.StopTimer()
	if res.Failed > 0 {
		b.Fatalf("%d of %d exchanges failed; first: %v", res.Failed, b.N, res.FirstError)
	}
	b.ReportMetric(res.PerSecond(), "req/s")
	b.ReportMetric(float64(res.Percentile(50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(res.Percentile(99).Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}
