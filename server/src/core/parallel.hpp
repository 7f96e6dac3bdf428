#pragma once
// The simulation runs its parallel phases through this interface so that it owns no threads
// (only app/ does). Every parallel phase writes only to the elements of its own range, so the
// result is the same whatever the number of workers; serial_executor() runs everything inline.
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace mgs {

/// Non-owning reference to a callable, so handing a lambda to a parallel phase never allocates
/// (std::function may). C++20 has no std::function_ref yet; this is the usual two-pointer form.
template <class Sig> class FunctionRef;

template <class R, class... Args> class FunctionRef<R(Args...)> {
public:
    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>) FunctionRef(F&& f)
    noexcept // NOLINT(google-explicit-constructor): used like a function
        : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, Args... a) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
          }) {}
    R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

private:
    void* obj_;
    R (*call_)(void*, Args...);
};

using RangeFn = FunctionRef<void(std::size_t, std::size_t)>;

class Executor {
public:
    virtual ~Executor() = default;
    /// Calls fn(begin, end) over disjoint ranges covering [0, n), possibly concurrently, and
    /// returns when all calls have returned. `grain` is the smallest range worth a task.
    virtual void for_ranges(std::size_t n, std::size_t grain, RangeFn fn) = 0;
    /// Number of workers that may run concurrently (1 for the serial executor).
    [[nodiscard]] virtual int concurrency() const noexcept = 0;
    /// Index in [0, concurrency()) of the worker running the caller, for per-worker scratch
    /// memory. Results must never depend on it.
    [[nodiscard]] virtual int worker_index() const noexcept = 0;
};

/// Runs each phase inline on the calling thread.
class SerialExecutor final : public Executor {
public:
    void for_ranges(std::size_t n, std::size_t, RangeFn fn) override {
        if (n > 0) fn(0, n);
    }
    [[nodiscard]] int concurrency() const noexcept override { return 1; }
    [[nodiscard]] int worker_index() const noexcept override { return 0; }
};

} // namespace mgs
