package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// roundtrip runs `clients` connections at once; each subscribes to its own topic
// "<prefix>/<i>", publishes n messages there at `qos` (completing every ack flow) and
// waits until all n come back. It prints one summary line and returns 0 only when every
// message arrived exactly once.
func roundtrip(addr string, conf *tls.Config, clients, n int, qos byte, prefix string,
	timeout time.Duration) int {
	type result struct {
		delivered, duplicates int
		err                   error
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			d, dup, err := roundtripOne(addr, conf.Clone(), c, n, qos, prefix, timeout)
			results[c] = result{d, dup, err}
		}(c)
	}
	wg.Wait()
	delivered, duplicates, failed := 0, 0, 0
	for c, r := range results {
		delivered += r.delivered
		duplicates += r.duplicates
		if r.err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "client %d: %v\n", c, r.err)
		}
	}
	sent := clients * n
	fmt.Printf("roundtrip: clients=%d sent=%d delivered=%d duplicates=%d missing=%d failed_clients=%d\n",
		clients, sent, delivered, duplicates, sent-delivered, failed)
	if delivered != sent || duplicates != 0 || failed != 0 {
		return 2
	}
	return 0
}

func roundtripOne(addr string, conf *tls.Config, c, n int, qos byte, prefix string,
	timeout time.Duration) (int, int, error) {
	s, err := dial(addr, conf, timeout)
	if err != nil {
		return 0, 0, err
	}
	defer s.conn.CloseWithError(0, "")
	if err := s.connect(fmt.Sprintf("roundtrip-%d-%d", os.Getpid(), c), 60, timeout); err != nil {
		return 0, 0, err
	}
	topic := prefix + "/" + strconv.Itoa(c)
	if err := s.write(subscribePacket(1, topic, qos)); err != nil {
		return 0, 0, err
	}
	acks := make(chan Packet, 16) // PUBACK / PUBREC / PUBCOMP for our publishes
	suback := make(chan error, 1)
	seen := make(map[int]int) // message index -> times delivered
	var mu sync.Mutex
	done := make(chan error, 1)
	var finish sync.Once
	signal := func(err error) { finish.Do(func() { done <- err }) }
	go func() { // the one reader of the stream; runs until the connection ends
		qos2 := map[uint16]bool{}
		for {
			p, err := s.read()
			if err != nil {
				signal(err)
				return
			}
			if os.Getenv("RT_DEBUG") != "" {
				fmt.Fprintf(os.Stderr, "rx %v\n", p)
			}
			switch p.Type() {
			case SUBACK:
				suback <- nil
			case PUBACK, PUBREC, PUBCOMP:
				acks <- p
			case PUBLISH:
				_, q, id, payload, err := parsePublish(p)
				if err != nil {
					signal(err)
					return
				}
				if !(q == 2 && qos2[id]) {
					idx, _ := strconv.Atoi(strings.TrimPrefix(string(payload), "m-"))
					mu.Lock()
					seen[idx]++
					mu.Unlock()
				}
				switch q {
				case 1:
					s.write(ackPacket(PUBACK, id))
				case 2:
					qos2[id] = true
					s.write(ackPacket(PUBREC, id))
				}
				mu.Lock()
				complete := len(seen) == n
				mu.Unlock()
				if complete && len(qos2) == 0 {
					signal(nil)
				}
			case PUBREL:
				id, _ := packetID(p)
				delete(qos2, id)
				s.write(ackPacket(PUBCOMP, id))
				mu.Lock()
				complete := len(seen) == n
				mu.Unlock()
				if complete && len(qos2) == 0 {
					signal(nil)
				}
			}
		}
	}()
	select {
	case <-suback:
	case err := <-done:
		return 0, 0, fmt.Errorf("waiting for SUBACK: %v", err)
	case <-time.After(timeout):
		return 0, 0, fmt.Errorf("no SUBACK within %v", timeout)
	}
	waitAck := func(typ byte) error {
		select {
		case p := <-acks:
			if p.Type() != typ {
				return fmt.Errorf("expected %s, got %v", typeNames[typ], p)
			}
			return nil
		case <-time.After(timeout):
			return fmt.Errorf("no %s within %v", typeNames[typ], timeout)
		}
	}
	for i := 1; i <= n; i++ {
		id := uint16((i-1)%65535 + 1)
		if err := s.write(publishPacket(topic, qos, id, []byte("m-"+strconv.Itoa(i)))); err != nil {
			return 0, 0, err
		}
		switch qos {
		case 1:
			if err := waitAck(PUBACK); err != nil {
				return 0, 0, err
			}
		case 2:
			if err := waitAck(PUBREC); err != nil {
				return 0, 0, err
			}
			if err := s.write(ackPacket(PUBREL, id)); err != nil {
				return 0, 0, err
			}
			if err := waitAck(PUBCOMP); err != nil {
				return 0, 0, err
			}
		}
	}
	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(timeout):
		waitErr = fmt.Errorf("deliveries incomplete after %v", timeout)
	}
	mu.Lock()
	defer mu.Unlock()
	delivered, duplicates := 0, 0
	for _, times := range seen {
		delivered++
		duplicates += times - 1
	}
	if waitErr == nil {
		s.disconnect()
	}
	return delivered, duplicates, waitErr
}
