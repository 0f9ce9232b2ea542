// libFuzzer harness: transformer::load_llama2c (a llama2.c version-0 `.bin`) on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "transformer/llama2c.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = kirchhoff::fuzz::input_file(data, size, "model.bin");
    kirchhoff::fuzz::expect_input_error_only([&] {
        const kirchhoff::transformer::Model model = kirchhoff::transformer::load_llama2c(path);
        if (model.blocks.size() != static_cast<std::size_t>(model.config.n_layers)) __builtin_trap();
    });
    return 0;
}
