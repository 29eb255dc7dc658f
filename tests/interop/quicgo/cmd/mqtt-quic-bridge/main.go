// Command mqtt-quic-bridge is the plain quic-go bridge a user could write:
// a QUIC server whose every bidirectional stream is spliced byte-for-byte to
// a fresh TCP connection to the upstream MQTT broker.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"io"
	"log"
	"net"

	quic "github.com/lucas-clemente/quic-go"
)

// Application error code for streams whose upstream failed.
const errUpstream = 1

var verbose = flag.Bool("v", false, "log every connection and stream")

func main() {
	listen := flag.String("listen", "127.0.0.1:14567", "UDP `addr` to listen on")
	upstream := flag.String("upstream", "127.0.0.1:1883", "TCP `addr` of the MQTT broker")
	certFile := flag.String("cert", "", "PEM certificate `file`")
	keyFile := flag.String("key", "", "PEM private key `file`")
	alpn := flag.String("alpn", "mqtt", "ALPN protocol to accept")
	flag.Parse()
	log.SetPrefix("mqtt-quic-bridge: ")

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("loading -cert/-key: %v", err)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{*alpn}}
	ln, err := quic.ListenAddr(*listen, tlsConf, &quic.Config{MaxIncomingStreams: 1000})
	if err != nil {
		log.Fatalf("listen %s: %v", *listen, err)
	}
	log.Printf("listening on %s (ALPN %q), upstream %s", ln.Addr(), *alpn, *upstream)
	for {
		conn, err := ln.Accept(context.Background())
		if err != nil {
			log.Fatalf("accept: %v", err)
		}
		go serveConn(conn, *upstream)
	}
}

func serveConn(conn quic.Connection, upstream string) {
	if *verbose {
		log.Printf("%v: connected", conn.RemoteAddr())
	}
	for {
		stream, err := conn.AcceptStream(context.Background())
		if err != nil {
			if *verbose {
				log.Printf("%v: closed: %v", conn.RemoteAddr(), err)
			}
			return
		}
		go splice(stream, upstream)
	}
}

func splice(stream quic.Stream, upstream string) {
	c, err := net.Dial("tcp", upstream)
	if err != nil {
		log.Printf("stream %d: dial upstream: %v", stream.StreamID(), err)
		stream.CancelRead(errUpstream)
		stream.CancelWrite(errUpstream)
		return
	}
	tcp := c.(*net.TCPConn)
	done := make(chan struct{})
	go func() { // client -> broker
		if _, err := io.Copy(tcp, stream); err != nil {
			stream.CancelRead(errUpstream)
			tcp.Close() // reset or connection loss: tear both down
		} else {
			tcp.CloseWrite() // FIN from the client becomes a TCP FIN
		}
		close(done)
	}()
	if _, err := io.Copy(stream, tcp); err != nil { // broker -> client
		stream.CancelWrite(errUpstream)
		stream.CancelRead(errUpstream)
	} else {
		stream.Close() // TCP FIN becomes a QUIC FIN
	}
	<-done
	tcp.Close()
	if *verbose {
		log.Printf("stream %d: done", stream.StreamID())
	}
}
