// rosenbrock4 dense-output integration of one smooth segment (compiled as C++17, see header).
#include "devices/odeint_rosenbrock.hpp"

#include <algorithm>
#include <utility>

#include <boost/numeric/odeint.hpp>

namespace kirchhoff::devices::detail {

namespace {
namespace odeint = boost::numeric::odeint;
using Vec = boost::numeric::ublas::vector<double>;
using Mat = boost::numeric::ublas::matrix<double>;

struct Rhs {
    const RosenbrockProblem* p;
    void operator()(const Vec& y, Vec& dydt, double t) const {
        p->rhs(&y.data()[0], t, &dydt.data()[0]);
    }
};

struct Jac {
    const RosenbrockProblem* p;
    void operator()(const Vec& y, Mat& jac, double t, Vec& dfdt) const {
        std::vector<double> j(p->n * p->n);
        p->jacobian(&y.data()[0], t, j.data(), &dfdt.data()[0]);
        for (std::size_t r = 0; r < p->n; ++r)
            for (std::size_t c = 0; c < p->n; ++c) jac(r, c) = j[r * p->n + c];
    }
};
}  // namespace

std::size_t rosenbrock_segment(const RosenbrockProblem& problem, std::vector<double>& y, double t0,
                               double t1, const RosenbrockSettings& settings,
                               const std::vector<double>& samples, std::size_t& next_sample,
                               const std::function<void(double, const double*)>& sample,
                               double* last_dt) {
    auto stepper = odeint::make_dense_output(settings.abs_tol, settings.rel_tol, settings.max_dt,
                                             odeint::rosenbrock4<double>());
    Vec state(problem.n);
    std::copy(y.begin(), y.end(), state.begin());
    stepper.initialize(state, t0, settings.dt0);
    const auto system = std::make_pair(Rhs{&problem}, Jac{&problem});
    Vec at(problem.n);
    auto emit = [&](double upto) {
        while (next_sample < samples.size() && samples[next_sample] <= upto) {
            stepper.calc_state(samples[next_sample], at);
            sample(samples[next_sample], &at.data()[0]);
            ++next_sample;
        }
    };
    std::size_t steps = 0;
    while (stepper.current_time() < t1) {
        stepper.do_step(system);
        ++steps;
        emit(std::min(stepper.current_time(), t1));
    }
    stepper.calc_state(t1, state);
    std::copy(state.begin(), state.end(), y.begin());
    if (last_dt) *last_dt = stepper.current_time_step();
    return steps;
}

}  // namespace kirchhoff::devices::detail
