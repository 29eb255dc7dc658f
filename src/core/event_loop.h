// EventLoop: RAII around a libevent event_base, plus the small event types built on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

struct event_base;
struct event;

namespace mqttd {

class EventLoop;

// Owns one libevent `event`; freeing it also removes it from the loop.
class Event {
 public:
  Event() = default;
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  event* get() const { return ev_; }

 protected:
  void reset(event* ev);

 private:
  event* ev_ = nullptr;
};

// A one-shot (re-armable) timer.
class Timer : public Event {
 public:
  Timer(EventLoop& loop, std::function<void()> callback);
  void start(std::chrono::nanoseconds after);
  // Fires at `deadline`, a monotonicNanos() time (now or past: at once); UINT64_MAX, "no
  // deadline" (ngtcp2's convention too), stops the timer instead.
  void startAt(uint64_t deadline);
  void stop();
  bool pending() const;

 private:
  static void trampoline(int fd, short what, void* arg);
  std::function<void()> callback_;
};

// Watches a file descriptor for readability and/or writability (persistent).
class FdWatch : public Event {
 public:
  // `events` is EV_READ and/or EV_WRITE; the callback gets what happened.
  FdWatch(EventLoop& loop, int fd, short events, std::function<void(short)> callback);
  void enable();
  void disable();

 private:
  static void trampoline(int fd, short what, void* arg);
  std::function<void(short)> callback_;
};

// Runs a callback later in the current loop iteration, after the callbacks already due, with no
// system call (libevent's active queue). Scheduling it again before it ran is a no-op, so many
// requests in one iteration coalesce into one run (e.g. one write for many appended packets).
class Deferred : public Event {
 public:
  Deferred(EventLoop& loop, std::function<void()> callback);
  void schedule();
  void cancel();
  bool pending() const { return pending_; }

 private:
  static void trampoline(int fd, short what, void* arg);
  std::function<void()> callback_;
  bool pending_ = false;
};

// Delivers a POSIX signal as a loop callback.
class SignalWatch : public Event {
 public:
  SignalWatch(EventLoop& loop, int signum, std::function<void()> callback);

 private:
  static void trampoline(int fd, short what, void* arg);
  std::function<void()> callback_;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_; }

  // Runs until stop() or until nothing is left to wait for.
  void run();
  // Makes run() return after the current iteration. Safe from any thread.
  void stop();
  // Runs `fn` on the loop thread after the current callback returns. Safe from any thread;
  // this is how an owner defers destroying an object whose callback is on the stack.
  void callLater(std::function<void()> fn);

 private:
  static void wakeTrampoline(int fd, short what, void* arg);
  void runDeferred();

  event_base* base_ = nullptr;
  event* wake_ = nullptr;  // activated by callLater()
  std::mutex mutex_;
  std::deque<std::function<void()>> deferred_;
};

}  // namespace mqttd
