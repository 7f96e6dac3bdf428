#include "app/tbb_executor.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

#include <pthread.h>

#include <algorithm>
#include <thread>

namespace mgs::app {

namespace {

/// Names the arena's worker threads "mgs-worker" (top, perf and /proc show which thread does
/// what: the tick thread keeps the process name, the network thread is "mgs-net").
class WorkerNamer final : public tbb::task_scheduler_observer {
public:
    explicit WorkerNamer(tbb::task_arena& arena) : tbb::task_scheduler_observer(arena) { observe(true); }
    ~WorkerNamer() override { observe(false); }
    WorkerNamer(const WorkerNamer&) = delete;
    WorkerNamer& operator=(const WorkerNamer&) = delete;

    void on_scheduler_entry(bool is_worker) override {
        thread_local bool named = false;
        if (is_worker && !named) {
            named = true;
            pthread_setname_np(pthread_self(), "mgs-worker");
        }
    }
};

} // namespace

struct TbbExecutor::Impl {
    explicit Impl(int n) : arena(n), namer(arena) {}
    tbb::task_arena arena;
    WorkerNamer namer;
};

TbbExecutor::TbbExecutor(int threads) {
    threads_ = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    impl_ = std::make_unique<Impl>(threads_);
}

TbbExecutor::~TbbExecutor() = default;

int TbbExecutor::worker_index() const noexcept {
    // Outside the arena (the tick thread between phases) TBB answers -1 (task_arena::not_initialized).
    const int i = tbb::this_task_arena::current_thread_index();
    return i >= 0 && i < threads_ ? i : 0;
}

void TbbExecutor::for_ranges(std::size_t n, std::size_t grain, RangeFn fn) {
    if (n == 0) return;
    if (threads_ == 1 || n <= grain) {
        fn(0, n);
        return;
    }
    impl_->arena.execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, n, std::max<std::size_t>(1, grain)),
            [&](const tbb::blocked_range<std::size_t>& r) { fn(r.begin(), r.end()); },
            tbb::simple_partitioner());
    });
}

} // namespace mgs::app
