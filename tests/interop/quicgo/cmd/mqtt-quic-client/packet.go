package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MQTT 3.1.1 control packet types (high nibble of the fixed header).
const (
	CONNECT     = 1
	CONNACK     = 2
	PUBLISH     = 3
	PUBACK      = 4
	PUBREC      = 5
	PUBREL      = 6
	PUBCOMP     = 7
	SUBSCRIBE   = 8
	SUBACK      = 9
	PINGREQ     = 12
	PINGRESP    = 13
	DISCONNECT  = 14
	protoLevel4 = 4
)

var typeNames = map[byte]string{
	CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
	PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
	SUBACK: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", PINGREQ: "PINGREQ",
	PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT",
}

// Packet is a raw MQTT control packet: fixed-header byte plus body.
type Packet struct {
	Header byte
	Body   []byte
}

func (p Packet) Type() byte  { return p.Header >> 4 }
func (p Packet) Flags() byte { return p.Header & 0x0f }

func (p Packet) String() string {
	if n, ok := typeNames[p.Type()]; ok {
		return n
	}
	return fmt.Sprintf("type %d", p.Type())
}

// encode serialises a packet: fixed header, remaining length, body.
func encode(header byte, body []byte) []byte {
	out := []byte{header}
	n := len(body)
	for {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			b |= 0x80
		}
		out = append(out, b)
		if n == 0 {
			break
		}
	}
	return append(out, body...)
}

// readPacket reads one complete MQTT packet.
func readPacket(r *bufio.Reader) (Packet, error) {
	h, err := r.ReadByte()
	if err != nil {
		return Packet{}, err
	}
	n, mul := 0, 1
	for i := 0; ; i++ {
		if i == 4 {
			return Packet{}, errors.New("malformed remaining length")
		}
		b, err := r.ReadByte()
		if err != nil {
			return Packet{}, unexpectedEOF(err)
		}
		n += int(b&0x7f) * mul
		mul *= 128
		if b&0x80 == 0 {
			break
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return Packet{}, unexpectedEOF(err)
	}
	return Packet{h, body}, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendID(b []byte, id uint16) []byte {
	return binary.BigEndian.AppendUint16(b, id)
}

func connectPacket(clientID string, keepAlive uint16) []byte {
	body := appendString(nil, "MQTT")
	body = append(body, protoLevel4, 0x02) // clean session
	body = binary.BigEndian.AppendUint16(body, keepAlive)
	body = appendString(body, clientID)
	return encode(CONNECT<<4, body)
}

func publishPacket(topic string, qos byte, id uint16, payload []byte) []byte {
	body := appendString(nil, topic)
	if qos > 0 {
		body = appendID(body, id)
	}
	return encode(PUBLISH<<4|qos<<1, append(body, payload...))
}

func subscribePacket(id uint16, filter string, qos byte) []byte {
	body := appendString(appendID(nil, id), filter)
	return encode(SUBSCRIBE<<4|0x02, append(body, qos))
}

// ackPacket builds PUBACK/PUBREC/PUBREL/PUBCOMP (PUBREL has flags 0010).
func ackPacket(typ byte, id uint16) []byte {
	h := typ << 4
	if typ == PUBREL {
		h |= 0x02
	}
	return encode(h, appendID(nil, id))
}

func packetID(p Packet) (uint16, error) {
	if len(p.Body) < 2 {
		return 0, fmt.Errorf("%v too short", p)
	}
	return binary.BigEndian.Uint16(p.Body), nil
}

// parsePublish returns topic, QoS, packet ID (0 for QoS 0) and payload.
func parsePublish(p Packet) (string, byte, uint16, []byte, error) {
	b := p.Body
	qos := (p.Flags() >> 1) & 3
	if len(b) < 2 {
		return "", 0, 0, nil, errors.New("malformed PUBLISH")
	}
	tl := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+tl {
		return "", 0, 0, nil, errors.New("malformed PUBLISH topic")
	}
	topic, b := string(b[2:2+tl]), b[2+tl:]
	var id uint16
	if qos > 0 {
		if len(b) < 2 {
			return "", 0, 0, nil, errors.New("malformed PUBLISH packet id")
		}
		id, b = binary.BigEndian.Uint16(b), b[2:]
	}
	return topic, qos, id, b, nil
}

var connackReasons = map[byte]string{
	1: "unacceptable protocol version",
	2: "identifier rejected",
	3: "server unavailable",
	4: "bad user name or password",
	5: "not authorized",
}
