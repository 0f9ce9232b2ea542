// libFuzzer harness: the check `kirchhoff spice` makes on a user's deck before ngspice sees it
// (which analysis to run). On main that check is analysis_for() in an unnamed namespace of
// cli/spice_command.cpp, so this file compiles that source in; when the check moves into a
// library, include its header instead and keep the one call below.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/spice_command.cpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string deck(reinterpret_cast<const char*>(data), size);
    kirchhoff::fuzz::expect_input_error_only([&] {
        const std::string analysis = kirchhoff::cli::analysis_for(deck);
        if (analysis != "run" && analysis != "op") __builtin_trap();
    });
    return 0;
}
