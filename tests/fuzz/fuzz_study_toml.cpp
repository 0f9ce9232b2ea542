// libFuzzer harness: validation::load_study (a `kirchhoff sweep` study file) with the schema and
// metric columns the sweep uses, then the grid expanded with the sweep's own per-point check
// (as `kirchhoff sweep --dry-run` does) when it has at most 512 points.
#include <cstddef>
#include <cstdint>

#include "evaluation/model_evaluation.hpp"
#include "fuzz_input.hpp"
#include "validation/results_store.hpp"
#include "validation/study.hpp"
#include "validation/sweep_evaluation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace v = kirchhoff::validation;
    static const kirchhoff::params::Schema schema = kirchhoff::evaluation::evaluation_schema();
    const auto path = kirchhoff::fuzz::input_file(data, size, "study.toml");
    kirchhoff::fuzz::expect_input_error_only([&] {
        const v::Study study = v::load_study(path, schema, v::metric_columns());
        if (study.size() > 512) return;
        const auto points = v::expand(study, v::check_evaluation_config);
        if (points.size() != study.size()) __builtin_trap();
    });
    return 0;
}
