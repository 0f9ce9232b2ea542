// MPI, when built in and launched by mpirun; a world of one otherwise.
#include "cli/mpi_world.hpp"

#include <cstdlib>

#ifdef KIRCHHOFF_WITH_MPI
#include <mpi.h>
#endif

namespace kirchhoff::cli {

namespace {
[[maybe_unused]] bool launched_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}
}  // namespace

bool MpiWorld::built_with_mpi() {
#ifdef KIRCHHOFF_WITH_MPI
    return true;
#else
    return false;
#endif
}

MpiWorld::MpiWorld() {
#ifdef KIRCHHOFF_WITH_MPI
    if (!launched_by_mpirun()) return;
    MPI_Init(nullptr, nullptr);
    initialised_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
#endif
}

MpiWorld::~MpiWorld() {
#ifdef KIRCHHOFF_WITH_MPI
    if (initialised_) MPI_Finalize();
#endif
}

void MpiWorld::barrier() const {
#ifdef KIRCHHOFF_WITH_MPI
    if (initialised_) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void MpiWorld::abort([[maybe_unused]] int status) const {
#ifdef KIRCHHOFF_WITH_MPI
    if (initialised_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
#endif
}

}  // namespace kirchhoff::cli
