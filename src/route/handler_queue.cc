#include "route/handler_queue.h"

#include <exception>
#include <utility>

#include "core/log.h"

namespace mqttd {

HandlerQueue::HandlerQueue(std::string name, std::string type, std::unique_ptr<HandlerSink> sink,
                           uint32_t max_length, uint64_t max_bytes)
    : name_(std::move(name)),
      type_(std::move(type)),
      sink_(std::move(sink)),
      max_length_(max_length),
      max_bytes_(max_bytes) {
  thread_ = std::thread([this] { run(); });
}

HandlerQueue::~HandlerQueue() {
  stop(kDefaultGrace);
}

bool HandlerQueue::offer(std::shared_ptr<const Message> message) {
  if (!message) return false;
  const uint64_t bytes = message->payload.size();
  {
    std::lock_guard lock(mutex_);
    // A message bigger than max_bytes_ on its own never fits: dropped like any overflow.
    if (stopping_ || queue_.size() >= max_length_ || bytes > max_bytes_ ||
        queued_bytes_ > max_bytes_ - bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(message));
    queued_bytes_ += bytes;
  }
  wake_.notify_all();
  return true;
}

void HandlerQueue::requestReopen() {
  {
    std::lock_guard lock(mutex_);
    reopen_ = true;
  }
  wake_.notify_all();
}

void HandlerQueue::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // the first stop() joins
    stopping_ = true;
    deadline_ = std::chrono::steady_clock::now() + grace;
  }
  wake_.notify_all();
  {
    std::unique_lock lock(mutex_);
    // A sink blocked past the grace (a webhook waiting out its timeout and retries) is cancelled.
    if (!wake_.wait_until(lock, deadline_, [this] { return finished_; })) {
      lock.unlock();
      sink_->cancel();
    }
  }
  if (thread_.joinable()) thread_.join();
}

size_t HandlerQueue::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void HandlerQueue::run() {
  uint64_t abandoned = 0;  // queued messages dropped because stop()'s grace ran out
  for (;;) {
    std::shared_ptr<const Message> message;
    bool reopen = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || reopen_ || !queue_.empty(); });
      if (stopping_ && (queue_.empty() || std::chrono::steady_clock::now() >= deadline_)) {
        abandoned = queue_.size();
        dropped_.fetch_add(abandoned, std::memory_order_relaxed);
        queue_.clear();
        queued_bytes_ = 0;
        break;
      }
      reopen = std::exchange(reopen_, false);
      if (!queue_.empty()) {
        message = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= message->payload.size();
      }
    }
    if (reopen) sink_->reopen();
    if (!message) continue;
    Result<void, std::string> result;
    // The thread's entry point is a boundary: a sink that throws (bad_alloc, a bug) costs one
    // message, not the process.
    try {
      result = sink_->deliver(*message);
    } catch (const std::exception& e) {
      result = fail(std::string("exception: ") + e.what());
    } catch (...) {
      result = fail(std::string("unknown exception"));
    }
    if (result.ok()) {
      delivered_.fetch_add(1, std::memory_order_relaxed);
    } else {
      reportError(result.error());
    }
  }
  if (suppressed_errors_ > 0) {
    Log::warn(
        "handler delivery errors not logged",
        {{"handler", name_}, {"type", type_}, {"suppressed", std::to_string(suppressed_errors_)}});
  }
  if (abandoned > 0) {
    Log::warn("handler stopped with messages undelivered",
              {{"handler", name_}, {"type", type_}, {"dropped", std::to_string(abandoned)}});
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  wake_.notify_all();
}

void HandlerQueue::reportError(const std::string& error) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (error_logged_ && now - last_error_log_ < kErrorLogInterval) {
    ++suppressed_errors_;
    return;
  }
  Log::warn("handler delivery failed", {{"handler", name_},
                                        {"type", type_},
                                        {"error", error},
                                        {"suppressed", std::to_string(suppressed_errors_)}});
  error_logged_ = true;
  last_error_log_ = now;
  suppressed_errors_ = 0;
}

}  // namespace mqttd
