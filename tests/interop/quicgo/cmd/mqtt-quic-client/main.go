// Command mqtt-quic-client is a minimal MQTT 3.1.1 client that speaks to a
// broker or gateway over QUIC (quic-go), EMQX single-stream style: the whole
// MQTT byte stream runs on the first client-initiated bidirectional stream.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

const usage = `usage:
  mqtt-quic-client [global flags] pub -t topic [-q 0|1|2] [-m message | -f file] [-n count]
  mqtt-quic-client [global flags] sub -t filter [-q 0|1|2] [-C count] [-W seconds] [-digest]
  mqtt-quic-client [global flags] roundtrip [-c clients] [-n messages] [-q 0|1|2] [-t prefix]

exit status: 0 ok, 1 sub timed out (-W), 2 any other error

global flags:
`

// exitTimeout is the exit status for "sub -W" expiring; other errors use 2.
const exitTimeout = 1

type session struct {
	conn   quic.Connection
	stream quic.Stream
	r      *bufio.Reader
	mu     sync.Mutex // serialises writes (acks, pings)
}

func fatalf(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "mqtt-quic-client: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	fs := flag.NewFlagSet("mqtt-quic-client", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:14567", "QUIC server `host:port`")
	insecure := fs.Bool("insecure", false, "do not verify the server certificate")
	caFile := fs.String("ca", "", "PEM `file` with CA certificate(s) to trust")
	sni := fs.String("servername", "", "TLS server name (default: host part of -addr)")
	alpn := fs.String("alpn", "mqtt", "ALPN protocol to offer")
	id := fs.String("id", fmt.Sprintf("mqtt-quic-client-%d", os.Getpid()), "MQTT client `id`")
	keepAlive := fs.Uint("k", 60, "MQTT keep-alive `seconds` (0 disables PINGREQ)")
	timeout := fs.Duration("timeout", 10*time.Second, "handshake / CONNACK / ack timeout")
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage); fs.PrintDefaults() }
	fs.Parse(os.Args[1:])
	if fs.NArg() < 1 {
		fs.Usage()
		os.Exit(2)
	}

	cmd := flag.NewFlagSet(fs.Arg(0), flag.ExitOnError)
	topic := cmd.String("t", "", "topic (pub) or topic filter (sub)")
	qosFlag := cmd.Uint("q", 0, "QoS 0, 1 or 2")
	msg := cmd.String("m", "hello", "pub: message prefix; payload is \"<message>-<i>\"")
	file := cmd.String("f", "", "pub: send this file's bytes as the payload (each message)")
	digest := cmd.Bool("digest", false, "sub: print \"topic len=<n> sha256=<hex>\" instead of the payload")
	clients := cmd.Int("c", 10, "roundtrip: concurrent connections")
	n := cmd.Int("n", 1, "pub: number of messages")
	count := cmd.Int("C", 1, "sub: exit after this many messages")
	wait := cmd.Float64("W", 0, "sub: give up after this many seconds (0 = never)")
	cmd.Parse(fs.Args()[1:])
	if fs.Arg(0) == "roundtrip" {
		if *topic == "" {
			*topic = "roundtrip"
		}
		if *qosFlag > 2 {
			fs.Usage()
			os.Exit(2)
		}
		os.Exit(roundtrip(*addr, tlsConfig(*alpn, *insecure, *sni, *caFile), *clients, *n,
			byte(*qosFlag), *topic, *timeout))
	}
	if *topic == "" || *qosFlag > 2 || (fs.Arg(0) != "pub" && fs.Arg(0) != "sub") {
		fs.Usage()
		os.Exit(2)
	}
	qos := byte(*qosFlag)

	tlsConf := tlsConfig(*alpn, *insecure, *sni, *caFile)
	var payload []byte
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			fatalf(2, "%v", err)
		}
		payload = b
	}

	s, err := dial(*addr, tlsConf, *timeout)
	if err != nil {
		fatalf(2, "%v", err)
	}
	if err := s.connect(*id, uint16(*keepAlive), *timeout); err != nil {
		s.conn.CloseWithError(0, "")
		fatalf(2, "%v", err)
	}
	if *keepAlive > 0 {
		go s.pinger(time.Duration(*keepAlive) * time.Second / 2)
	}

	if fs.Arg(0) == "pub" {
		err = s.pub(*topic, qos, *msg, payload, *n, *timeout)
	} else {
		err = s.sub(*topic, qos, *count, time.Duration(*wait*float64(time.Second)), *timeout, *digest)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.conn.CloseWithError(0, "")
			fatalf(exitTimeout, "timed out after %gs waiting for messages", *wait)
		}
	}
	if err != nil {
		s.conn.CloseWithError(0, "")
		fatalf(2, "%v", err)
	}
	s.disconnect()
}

func tlsConfig(alpn string, insecure bool, sni, caFile string) *tls.Config {
	conf := &tls.Config{
		NextProtos:         []string{alpn},
		InsecureSkipVerify: insecure,
		ServerName:         sni,
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fatalf(2, "%v", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			fatalf(2, "no certificates found in %s", caFile)
		}
	}
	return conf
}

func dial(addr string, tlsConf *tls.Config, timeout time.Duration) (*session, error) {
	if tlsConf.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		tlsConf.ServerName = host
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conf := &quic.Config{HandshakeIdleTimeout: timeout, KeepAlivePeriod: 10 * time.Second}
	conn, err := quic.DialAddrContext(ctx, addr, tlsConf, conf)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("QUIC handshake with %s failed: no response within %v", addr, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("QUIC handshake with %s failed: %w", addr, err)
	}
	stream, err := conn.OpenStreamSync(ctx)
	if err != nil {
		conn.CloseWithError(0, "")
		return nil, fmt.Errorf("opening stream: %w", err)
	}
	return &session{conn: conn, stream: stream, r: bufio.NewReader(stream)}, nil
}

