// analog/parallel.hpp: for_each_index rethrows the exception of the lowest failing index, the
// same at any thread count and whichever thread fails first in time.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <omp.h>

#include "analog/parallel.hpp"

using kirchhoff::analog::for_each_index;

TEST_CASE("for_each_index: the lowest failing index's exception, at any thread count", "[analog][parallel]") {
    for (const int threads : {1, 2, 4}) {
        omp_set_num_threads(threads);
        for (int repeat = 0; repeat < 5; ++repeat) {
            std::vector<int> done(64, 0);
            std::string caught;
            try {
                for_each_index(64, true, [&](int i) {
                    if (i == 3) {  // fails last in time: another thread's failure at 8, 13, ... comes first
                        std::this_thread::sleep_for(std::chrono::milliseconds(30));
                        throw std::runtime_error("index 3");
                    }
                    if (i % 5 == 3) throw std::runtime_error("index " + std::to_string(i));
                    done[std::size_t(i)] = 1;
                });
            } catch (const std::runtime_error& e) {
                caught = e.what();
            }
            INFO("threads " << threads);
            CHECK(caught == "index 3");
            CHECK(done[0] == 1);   // the others still ran
            CHECK(done[62] == 1);
        }
    }
    omp_set_num_threads(omp_get_num_procs());
}
