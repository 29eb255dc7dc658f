#include "core/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <cstdlib>
#include <stdexcept>

#include "core/clock.h"

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

void Timer::startAt(uint64_t deadline) {
  if (deadline == UINT64_MAX) {
    stop();
    return;
  }
  const uint64_t now = monotonicNanos();
  start(std::chrono::nanoseconds(deadline > now ? deadline - now : 0));
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

Deferred::Deferred(EventLoop& loop, std::function<void()> callback)
    : callback_(std::move(callback)) {
  reset(event_new(loop.base(), -1, 0, &Deferred::trampoline, this));
}

void Deferred::schedule() {
  if (pending_) return;
  pending_ = true;
  event_active(get(), EV_TIMEOUT, 0);
}

void Deferred::cancel() {
  if (!pending_) return;
  pending_ = false;
  event_del(get());
}

void Deferred::trampoline(int, short, void* arg) {
  auto* self = static_cast<Deferred*>(arg);
  self->pending_ = false;
  self->callback_();
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
  // Precise timers: without this flag libevent's epoll backend sleeps in epoll_wait, whose
  // timeout the kernel may round to its tick (4 ms with HZ=250, as on the machines here), so a
  // 1 ms timer fired every 4 ms: ack delays, pacing and PTO timers, and the load generator's
  // publish ticks, all ran late. With it, epoll uses a timerfd (microsecond resolution).
  event_config* config = event_config_new();
  if (config == nullptr) throw std::runtime_error("event_config_new failed");
  event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
  base_ = event_base_new_with_config(config);
  event_config_free(config);
  if (base_ == nullptr) throw std::runtime_error("event_base_new_with_config failed");
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
