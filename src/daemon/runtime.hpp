#pragma once
// Private plumbing of the daemon: the (possibly virtual) clock, timers on it, and running
// blocking work (SQLite, exec) on a worker thread without blocking the event loop.

#include <offpeak/domain/time.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

#include <chrono>
#include <exception>

namespace offpeak::daemon {

// The daemon's clock: real time, or a virtual clock that starts at `start` and runs `speed`
// times faster than real time (the demo and end-to-end tests).
class DaemonClock final : public Clock {
 public:
  DaemonClock() = default;
  DaemonClock(double speed, Instant start)
      : virtual_(true),
        speed_(speed),
        start_(start),
        real_start_(std::chrono::steady_clock::now()) {}

  Instant now() const override {
    if (!virtual_) return SystemClock{}.now();
    auto real = std::chrono::steady_clock::now() - real_start_;
    auto virt = std::chrono::duration<double>(real) * speed_;
    return start_ + std::chrono::duration_cast<Seconds>(virt);
  }
  // Real time to wait until the clock shows `t` (zero when it already does).
  std::chrono::steady_clock::duration real_until(Instant t) const {
    auto d = std::chrono::duration<double>(t - now());
    if (d.count() <= 0) return std::chrono::steady_clock::duration::zero();
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d / speed_);
  }
  double speed() const { return speed_; }
  bool is_virtual() const { return virtual_; }

 private:
  bool virtual_ = false;
  double speed_ = 1.0;
  Instant start_{};
  std::chrono::steady_clock::time_point real_start_{};
};

// Waits until `clock` shows `t`, or until the timer is cancelled. Returns false when cancelled.
inline boost::asio::awaitable<bool> sleep_until(boost::asio::steady_timer& timer,
                                                const DaemonClock& clock, Instant t) {
  timer.expires_after(clock.real_until(t));
  auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return !ec;
}

// Runs `f` (a blocking function returning R) on `pool` and resumes the calling coroutine on
// its own executor with the result; an exception thrown by `f` is rethrown in the caller.
//
// `f` must be trivially destructible (capture pointers and plain values, never strings or
// vectors): g++ 12 destroys the temporary lambda of a `co_await offload(...)` expression twice,
// which frees owned memory twice and corrupts the heap. Keep owned data in the coroutine's
// own locals and capture pointers to them.
template <typename R, typename F>
boost::asio::awaitable<R> offload(boost::asio::thread_pool& pool, F f) {
  static_assert(std::is_trivially_destructible_v<F>,
                "offload: capture only pointers and trivially destructible values (g++ 12 "
                "destroys a co_await temporary twice)");
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                     void(std::exception_ptr, R)>(
      [&pool](auto handler, F fn) {
        boost::asio::post(pool, [handler = std::move(handler), fn = std::move(fn)]() mutable {
          std::exception_ptr error;
          R result{};
          try {
            result = fn();
          } catch (...) {
            error = std::current_exception();
          }
          auto ex = boost::asio::get_associated_executor(handler);
          boost::asio::post(
              ex, [handler = std::move(handler), error, result = std::move(result)]() mutable {
                std::move(handler)(error, std::move(result));
              });
        });
      },
      boost::asio::use_awaitable, std::move(f));
}

}  // namespace offpeak::daemon
