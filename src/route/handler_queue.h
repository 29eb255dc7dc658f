// HandlerQueue: a bounded queue of messages in front of one HandlerSink, drained by its own
// thread. Workers offer() without ever blocking: when the queue is full (by count or by payload
// bytes) the message is dropped for this handler only, and counted. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mqttd/message.h"
#include "route/handler_sink.h"

namespace mqttd {

class HandlerQueue {
 public:
  // `name`: the handler's name (metrics label, logs); `type`: "log", "file", "webhook", "exec",
  // "callback". Starts the thread.
  HandlerQueue(std::string name, std::string type, std::unique_ptr<HandlerSink> sink,
               uint32_t max_length, uint64_t max_bytes);
  // stop(kDefaultGrace) if not stopped yet.
  ~HandlerQueue();
  HandlerQueue(const HandlerQueue&) = delete;
  HandlerQueue& operator=(const HandlerQueue&) = delete;

  // Never blocks. false: dropped (queue full, or stopped); counted in dropped().
  bool offer(std::shared_ptr<const Message> message);
  // The sink's reopen() runs on the handler thread before its next delivery.
  void requestReopen();
  // Stops taking messages, lets the thread deliver what is queued for up to `grace`, drops the
  // rest (counted), cancels a delivery still running then (HandlerSink::cancel), joins the
  // thread. Idempotent.
  void stop(std::chrono::milliseconds grace);
  static constexpr std::chrono::milliseconds kDefaultGrace{2000};

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  size_t depth() const;  // messages waiting now

 private:
  void run();
  // Counts a failed delivery and logs it, at most once per kErrorLogInterval (thread_ only).
  void reportError(const std::string& error);
  static constexpr std::chrono::seconds kErrorLogInterval{1};

  const std::string name_;
  const std::string type_;
  std::unique_ptr<HandlerSink> sink_;  // used on thread_ only
  const uint32_t max_length_;
  const uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<const Message>> queue_;  // guarded by mutex_
  uint64_t queued_bytes_ = 0;                          // payload bytes in queue_, guarded
  bool reopen_ = false;                                // guarded
  bool stopping_ = false;                              // guarded
  bool finished_ = false;  // guarded; run() has returned (signalled through wake_)
  std::chrono::steady_clock::time_point deadline_;     // guarded; stop(): give up after
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> errors_{0};
  // thread_ only: whether and when an error was last logged, and the errors not logged since.
  bool error_logged_ = false;
  std::chrono::steady_clock::time_point last_error_log_;
  uint64_t suppressed_errors_ = 0;
  std::thread thread_;  // last: started by the constructor once everything above exists
};

}  // namespace mqttd
