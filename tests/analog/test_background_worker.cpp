// BackgroundWorker: jobs run in posting order, post() blocks at capacity, a throwing job is
// reported and does not stop the worker, drain() waits for everything posted, jobs run their
// OpenMP regions on one thread unless the posting thread waits for them.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include <omp.h>

#include "analog/background_worker.hpp"

using kirchhoff::analog::BackgroundWorker;

TEST_CASE("background worker runs jobs in posting order and drain waits for all of them", "[analog]") {
    std::vector<int> order;  // touched by the worker only, read after drain()
    std::vector<std::string> errors;
    BackgroundWorker w(4, [&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            errors.emplace_back(x.what());
        }
    });
    for (int i = 0; i < 100; ++i)
        w.post([&order, i] {
            if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
            order.push_back(i);
        });
    w.drain();
    REQUIRE(order.size() == 100);
    for (int i = 0; i < 100; ++i) CHECK(order[i] == i);
    CHECK(errors.empty());
    CHECK(w.busy_seconds() > 0);
}

TEST_CASE("background worker reports a throwing job and goes on", "[analog]") {
    std::vector<std::string> errors;
    std::atomic<int> done{0};
    {
        BackgroundWorker w(2, [&](std::exception_ptr e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                errors.emplace_back(x.what());
            }
        });
        w.post([] { throw std::runtime_error("circuit did not converge"); });
        w.post([&] { ++done; });
        w.post([&] { ++done; });
    }  // the destructor drains
    CHECK(done == 2);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "circuit did not converge");
}

TEST_CASE("background worker blocks the poster at capacity", "[analog]") {
    std::atomic<bool> release{false};
    std::atomic<int> started{0};
    BackgroundWorker w(1, [](std::exception_ptr) {});
    w.post([&] {
        ++started;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    while (started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    w.post([] {});  // waits in the queue (one slot)
    std::atomic<bool> third_posted{false};
    std::thread poster([&] {
        w.post([] {});  // must block: the queue is full
        third_posted = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(third_posted);
    release = true;
    poster.join();
    CHECK(third_posted);
    w.drain();
    CHECK(w.blocked_seconds() >= 0);
}

TEST_CASE("background worker jobs run on one OpenMP thread, on the full team while the foreground waits",
          "[analog]") {
    // Inference owns the cores: a job started while the posting thread goes on must not start a
    // second team; one started while that thread waits in post() or drain() gets its team size.
    const int before = omp_get_max_threads();
    omp_set_num_threads(2);
    auto team = [] {
        int n = 0;
#pragma omp parallel
        {
#pragma omp single
            n = omp_get_num_threads();
        }
        return n;
    };
    std::atomic<int> alongside{0}, while_waiting{0};
    std::atomic<bool> recorded{false}, release{false};
    {
        BackgroundWorker w(1, [](std::exception_ptr) {});
        w.post([&] {
            alongside = team();
            recorded = true;
        });
        while (!recorded) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // not waiting in post/drain
        std::atomic<bool> holding{false};
        w.post([&] {
            holding = true;
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the queue is empty again
        w.post([&] { while_waiting = team(); });  // queued: the next post() blocks until it starts
        std::thread releaser([&] {
            while (!w.foreground_waiting()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            release = true;
        });
        w.post([] {});  // waits for a free slot, so the job before starts while this thread waits
        w.drain();
        releaser.join();
    }
    CHECK(alongside == 1);
    CHECK(while_waiting == 2);
    CHECK(omp_get_max_threads() == 2);  // the posting thread's setting is its own
    omp_set_num_threads(before);
}
