#include "core/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <cstdlib>
#include <stdexcept>

namespace mqttd {

Event::~Event() { reset(nullptr); }

void Event::reset(event* ev) {
  if (ev_ != nullptr) event_free(ev_);
  ev_ = ev;
}

Timer::Timer(EventLoop& loop, std::function<void()> callback) : callback_(std::move(callback)) {
  reset(evtimer_new(loop.base(), &Timer::trampoline, this));
}

void Timer::start(std::chrono::nanoseconds after) {
  if (after.count() < 0) after = std::chrono::nanoseconds(0);
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(after).count();
  timeval tv{static_cast<time_t>(usec / 1000000), static_cast<suseconds_t>(usec % 1000000)};
  evtimer_add(get(), &tv);
}

void Timer::stop() { evtimer_del(get()); }

bool Timer::pending() const { return evtimer_pending(get(), nullptr) != 0; }

void Timer::trampoline(int, short, void* arg) { static_cast<Timer*>(arg)->callback_(); }

FdWatch::FdWatch(EventLoop& loop, int fd, short events, std::function<void(short)> callback)
    : callback_(std::move(callback)) {
  reset(event_new(loop.base(), fd, static_cast<short>(events | EV_PERSIST), &FdWatch::trampoline,
                  this));
}

void FdWatch::enable() { event_add(get(), nullptr); }
void FdWatch::disable() { event_del(get()); }

void FdWatch::trampoline(int, short what, void* arg) {
  static_cast<FdWatch*>(arg)->callback_(what);
}

SignalWatch::SignalWatch(EventLoop& loop, int signum, std::function<void()> callback)
    : callback_(std::move(callback)) {
  reset(evsignal_new(loop.base(), signum, &SignalWatch::trampoline, this));
  event_add(get(), nullptr);
}

void SignalWatch::trampoline(int, short, void* arg) { static_cast<SignalWatch*>(arg)->callback_(); }

EventLoop::EventLoop() {
  static const int threads_ready = evthread_use_pthreads();
  (void)threads_ready;
  base_ = event_base_new();
  if (base_ == nullptr) throw std::runtime_error("event_base_new failed");
  wake_ = event_new(base_, -1, 0, &EventLoop::wakeTrampoline, this);
}

EventLoop::~EventLoop() {
  event_free(wake_);
  event_base_free(base_);
}

void EventLoop::run() { event_base_dispatch(base_); }

void EventLoop::stop() { event_base_loopbreak(base_); }

void EventLoop::callLater(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    deferred_.push_back(std::move(fn));
  }
  event_active(wake_, 0, 0);
}

void EventLoop::wakeTrampoline(int, short, void* arg) {
  static_cast<EventLoop*>(arg)->runDeferred();
}

void EventLoop::runDeferred() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(deferred_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace mqttd
