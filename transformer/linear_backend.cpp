// The seam's default float64 path and the ideal (digital GEMV) backend.
#include "transformer/linear_backend.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::transformer {

void LinearBackend::matvec_f64(const LinearLayer& layer, std::span<const double>,
                               std::span<double>) {
    throw std::logic_error(fmt::format(
        "backend '{}' has no float64 path (layer '{}'): run the float64 reference with the "
        "ideal backend",
        name(), layer.name));
}

namespace {
[[noreturn]] void no_attention(std::string_view backend, int block) {
    throw std::logic_error(fmt::format("backend '{}' does not compute attention (block {}): Forward keeps it "
                                       "digital unless computes_attention() is true",
                                       backend, block));
}
}  // namespace

void LinearBackend::attention_scores(const AttentionStep& step, std::span<const float>, std::span<float>,
                                     std::size_t) {
    no_attention(name(), step.block);
}

void LinearBackend::attention_values(const AttentionStep& step, std::span<const float>, std::size_t,
                                     std::span<float>) {
    no_attention(name(), step.block);
}

namespace {

template <class Scalar>
void gemv(const LinearLayer& layer, std::span<const Scalar> x, std::span<Scalar> y) {
    if (x.size() != static_cast<std::size_t>(layer.in) ||
        y.size() != static_cast<std::size_t>(layer.out))
        throw std::logic_error(fmt::format("matvec on '{}' ({}, {}): x has {}, y has {} entries",
                                           layer.name, layer.out, layer.in, x.size(),
                                           y.size()));
    const int out = layer.out;
    const int in = layer.in;
    const float* w = layer.weight.data();
    // Threads only for layers worth ~100 us of work: a parallel region costs microseconds on an
    // idle machine but a scheduler time slice (milliseconds) whenever another process holds a
    // core, and small models run hundreds of regions per token.
    const bool parallel = static_cast<long>(out) * in > 256 * 1024;
#pragma omp parallel for schedule(static) if (parallel)
    for (int r = 0; r < out; ++r) {
        const float* row = w + static_cast<std::size_t>(r) * in;
        Scalar acc = 0;
        for (int c = 0; c < in; ++c) acc += static_cast<Scalar>(row[c]) * x[c];
        y[r] = acc;
    }
}

}  // namespace

void IdealBackend::matvec(const LinearLayer& layer, std::span<const float> x,
                          std::span<float> y) {
    gemv<float>(layer, x, y);
}

void IdealBackend::matvec_f64(const LinearLayer& layer, std::span<const double> x,
                              std::span<double> y) {
    gemv<double>(layer, x, y);
}

}  // namespace kirchhoff::transformer
