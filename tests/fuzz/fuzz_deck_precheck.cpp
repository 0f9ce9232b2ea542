// libFuzzer harness: the check `kirchhoff spice` makes on a user's deck before ngspice sees it
// (netlists/deck_check.hpp: analysis lines, .control sections, .include/.lib chains). Includes
// are not followed here, so the harness never touches the filesystem; the scanner must be
// linear in the deck's length (the std::regex it replaced overflowed the stack on long runs of
// blanks: corpus/fuzz_deck_precheck/regression-regex-stack-overflow.cir).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.hpp"
#include "netlists/deck_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view deck(reinterpret_cast<const char*>(data), size);
    kirchhoff::fuzz::expect_input_error_only([&] {
        kirchhoff::netlists::DeckCheckOptions options;
        options.follow_includes = false;
        const kirchhoff::netlists::DeckCheck check = kirchhoff::netlists::check_deck(deck, "fuzz.cir", options);
        if (check.has_control != !check.control_at.empty()) __builtin_trap();
    });
    return 0;
}
