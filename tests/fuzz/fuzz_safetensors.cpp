// libFuzzer harness: io::SafetensorsReader on arbitrary bytes. Opens the file, then reads every
// tensor in each conversion the loaders use (float, double, integer, raw bytes).
#include <cstddef>
#include <cstdint>

#include "io/safetensors_reader.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = kirchhoff::fuzz::input_file(data, size, "input.safetensors");
    kirchhoff::fuzz::expect_input_error_only([&] {
        const kirchhoff::io::SafetensorsReader reader(path);
        for (const auto& t : reader.tensors()) {
            if (reader.bytes(t).size() != t.end - t.begin) __builtin_trap();
            if (reader.read_f32(t.name, t.shape).size() != t.numel()) __builtin_trap();
            if (reader.read_f64(t.name).size() != t.numel()) __builtin_trap();
            kirchhoff::fuzz::expect_input_error_only([&] { (void)reader.read_i64(t.name); });
        }
        for (const auto& [key, value] : reader.metadata()) (void)reader.find(key);
    });
    return 0;
}
