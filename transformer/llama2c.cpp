// llama2.c `.bin` checkpoint reader and writer.
#include "transformer/llama2c.hpp"

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/mapped_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::transformer {

namespace {

constexpr std::uint32_t export_magic = 0x616b3432;  // "ak42", llama2.c export versions >= 1
constexpr std::size_t header_bytes = 7 * sizeof(std::int32_t);

// One float32 array of the file, in file order.
struct Section {
    std::string name;      // "layers.3.attn.q (wq)", "freq_cis_real", ...
    std::uint64_t elements;
    std::string shape;     // in header fields: "dim x dim", "seq_len x head_size / 2", ...
    // The model tensor it holds; nullptr for the legacy RoPE tables.
    std::function<std::vector<float>*(Model&)> target;
};

// The file layout for config `c`, computed without allocating the model. Stacked tensors
// (rms_att, wq, ...) are listed per block so that errors can name the block.
std::vector<Section> layout(const ModelConfig& c) {
    const std::uint64_t d = c.dim, hd = c.hidden_dim, kv = c.kv_dim(), v = c.vocab_size;
    std::vector<Section> out;
    // Products of two non-negative int32 fields: below 2^62, no overflow.
    out.push_back({"token_embedding", v * d, "vocab_size x dim", [](Model& m) {
                       return m.config.shared_classifier ? &m.classifier.weight
                                                         : &m.token_embedding;
                   }});
    const auto per_block = [&](const char* what, std::uint64_t n, const char* shape,
                               std::vector<float>* (*member)(Block&)) {
        for (int b = 0; b < c.n_layers; ++b)
            out.push_back({fmt::format("layers.{}.{}", b, what), n, shape,
                           [b, member](Model& m) { return member(m.blocks[b]); }});
    };
    per_block("attn_norm (rms_att_weight)", d, "dim", [](Block& b) { return &b.attn_norm.weight; });
    per_block("attn.q (wq)", d * d, "dim x dim", [](Block& b) { return &b.q.weight; });
    per_block("attn.k (wk)", kv * d, "kv_dim x dim", [](Block& b) { return &b.k.weight; });
    per_block("attn.v (wv)", kv * d, "kv_dim x dim", [](Block& b) { return &b.v.weight; });
    per_block("attn.o (wo)", d * d, "dim x dim", [](Block& b) { return &b.o.weight; });
    per_block("mlp_norm (rms_ffn_weight)", d, "dim", [](Block& b) { return &b.mlp_norm.weight; });
    per_block("mlp.gate (w1)", hd * d, "hidden_dim x dim", [](Block& b) { return &b.gate.weight; });
    per_block("mlp.down (w2)", d * hd, "dim x hidden_dim", [](Block& b) { return &b.down.weight; });
    per_block("mlp.up (w3)", hd * d, "hidden_dim x dim", [](Block& b) { return &b.up.weight; });
    out.push_back({"final_norm (rms_final_weight)", d, "dim",
                   [](Model& m) { return &m.final_norm.weight; }});
    const std::uint64_t half_rope = static_cast<std::uint64_t>(c.seq_len) * c.head_size() / 2;
    out.push_back({"freq_cis_real", half_rope, "seq_len x head_size / 2", nullptr});
    out.push_back({"freq_cis_imag", half_rope, "seq_len x head_size / 2", nullptr});
    if (!c.shared_classifier)
        out.push_back({"classifier (wcls)", v * d, "vocab_size x dim", [](Model& m) { return &m.classifier.weight; }});
    return out;
}

}  // namespace

Model load_llama2c(const std::filesystem::path& path) {
    const std::string file = path.string();
    const io::MappedFile mapped(path);
    const auto bytes = mapped.bytes();
    if (bytes.size() >= 4) {
        std::uint32_t magic = 0;
        std::memcpy(&magic, bytes.data(), 4);
        if (magic == export_magic)
            throw InputError(fmt::format(
                "{}: this is a llama2.c export of version >= 1 (magic \"ak42\"); Kirchhoff reads "
                "the legacy version-0 .bin: re-export with `python export.py --version 0`",
                file));
    }
    if (bytes.size() < header_bytes)
        throw InputError(fmt::format(
            "{}: {} bytes is too short for a llama2.c checkpoint (the config header alone is "
            "{} bytes): truncated or not a checkpoint",
            file, bytes.size(), header_bytes));
    std::int32_t h[7];
    std::memcpy(h, bytes.data(), header_bytes);
    ModelConfig c;
    c.arch = Architecture::llama;
    c.dim = h[0];
    c.hidden_dim = h[1];
    c.n_layers = h[2];
    c.n_heads = h[3];
    c.n_kv_heads = h[4];
    c.shared_classifier = h[5] > 0;
    c.vocab_size = h[5] == std::numeric_limits<std::int32_t>::min() ? 0 : std::abs(h[5]);
    c.seq_len = h[6];
    c.validate(fmt::format("{} (llama2.c config header)", file));

    // Check the size against the layout before allocating anything (a corrupt header could
    // ask for terabytes). Byte counts are checked for 64-bit overflow: a header whose sizes
    // overflow is no checkpoint, and the error names the fields that make it so.
    const auto config_text = [&] {
        return fmt::format("dim={} hidden_dim={} n_layers={} n_heads={} n_kv_heads={} "
                           "vocab_size={}{} seq_len={}",
                           c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                           c.shared_classifier ? "" : "-", c.vocab_size, c.seq_len);
    };
    // The per-block tensors alone must fit in the file before the layout (one entry per block
    // and tensor) is built: a header with n_layers = 2^31 - 1 would otherwise allocate first.
    // Up to 1024 blocks (Llama 3 405B has 126) the layout is cheap and its own check below
    // names the tensor a truncated file ends in.
    {
        using u128 = unsigned __int128;  // fields are int32: every product here fits
        const u128 d = std::uint64_t(c.dim), hd = std::uint64_t(c.hidden_dim), kv = std::uint64_t(c.kv_dim());
        const u128 block_floats = 2 * d + 2 * d * d + 2 * kv * d + 3 * hd * d;
        const u128 need = block_floats * 4u * std::uint64_t(c.n_layers);
        if (c.n_layers > 1024 && (need >> 64))
            throw InputError(fmt::format(
                "{}: the config header ({}) is not a llama2.c checkpoint's: its {} blocks would end beyond 2^64 bytes",
                file, config_text(), c.n_layers));
        if (c.n_layers > 1024 && need > bytes.size())
            throw InputError(fmt::format(
                "{}: the config header ({}) needs {} blocks of {} float32 each ({} bytes), more than the file's {} "
                "bytes: truncated, or not a llama2.c checkpoint",
                file, config_text(), c.n_layers, std::uint64_t(block_floats), std::uint64_t(need), bytes.size()));
    }
    const std::vector<Section> sections = layout(c);
    // Byte offset after section s, which starts at `offset`.
    const auto end_of = [&](const Section& s, std::uint64_t offset) {
        std::uint64_t size = 0, end = 0;
        if (__builtin_mul_overflow(s.elements, std::uint64_t(4), &size) || __builtin_add_overflow(offset, size, &end))
            throw InputError(fmt::format(
                "{}: the config header ({}) is not a llama2.c checkpoint's: tensor '{}' ({} = {} float32) would "
                "end beyond 2^64 bytes",
                file, config_text(), s.name, s.shape, s.elements));
        return end;
    };
    std::uint64_t expected = header_bytes;
    for (const Section& s : sections) expected = end_of(s, expected);
    if (expected != bytes.size()) {
        std::uint64_t offset = header_bytes;
        for (const Section& s : sections) {
            const std::uint64_t end = end_of(s, offset);
            if (end > bytes.size())
                throw InputError(fmt::format(
                    "{}: truncated inside tensor '{}' (it needs bytes {}..{}, the file has {}); "
                    "the config header ({}) needs {} bytes in all",
                    file, s.name, offset,
                    end, bytes.size(), config_text(),
                    expected));
            offset = end;
        }
        throw InputError(fmt::format(
            "{}: {} unexpected bytes after the last tensor '{}': the config header ({}) "
            "accounts for {} of the file's {} bytes (wrong header, or not a llama2.c "
            "checkpoint)",
            file, bytes.size() - expected, sections.back().name,
            config_text(), expected, bytes.size()));
    }

    Model m = make_model(c);
    std::uint64_t offset = header_bytes;
    for (const Section& s : sections) {
        if (s.target) {
            std::vector<float>* dest = s.target(m);
            std::memcpy(dest->data(), bytes.data() + offset, s.elements * 4);
            for (const float x : *dest)
                if (!std::isfinite(x))
                    throw InputError(
                        fmt::format("{}: tensor '{}' holds a non-finite value ({})", file,
                                    s.name, x));
        }
        offset += s.elements * 4;
    }
    m.check();
    return m;
}

void save_llama2c(const Model& model, const std::filesystem::path& path) {
    const ModelConfig& c = model.config;
    const std::string file = path.string();
    if (c.arch != Architecture::llama)
        throw InputError(fmt::format("{}: llama2.c checkpoints hold Llama models, not {}", file,
                                     architecture_name(c.arch)));
    for (const LinearLayer* l : model.linear_layers())
        if (!l->bias.empty())
            throw InputError(fmt::format(
                "{}: layer '{}' has a bias, which llama2.c checkpoints cannot store", file,
                l->name));
    if (c.rope_theta != 10000.0f || c.norm_eps != 1e-5f)
        throw InputError(fmt::format(
            "{}: llama2.c checkpoints assume rope_theta = 10000 and norm_eps = 1e-5; this "
            "model has {} and {}",
            file, c.rope_theta, c.norm_eps));
    model.check();

    // Legacy RoPE tables as llama2.c's export wrote them: angle = pos * 10000^(-2j/hs).
    const int hs = c.head_size();
    std::vector<float> freq_real, freq_imag;
    for (int pos = 0; pos < c.seq_len; ++pos)
        for (int j = 0; j < hs / 2; ++j) {
            const double angle = pos * std::pow(10000.0, -2.0 * j / hs);
            freq_real.push_back(static_cast<float>(std::cos(angle)));
            freq_imag.push_back(static_cast<float>(std::sin(angle)));
        }

    std::filesystem::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw InputError(fmt::format("{}: cannot open for writing", tmp.string()));
        const std::int32_t header[7] = {
            c.dim,        c.hidden_dim,
            c.n_layers,   c.n_heads,
            c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size,
            c.seq_len};
        out.write(reinterpret_cast<const char*>(header), sizeof header);
        Model& source = const_cast<Model&>(model);  // targets are only read from here
        for (const Section& s : layout(c)) {
            const float* src = s.target ? s.target(source)->data()
                               : s.name == "freq_cis_real" ? freq_real.data()
                                                           : freq_imag.data();
            out.write(reinterpret_cast<const char*>(src),
                      static_cast<std::streamsize>(s.elements * sizeof(float)));
        }
        out.flush();
        if (!out) throw InputError(fmt::format("{}: write failed (disk full?)", tmp.string()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
        throw InputError(fmt::format("{}: cannot rename {} into place: {}", file, tmp.string(),
                                     ec.message()));
}

}  // namespace kirchhoff::transformer
