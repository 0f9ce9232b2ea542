// The explicit backward pass against central finite differences, in float64, for every
// parameter tensor of a tiny model (GQA, tied and untied classifier); and the batched
// training forward pass against the runner's one-token-at-a-time Forward<double>.
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "training/fixtures.hpp"
#include "training/graph.hpp"
#include "training/layout.hpp"
#include "transformer/forward.hpp"
#include "transformer/linear_backend.hpp"

using namespace kirchhoff;
using namespace kirchhoff::training;

namespace {

std::vector<int> tiny_tokens(int batch, int seq, int vocab) {
    std::vector<int> t;
    for (int i = 0; i < batch * (seq + 1); ++i) t.push_back((i * 5 + i / 3) % vocab);
    return t;
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("backward pass matches central finite differences for every tensor", "[training][gradcheck]") {
    for (const bool shared : {false, true}) {
        const ParamLayout layout(testing::tiny_config(shared));
        // Larger init than training uses, so that every path carries a visible gradient.
        std::vector<double> p = as_double(init_parameters(layout, 0.3, 11));
        for (const TensorSlot& s : layout.slots)  // norm gains away from 1 as well
            if (s.role == TensorRole::norm)
                for (std::size_t i = 0; i < s.size(); ++i) p[s.offset + i] = 1.0 + 0.1 * std::sin(3.0 * i + s.offset);
        const int batch = 2, seq = 5;
        const std::vector<int> tokens = tiny_tokens(batch, seq, layout.config.vocab_size);
        TrainGraph<double> graph(layout);
        IdealTrainLinear<double> be;
        const double n = batch * seq;
        graph.forward(p, tokens, batch, seq, be, 1, true);
        std::vector<double> grad(layout.total);
        graph.backward(p, grad, be);

        const double h = 1e-5;
        for (const TensorSlot& s : layout.slots) {
            double num2 = 0, diff2 = 0;
            for (std::size_t i = 0; i < s.size(); ++i) {
                const std::size_t k = s.offset + i;
                const double keep = p[k];
                p[k] = keep + h;
                const double up = graph.forward(p, tokens, batch, seq, be, 1, true) / n;
                p[k] = keep - h;
                const double down = graph.forward(p, tokens, batch, seq, be, 1, true) / n;
                p[k] = keep;
                const double fd = (up - down) / (2 * h);
                num2 += fd * fd;
                diff2 += (fd - grad[k]) * (fd - grad[k]);
            }
            INFO(fmt::format("shared={} tensor {}: |fd| = {:.3e}, |fd - grad| = {:.3e}", shared, s.name,
                             std::sqrt(num2), std::sqrt(diff2)));
            CHECK(num2 > 0);                                 // the tensor is exercised
            CHECK(std::sqrt(diff2) <= 1e-7 * std::sqrt(num2));  // relative error bound, per tensor
        }
    }
}

TEST_CASE("training forward equals the runner's Forward<double> logits-wise loss", "[training][gradcheck]") {
    const ParamLayout layout(testing::tiny_config(false));
    const std::vector<float> pf = init_parameters(layout, 0.3, 5);
    const std::vector<double> p = as_double(pf);
    const int seq = 6;
    const std::vector<int> tokens = tiny_tokens(1, seq, layout.config.vocab_size);
    TrainGraph<double> graph(layout);
    IdealTrainLinear<double> be;
    const double sum = graph.forward(p, tokens, 1, seq, be, 1, false);

    const transformer::Model model = to_model(layout, pf);
    transformer::IdealBackend ideal;
    transformer::Forward<double> fwd(model, ideal);
    double ref = 0;
    for (int t = 0; t < seq; ++t) {
        const auto logits = fwd.step(tokens[t], t);
        double max = logits[0];
        for (double z : logits) max = std::max(max, z);
        double s = 0;
        for (double z : logits) s += std::exp(z - max);
        ref += max + std::log(s) - logits[tokens[t + 1]];
    }
    CHECK(std::abs(sum - ref) <= 1e-12 * std::abs(ref));
}
