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

// One row's dot product w . x in a fixed order: Lanes partial sums (c = l mod Lanes), folded
// pairwise, then the tail. The order does not depend on the thread count, and it is written
// out so that the compiler vectorises it without reassociating (no -ffast-math): the serial
// sum it replaces ran at one add per add-latency, a quarter of the memory bound.
template <class Scalar, int Lanes>
Scalar dot_row(const float* w, const Scalar* x, int n) {
    Scalar part[Lanes] = {};
    int c = 0;
    for (; c + Lanes <= n; c += Lanes)
        for (int l = 0; l < Lanes; ++l) part[l] += static_cast<Scalar>(w[c + l]) * x[c + l];
    for (int width = Lanes / 2; width > 0; width /= 2)
        for (int l = 0; l < width; ++l) part[l] += part[l + width];
    Scalar acc = part[0];
    for (; c < n; ++c) acc += static_cast<Scalar>(w[c]) * x[c];
    return acc;
}

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
    for (int r = 0; r < out; ++r)
        y[r] = dot_row<Scalar, 64 / sizeof(Scalar)>(w + static_cast<std::size_t>(r) * in, x.data(), in);
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
