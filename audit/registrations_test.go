package audit

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

// dnsServer answers on loopback: the names in registered have NS
// records, every other name is NXDOMAIN. It returns a resolver that asks
// it alone, and a count of the questions asked.
func dnsServer(t *testing.T, registered ...string) (*net.Resolver, *atomic.Int32) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	var asked atomic.Int32
	known := map[string]bool{}
	for _, r := range registered {
		known[dns.Fqdn(r)] = true
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		asked.Add(1)
		m := new(dns.Msg)
		m.SetReply(q)
		name := q.Question[0].Name
		switch {
		case known[name]:
			m.Answer = append(m.Answer, &dns.NS{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 60}, Ns: "ns1." + name})
		case strings.HasSuffix(name, ".github.io."):
			// A name that exists without NS records (NODATA), with an address.
			if q.Question[0].Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(127, 0, 0, 1)})
			}
		default:
			m.SetRcode(q, dns.RcodeNameError)
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	addr := pc.LocalAddr().String()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
	return r, &asked
}

// TestRegistrations: with Registrations, a trusted caller whose
// registrable domain does not exist is a high finding at the caller;
// registered domains, addresses, names under a top-level domain no
// registry serves and every-caller patterns are not, and each domain is
// asked once.
func TestRegistrations(t *testing.T) {
	policy := `<cross-domain-policy>
<allow-access-from domain="www.partner.com"/>
<allow-access-from domain="*.lapsed-partner.com"/>
<allow-access-from domain="app.lapsed-partner.com"/>
<allow-access-from domain="10.0.0.5"/>
<allow-access-from domain="printer.lan"/>
<allow-access-from domain="partner.github.io"/>
</cross-domain-policy>`
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://victim.example/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy", Body: policy},
	}})
	r, asked := dnsServer(t, "partner.com")
	cfg := Config{HTTPClient: site.Client(), Timeout: 2 * time.Second, Registrations: true, Resolver: r}
	rep, err := Audit(context.Background(), "http://victim.example:80", cfg)
	require.NoError(t, err)
	var got []string
	for _, f := range rep.Findings() {
		if f.Code == finding.UnregisteredDomain {
			got = append(got, f.Pos.String()+" "+f.Level.String()+" "+f.Message)
		}
	}
	assert.Equal(t, []string{
		`3:1 high "*.lapsed-partner.com" trusts callers under lapsed-partner.com, a domain that does not exist (NXDOMAIN): whoever registers it is trusted`,
		`4:1 high "app.lapsed-partner.com" trusts callers under lapsed-partner.com, a domain that does not exist (NXDOMAIN): whoever registers it is trusted`,
	}, got)
	// partner.com: NS; partner.github.io: NS (none, NODATA), then an
	// address (found); lapsed-partner.com: NS, then an address (none).
	// Never .example or .lan, which no one registers.
	asks := asked.Load()
	assert.Positive(t, asks)

	// Without the option, no DNS query is sent.
	cfg.Registrations = false
	rep, err = Audit(context.Background(), "http://victim.example:80", cfg)
	require.NoError(t, err)
	assert.Equal(t, asks, asked.Load())
	for _, f := range rep.Findings() {
		assert.NotEqual(t, finding.UnregisteredDomain, f.Code)
	}
}

// TestRegistrationsUnanswered: a DNS server that does not answer is not
// "no such domain": nothing is reported.
func TestRegistrationsUnanswered(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://victim.example/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy",
			Body: `<cross-domain-policy><allow-access-from domain="www.partner.example"/></cross-domain-policy>`},
	}})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing, answers nothing
	require.NoError(t, err)
	defer pc.Close()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	rep, err := Audit(context.Background(), "http://victim.example:80",
		Config{HTTPClient: site.Client(), Timeout: 500 * time.Millisecond, Registrations: true, Resolver: r})
	require.NoError(t, err)
	for _, f := range rep.Findings() {
		assert.NotEqual(t, finding.UnregisteredDomain, f.Code, f.String())
	}
}
