// libFuzzer harness: params::Config::load_string with the schema of `kirchhoff run`/`sweep`
// (evaluation::evaluation_schema()). A configuration that loads must survive its own TOML:
// to_toml() read back into a fresh Config gives the same values (to_json() compared).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evaluation/model_evaluation.hpp"
#include "fuzz_input.hpp"
#include "params/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const kirchhoff::params::Schema schema = kirchhoff::evaluation::evaluation_schema();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    kirchhoff::fuzz::expect_input_error_only([&] {
        kirchhoff::params::Config config(schema);
        config.load_string(text, "fuzz.toml");
        kirchhoff::params::Config again(schema);
        again.load_string(config.to_toml(), "fuzz.toml (written back)");
        if (again.to_json() != config.to_json()) __builtin_trap();
    });
    return 0;
}
