// libFuzzer harness: the JSON tokenizers through tokenizers::load_tokenizer, which picks by
// content: Kirchhoff's character tokenizer ({"kirchhoff_tokenizer": "char", ...}) or a Hugging
// Face tokenizer.json (BPE, byte-level or sentencepiece-style). A tokenizer that loads then
// encodes and decodes a fixed text; the ids it returns must lie inside its vocabulary.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "tokenizers/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A file that does not start with '{' is read as a llama2.c tokenizer.bin: that is
    // fuzz_llama2c_tokenizer's target, so skip it here.
    std::size_t first = 0;
    while (first < size && (data[first] == ' ' || data[first] == '\n' || data[first] == '\t' ||
                            data[first] == '\r' || data[first] == '\v' || data[first] == '\f'))
        ++first;
    if (first == size || data[first] != '{') return 0;
    const auto path = kirchhoff::fuzz::input_file(data, size, "tokenizer.json");
    kirchhoff::fuzz::expect_input_error_only([&] {
        const auto tokenizer = kirchhoff::tokenizers::load_tokenizer(path, 0);
        const auto ids = tokenizer->encode("Hello, w\xc3\xb6rld!\n\t  12 \xe2\x96\x81x");
        for (int id : ids)
            if (id < 0 || id >= tokenizer->vocab_size()) __builtin_trap();
        (void)tokenizer->decode(ids);
    });
    return 0;
}
