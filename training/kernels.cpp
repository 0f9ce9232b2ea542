// Blocked Eigen GEMMs with a thread-independent split (see kernels.hpp). Eigen's own
// threading is off: parallelism is over the fixed blocks only.
#define EIGEN_DONT_PARALLELIZE
#include "training/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>

namespace kirchhoff::training {

namespace {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using CMap = Eigen::Map<const RowMat<S>>;
template <class S>
using MMap = Eigen::Map<RowMat<S>>;

constexpr int row_block = 64;     // rows of X / dY per block (token dimension)
constexpr int weight_block = 32;  // rows of dW per block (output dimension)

// body(r0, rows) for each block [r0, r0 + rows) of `block` rows out of n, the blocks fixed by
// n alone (never by the thread count) and shared out over the threads.
template <class Body>
void for_blocks(int n, int block, const Body& body) {
    const int nb = (n + block - 1) / block;
#pragma omp parallel for schedule(dynamic, 1)
    for (int b = 0; b < nb; ++b) {
        const int r0 = b * block;
        body(r0, std::min(block, n - r0));
    }
}

}  // namespace

template <class S>
void matmul_xwt(S* y, const S* x, const S* w, int n, int in, int out) {
    const CMap<S> W(w, out, in);
    for_blocks(n, row_block, [&](int r0, int rows) {
        const CMap<S> X(x + static_cast<std::size_t>(r0) * in, rows, in);
        MMap<S> Y(y + static_cast<std::size_t>(r0) * out, rows, out);
        Y.noalias() = X * W.transpose();
    });
}

template <class S>
void matmul_dyw(S* dx, const S* dy, const S* w, int n, int in, int out, bool accumulate) {
    const CMap<S> W(w, out, in);
    for_blocks(n, row_block, [&](int r0, int rows) {
        const CMap<S> dY(dy + static_cast<std::size_t>(r0) * out, rows, out);
        MMap<S> dX(dx + static_cast<std::size_t>(r0) * in, rows, in);
        if (accumulate)
            dX.noalias() += dY * W;
        else
            dX.noalias() = dY * W;
    });
}

template <class S>
void matmul_dytx(S* dw, const S* dy, const S* x, int n, int in, int out, bool accumulate) {
    const CMap<S> dY(dy, n, out);
    const CMap<S> X(x, n, in);
    for_blocks(out, weight_block, [&](int r0, int rows) {
        MMap<S> dW(dw + static_cast<std::size_t>(r0) * in, rows, in);
        if (accumulate)
            dW.noalias() += dY.middleCols(r0, rows).transpose() * X;
        else
            dW.noalias() = dY.middleCols(r0, rows).transpose() * X;
    });
}

template <class S>
using StridedC = Eigen::Map<const RowMat<S>, 0, Eigen::OuterStride<>>;
template <class S>
using StridedM = Eigen::Map<RowMat<S>, 0, Eigen::OuterStride<>>;

template <class S>
void attention_forward(const AttentionShape& a, const S* q, const S* k, const S* v, S* probs, S* out) {
    const int T = a.seq, hs = a.head_size;
    const int qdim = a.n_heads * hs, kvdim = a.n_kv_heads * hs;
    const int group = a.n_heads / a.n_kv_heads;
    const S scale = S(1) / std::sqrt(static_cast<S>(hs));
#pragma omp parallel for schedule(dynamic, 1)
    for (int task = 0; task < a.batch * a.n_heads; ++task) {
        const int b = task / a.n_heads, h = task % a.n_heads, kvh = h / group;
        const std::size_t tok0 = static_cast<std::size_t>(b) * T;
        const StridedC<S> Q(q + tok0 * qdim + h * hs, T, hs, Eigen::OuterStride<>(qdim));
        const StridedC<S> K(k + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        const StridedC<S> V(v + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        MMap<S> P(probs + static_cast<std::size_t>(task) * T * T, T, T);
        P.noalias() = (Q * K.transpose()) * scale;
        for (int t = 0; t < T; ++t) {
            S* row = &P(t, 0);
            S max = row[0];
            for (int j = 1; j <= t; ++j) max = std::max(max, row[j]);
            S sum = 0;
            for (int j = 0; j <= t; ++j) {
                row[j] = std::exp(row[j] - max);
                sum += row[j];
            }
            const S inv = S(1) / sum;
            for (int j = 0; j <= t; ++j) row[j] *= inv;
            for (int j = t + 1; j < T; ++j) row[j] = 0;
        }
        StridedM<S> O(out + tok0 * qdim + h * hs, T, hs, Eigen::OuterStride<>(qdim));
        O.noalias() = P * V;
    }
}

template <class S>
void attention_backward(const AttentionShape& a, const S* q, const S* k, const S* v,
                        const S* probs, const S* dout, S* dq, S* dk, S* dv) {
    const int T = a.seq, hs = a.head_size;
    const int qdim = a.n_heads * hs, kvdim = a.n_kv_heads * hs;
    const int group = a.n_heads / a.n_kv_heads;
    const S scale = S(1) / std::sqrt(static_cast<S>(hs));
#pragma omp parallel for schedule(dynamic, 1)
    for (int task = 0; task < a.batch * a.n_kv_heads; ++task) {
        const int b = task / a.n_kv_heads, kvh = task % a.n_kv_heads;
        const std::size_t tok0 = static_cast<std::size_t>(b) * T;
        const StridedC<S> K(k + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        const StridedC<S> V(v + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        StridedM<S> dK(dk + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        StridedM<S> dV(dv + tok0 * kvdim + kvh * hs, T, hs, Eigen::OuterStride<>(kvdim));
        dK.setZero();
        dV.setZero();
        RowMat<S> dP(T, T);
        for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
            const StridedC<S> Q(q + tok0 * qdim + h * hs, T, hs, Eigen::OuterStride<>(qdim));
            const StridedC<S> dO(dout + tok0 * qdim + h * hs, T, hs, Eigen::OuterStride<>(qdim));
            StridedM<S> dQ(dq + tok0 * qdim + h * hs, T, hs, Eigen::OuterStride<>(qdim));
            const CMap<S> P(probs + (static_cast<std::size_t>(b) * a.n_heads + h) * T * T, T, T);
            dV.noalias() += P.transpose() * dO;
            dP.noalias() = dO * V.transpose();
            // softmax backward: dS = P * (dP - rowsum(P * dP)), scaled by 1/sqrt(head_size)
            for (int t = 0; t < T; ++t) {
                S dot = 0;
                for (int j = 0; j <= t; ++j) dot += P(t, j) * dP(t, j);
                for (int j = 0; j <= t; ++j) dP(t, j) = P(t, j) * (dP(t, j) - dot) * scale;
                for (int j = t + 1; j < T; ++j) dP(t, j) = 0;
            }
            dQ.noalias() = dP * K;
            dK.noalias() += dP.transpose() * Q;
        }
    }
}

template void attention_forward<float>(const AttentionShape&, const float*, const float*, const float*, float*, float*);
template void attention_forward<double>(const AttentionShape&, const double*, const double*, const double*, double*, double*);
template void attention_backward<float>(const AttentionShape&, const float*, const float*, const float*, const float*, const float*, float*, float*, float*);
template void attention_backward<double>(const AttentionShape&, const double*, const double*, const double*, const double*, const double*, double*, double*, double*);

template void matmul_xwt<float>(float*, const float*, const float*, int, int, int);
template void matmul_xwt<double>(double*, const double*, const double*, int, int, int);
template void matmul_dyw<float>(float*, const float*, const float*, int, int, int, bool);
template void matmul_dyw<double>(double*, const double*, const double*, int, int, int, bool);
template void matmul_dytx<float>(float*, const float*, const float*, int, int, int, bool);
template void matmul_dytx<double>(double*, const double*, const double*, int, int, int, bool);

}  // namespace kirchhoff::training
