// libFuzzer harness: tokenizers::Llama2cTokenizer::load (llama2.c's tokenizer.bin). The file
// does not store its token count (the model does), so the input's first byte is the vocab_size
// (1 + byte) and the rest is the file. A tokenizer that loads then encodes and decodes a fixed
// text, which walks the merge loop over the fuzzed vocabulary and scores.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "tokenizers/llama2c_tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const int vocab_size = 1 + data[0];
    const auto path = kirchhoff::fuzz::input_file(data + 1, size - 1, "tokenizer.bin");
    kirchhoff::fuzz::expect_input_error_only([&] {
        const auto tokenizer = kirchhoff::tokenizers::Llama2cTokenizer::load(path, vocab_size);
        const auto ids = tokenizer.encode("Hello, w\xc3\xb6rld!\n\t<0x41> 12");
        for (int id : ids)
            if (id < 0 || id >= tokenizer.vocab_size()) __builtin_trap();
        (void)tokenizer.decode(ids);
    });
    return 0;
}
