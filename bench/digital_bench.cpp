// Benchmark (not a test): the digital forward pass against the memory bound (issue 15 item 4).
// A llama2.c-shaped model with random weights (default: stories15M's shape, 15.2 M parameters,
// 60.9 MB of float32 weights in its linear layers) is written with save_llama2c and read back
// with load_llama2c, then greedy generation runs with IdealBackend. Each token reads every
// weight of every linear layer once, so the floor on the time per token is
//   bound = (bytes of linear-layer weights) / (read bandwidth),
// with the read bandwidth measured by this program in the same run (STREAM-style: a sum over a
// buffer of --buffer-mib MiB, far larger than the caches, with the same thread count). Printed
// per thread count: bandwidth, bound, measured time per token, bound / measured (1 = at the
// memory limit), and the same generation with the serial-sum kernel the library used before
// (one add per add-latency), side by side.
//
// Usage: digital_bench [--tokens 128] [--repeats 3] [--buffer-mib 512] [--dim 288 --hidden 768
//        --layers 6 --heads 6 --vocab 32000 --seq 256] [--threads 1,2]
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <omp.h>

#include "bench_util.hpp"
#include "model_shape.hpp"
#include "transformer/generate.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/model.hpp"

using namespace kirchhoff;
using namespace kirchhoff::transformer;
using bench::Clock;
using bench::seconds_since;

namespace {

// The kernel IdealBackend had before: one serial float sum per row.
class SerialSumBackend final : public LinearBackend {
public:
    std::string_view name() const override { return "serial-sum"; }
    void matvec(const LinearLayer& layer, std::span<const float> x, std::span<float> y) override {
        const bool parallel = static_cast<long>(layer.out) * layer.in > 256 * 1024;
#pragma omp parallel for schedule(static) if (parallel)
        for (int r = 0; r < layer.out; ++r) {
            const float* row = layer.weight.data() + static_cast<std::size_t>(r) * layer.in;
            float acc = 0;
            for (int c = 0; c < layer.in; ++c) acc += row[c] * x[c];
            y[r] = acc;
        }
    }
};

// Read bandwidth in bytes/s: the best of `repeats` sums over `buffer` (split across threads).
double read_bandwidth(const std::vector<float>& buffer, int repeats) {
    double best = 1e30;
    volatile float sink = 0;
    for (int k = 0; k < repeats; ++k) {
        const auto t0 = Clock::now();
        float total = 0;
        const long n = static_cast<long>(buffer.size());
#pragma omp parallel reduction(+ : total)
        {
            float part[16] = {};
#pragma omp for schedule(static)
            for (long b = 0; b < n / 16; ++b)
                for (int l = 0; l < 16; ++l) part[l] += buffer[static_cast<std::size_t>(b * 16 + l)];
            for (float p : part) total += p;
        }
        best = std::min(best, seconds_since(t0));
        sink = sink + total;
    }
    return static_cast<double>(buffer.size() * sizeof(float)) / best;
}

// Seconds per generated token, the best of `repeats` greedy runs of `tokens` tokens from token 1.
double seconds_per_token(const Model& m, LinearBackend& backend, int tokens, int repeats, std::vector<int>* out) {
    double best = 1e30;
    GenerateOptions o;
    o.steps = tokens;
    const std::vector<int> prompt{1};
    for (int k = 0; k < repeats; ++k) {
        const auto t0 = Clock::now();
        *out = generate(m, backend, prompt, o);
        best = std::min(best, seconds_since(t0) / static_cast<double>(out->size()));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Digital forward pass against the memory bound (bytes of weights per token / read bandwidth)");
    int tokens = 128, repeats = 3, buffer_mib = 512;
    ModelConfig c = stories15m_shape();
    std::vector<int> threads{1, 2};
    app.add_option("--tokens", tokens, "tokens generated per run")->check(CLI::Range(1, 100000));
    app.add_option("--repeats", repeats, "runs per measurement (the best is kept)")->check(CLI::Range(1, 100));
    app.add_option("--buffer-mib", buffer_mib, "bandwidth buffer (MiB)")->check(CLI::Range(16, 16384));
    bench::add_shape_options(app, c);
    app.add_option("--threads", threads, "thread counts")->delimiter(',')->check(CLI::Range(1, 1024));
    CLI11_PARSE(app, argc, argv);
    c.n_kv_heads = c.n_heads;
    tokens = std::min(tokens, c.seq_len - 1);

    // A random model through the llama2.c writer and reader.
    Model m = random_model(c, 1);
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / fmt::format("kirchhoff_digital_bench_{}.bin", ::getpid());
    save_llama2c(m, file);
    m = load_llama2c(file);
    std::filesystem::remove(file);
    double weight_bytes = 0;
    for (const LinearLayer* l : m.linear_layers()) weight_bytes += static_cast<double>(l->weight.size()) * sizeof(float);
    fmt::print("model: dim {}, hidden {}, {} layers, {} heads, vocab {}: {:.1f} M parameters, {:.1f} MB of linear-layer "
               "weights read per token\n",
               c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.vocab_size, m.parameter_count() / 1e6, weight_bytes / 1e6);

    std::vector<float> buffer(static_cast<std::size_t>(buffer_mib) * 1024 * 1024 / sizeof(float), 1.0f);
    fmt::print("{:>7} | {:>12} | {:>13} | {:>16} | {:>14} | {:>18} | {:>9}\n", "threads", "read GB/s", "bound ms/tok",
               "IdealBackend ms", "bound/measured", "serial-sum ms/tok", "speed-up");
    std::vector<int> reference;
    for (int t : threads) {
        omp_set_num_threads(t);
        const double bw = read_bandwidth(buffer, 5);
        const double bound = weight_bytes / bw;
        IdealBackend ideal;
        SerialSumBackend serial;
        std::vector<int> a, b;
        const double s_ideal = seconds_per_token(m, ideal, tokens, repeats, &a);
        const double s_serial = seconds_per_token(m, serial, tokens, repeats, &b);
        if (reference.empty()) reference = a;
        fmt::print("{:>7} | {:>12.2f} | {:>13.3f} | {:>16.3f} | {:>14.2f} | {:>18.3f} | {:>8.2f}x{}\n", t, bw / 1e9,
                   bound * 1e3, s_ideal * 1e3, bound / s_ideal, s_serial * 1e3, s_serial / s_ideal,
                   a == reference ? "" : "  (tokens differ from the first thread count!)");
    }
    fmt::print("peak RSS {:.0f} MiB\n", bench::peak_rss_mib());
    return 0;
}