func (s *session) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.stream.Write(b); err != nil {
		return fmt.Errorf("stream write: %w", err)
	}
	return nil
}

// read reads the next packet, answering PINGRESP silently.
func (s *session) read() (Packet, error) {
	for {
		p, err := readPacket(s.r)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return p, err
			}
			return p, fmt.Errorf("stream read: %w", err)
		}
		if p.Type() != PINGRESP {
			return p, nil
		}
	}
}

// expect reads the next packet and checks its type and packet ID.
func (s *session) expect(typ byte, id uint16, timeout time.Duration) error {
	s.stream.SetReadDeadline(time.Now().Add(timeout))
	defer s.stream.SetReadDeadline(time.Time{})
	p, err := s.read()
	if err != nil {
		return err
	}
	if p.Type() != typ {
		return fmt.Errorf("expected %s, got %v", typeNames[typ], p)
	}
	if got, err := packetID(p); err != nil || got != id {
		return fmt.Errorf("%v for packet id %d, want %d (%v)", p, got, id, err)
	}
	return nil
}

func (s *session) connect(id string, keepAlive uint16, timeout time.Duration) error {
	// Written straight away: quic-go only reveals a stream to the peer once
	// it carries data.
	if err := s.write(connectPacket(id, keepAlive)); err != nil {
		return err
	}
	s.stream.SetReadDeadline(time.Now().Add(timeout))
	defer s.stream.SetReadDeadline(time.Time{})
	p, err := s.read()
	if err != nil {
		return fmt.Errorf("waiting for CONNACK: %w", err)
	}
	if p.Type() != CONNACK || len(p.Body) != 2 {
		return fmt.Errorf("expected CONNACK, got %v (%d bytes)", p, len(p.Body))
	}
	if rc := p.Body[1]; rc != 0 {
		return fmt.Errorf("connection refused: CONNACK return code %d (%s)", rc, connackReasons[rc])
	}
	return nil
}

func (s *session) pinger(every time.Duration) {
	for range time.Tick(every) {
		if s.write(encode(PINGREQ<<4, nil)) != nil {
			return
		}
	}
}

func (s *session) pub(topic string, qos byte, msg string, fixed []byte, n int, timeout time.Duration) error {
	for i := 1; i <= n; i++ {
		id := uint16((i-1)%65535 + 1)
		payload := fixed
		if payload == nil {
			payload = []byte(msg + "-" + strconv.Itoa(i))
		}
		if err := s.write(publishPacket(topic, qos, id, payload)); err != nil {
			return err
		}
		switch qos {
		case 1:
			if err := s.expect(PUBACK, id, timeout); err != nil {
				return err
			}
		case 2:
			if err := s.expect(PUBREC, id, timeout); err != nil {
				return err
			}
			if err := s.write(ackPacket(PUBREL, id)); err != nil {
				return err
			}
			if err := s.expect(PUBCOMP, id, timeout); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *session) sub(filter string, qos byte, count int, wait, timeout time.Duration, digest bool) error {
	if err := s.write(subscribePacket(1, filter, qos)); err != nil {
		return err
	}
	s.stream.SetReadDeadline(time.Now().Add(timeout))
	p, err := s.read()
	if err != nil {
		return fmt.Errorf("waiting for SUBACK: %w", err)
	}
	if p.Type() != SUBACK || len(p.Body) != 3 {
		return fmt.Errorf("expected SUBACK, got %v", p)
	}
	if p.Body[2] > 2 {
		return fmt.Errorf("subscription refused: SUBACK return code 0x%02x", p.Body[2])
	}
	fmt.Println("subscribed")

	deadline := time.Time{}
	if wait > 0 {
		deadline = time.Now().Add(wait)
	}
	s.stream.SetReadDeadline(deadline)
	pending := map[uint16]bool{} // QoS 2 IDs awaiting PUBREL
	for got := 0; got < count || len(pending) > 0; {
		p, err := s.read()
		if err != nil {
			return err
		}
		switch p.Type() {
		case PUBLISH:
			topic, q, id, payload, err := parsePublish(p)
			if err != nil {
				return err
			}
			if !(q == 2 && pending[id]) && got < count {
				if digest {
					fmt.Printf("%s len=%d sha256=%x\n", topic, len(payload), sha256.Sum256(payload))
				} else {
					fmt.Printf("%s %s\n", topic, payload)
				}
				got++
			}
			switch q {
			case 1:
				err = s.write(ackPacket(PUBACK, id))
			case 2:
				pending[id] = true
				err = s.write(ackPacket(PUBREC, id))
			}
			if err != nil {
				return err
			}
		case PUBREL:
			id, err := packetID(p)
			if err != nil {
				return err
			}
			delete(pending, id)
			if err := s.write(ackPacket(PUBCOMP, id)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected %v", p)
		}
	}
	return nil
}

// disconnect sends DISCONNECT, closes our send side and waits (briefly) for
// the peer to finish its side, so no queued stream data is lost to an early
// CONNECTION_CLOSE.
func (s *session) disconnect() {
	s.write(encode(DISCONNECT<<4, nil))
	s.mu.Lock()
	s.stream.Close()
	s.mu.Unlock()
	s.stream.SetReadDeadline(time.Now().Add(3 * time.Second))
	io.Copy(io.Discard, s.stream)
	s.conn.CloseWithError(0, "")
}
