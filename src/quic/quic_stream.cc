#include "quic/quic_stream.h"

#include <event2/buffer.h>

namespace mqttd {

QuicStream::QuicStream(QuicStreamHost& host, int64_t id, size_t write_low,
                       std::string_view transport)
    : host_(host), id_(id), write_low_(write_low), transport_(transport), input_(evbuffer_new()) {}

QuicStream::~QuicStream() {
  host_.streamDetached(id_);
  evbuffer_free(input_);
}

void QuicStream::deliver(const uint8_t* data, size_t len, bool fin) {
  if (closed_) {
    host_.streamConsumed(id_, len);  // nobody reads any more: keep the window open
    return;
  }
  if (len > 0) evbuffer_add(input_, data, len);
  if (fin) fin_received_ = true;
  readable_pending_ = true;
}

void QuicStream::notifyReadable() {
  if (!readable_pending_) return;
  readable_pending_ = false;
  if (observer_ != nullptr && !closed_) observer_->onStreamReadable();
}

bool QuicStream::acknowledged(uint64_t offset, size_t n) {
  const size_t before = send_.unackedBytes();
  if (!send_.ack(offset, n)) return false;
  const size_t after = send_.unackedBytes();
  if (observer_ == nullptr || closed_) return true;
  // Crossing the low mark resumes the broker side; reaching zero lets a closing Splice finish.
  if ((before > write_low_ && after <= write_low_) || after == 0) observer_->onStreamWritable();
  return true;
}

void QuicStream::markFinSent() {
  fin_sent_ = true;
  if (send_.unackedBytes() == 0 && observer_ != nullptr && !closed_) observer_->onStreamWritable();
}

void QuicStream::transportClosed(StreamError why) {
  if (closed_) return;
  closed_ = true;
  if (observer_ != nullptr) observer_->onStreamClosed(why);
}

void QuicStream::consume(size_t n) {
  evbuffer_drain(input_, n);
  host_.streamConsumed(id_, n);
}

void QuicStream::write(evbuffer* from, size_t n) {
  if (closed_ || fin_requested_) {
    evbuffer_drain(from, n);
    return;
  }
  // Copy out of the evbuffer in its own chunks (no pullup) into the stable send blocks.
  while (n > 0) {
    evbuffer_iovec vec;
    if (evbuffer_peek(from, static_cast<ssize_t>(n), nullptr, &vec, 1) < 1) break;
    const size_t take = std::min(n, vec.iov_len);
    send_.append({static_cast<const uint8_t*>(vec.iov_base), take});
    evbuffer_drain(from, take);
    n -= take;
  }
  host_.streamWantsWrite();
}

void QuicStream::finish() {
  if (fin_requested_ || closed_) return;
  fin_requested_ = true;
  host_.streamWantsWrite();
}

void QuicStream::abort() {
  if (closed_) return;
  closed_ = true;
  host_.streamAbort(id_);
}

}  // namespace mqttd
