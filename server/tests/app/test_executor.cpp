#include "app/tbb_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace mgs::app {
namespace {

TEST(TbbExecutor, EveryIndexExactlyOnceForAnyThreadCount) {
    for (int threads : {1, 2, 4}) {
        TbbExecutor exec(threads);
        EXPECT_EQ(exec.concurrency(), threads);
        for (std::size_t n : {0u, 1u, 7u, 1000u, 100000u}) {
            std::vector<std::atomic<int>> hits(n);
            exec.for_ranges(n, 64, [&](std::size_t b, std::size_t e) {
                ASSERT_LE(b, e);
                ASSERT_LE(e, n);
                for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
            });
            for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
        }
    }
}

TEST(TbbExecutor, WorkerIndexIsWithinConcurrency) {
    for (int threads : {1, 2, 4}) {
        TbbExecutor exec(threads);
        std::atomic<int> bad{0};
        exec.for_ranges(100000, 16, [&](std::size_t, std::size_t) {
            const int w = exec.worker_index();
            if (w < 0 || w >= exec.concurrency()) bad.fetch_add(1);
        });
        EXPECT_EQ(bad.load(), 0) << threads;
        EXPECT_EQ(exec.worker_index(), 0) << "outside a phase the tick thread is worker 0";
    }
}

TEST(TbbExecutor, ZeroMeansAllCores) {
    TbbExecutor exec(0);
    EXPECT_GE(exec.concurrency(), 1);
}

} // namespace
} // namespace mgs::app
