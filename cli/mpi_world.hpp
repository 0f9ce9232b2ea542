// The MPI world of one `kirchhoff` process, when it was started by mpirun and Kirchhoff was
// built with MPI (KIRCHHOFF_WITH_MPI, cmake/KirchhoffDependencies.cmake); otherwise a world of
// one. Only what `kirchhoff sweep` needs: rank, size, a barrier, and an abort that takes the
// other ranks down with a failing one.
#pragma once

namespace kirchhoff::cli {

class MpiWorld {
public:
    /// Initialises MPI when the environment says mpirun started this process (OMPI_COMM_WORLD_SIZE,
    /// PMI_SIZE or PMIX_RANK is set) and MPI is built in; a world of one otherwise.
    MpiWorld();
    ~MpiWorld();  // MPI_Finalize
    MpiWorld(const MpiWorld&) = delete;
    MpiWorld& operator=(const MpiWorld&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    void barrier() const;
    /// Ends every rank with `status` (MPI_Abort); returns normally in a world of one.
    void abort(int status) const;
    /// True when this build can run under MPI.
    static bool built_with_mpi();

private:
    int rank_ = 0, size_ = 1;
    bool initialised_ = false;
};

}  // namespace kirchhoff::cli
