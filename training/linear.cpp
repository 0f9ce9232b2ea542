// The digital training backend.
#include "training/linear.hpp"

#include "training/kernels.hpp"

namespace kirchhoff::training {

template <class S>
void IdealTrainLinear<S>::forward(const TrainLinearInfo& info, const S* w, const S* x, S* y, int n) {
    matmul_xwt(y, x, w, n, info.in, info.out);
}

template <class S>
void IdealTrainLinear<S>::backward(const TrainLinearInfo& info, const S* w, const S* x,
                                   const S* dy, S* dx, S* dw, int n) {
    matmul_dyw(dx, dy, w, n, info.in, info.out, false);
    matmul_dytx(dw, dy, x, n, info.in, info.out, false);
}

template class IdealTrainLinear<float>;
template class IdealTrainLinear<double>;

}  // namespace kirchhoff::training
