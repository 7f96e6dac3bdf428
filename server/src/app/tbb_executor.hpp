#pragma once
// The thread pool of the parallel tick phases: a oneTBB task arena limited to the configured
// number of workers. The tick thread joins the arena's work, so `threads` is the total count.
#include "core/parallel.hpp"

#include <memory>

namespace mgs::app {

class TbbExecutor final : public Executor {
public:
    /// threads <= 0: one per hardware thread.
    explicit TbbExecutor(int threads);
    ~TbbExecutor() override;
    TbbExecutor(const TbbExecutor&) = delete;
    TbbExecutor& operator=(const TbbExecutor&) = delete;

    void for_ranges(std::size_t n, std::size_t grain, RangeFn fn) override;
    [[nodiscard]] int concurrency() const noexcept override { return threads_; }
    [[nodiscard]] int worker_index() const noexcept override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int threads_ = 1;
};

} // namespace mgs::app
