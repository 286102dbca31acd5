/*
 * cluster_mpi.h — clustering distributed over MPI ranks, with the single-node result.
 *
 *     address ids in P contiguous ranges, rank r owns range r (its union-find state)
 *     items (txs) in P contiguous ranges: each rank runs the linkers over its own items
 *     every link (a, b) goes to owner(a) and owner(b) (one all-to-all)
 *     local union-find over the links whose both ends are local  -> local roots
 *     cross-rank edges become (local root, remote address) pairs, deduplicated
 *     rounds: each rank sends (remote address, label of its local root) for every pair whose
 *         label changed; a receiver lowers its root's label; until no rank changes anything
 *     label = smallest address id of the component = the single-node cluster id
 *
 * Rank 0 then gathers the labels (the pass-A partition), runs the collapse guard exactly as
 * heuristics/cluster.c does (the guard's sequential pass over the suspect components) and
 * fills the same ft_cluster_result: identical cluster ids, sizes, counts and refusals for
 * any number of ranks (tests/integration/mpi_cluster.sh). Every rank maps the graph (a
 * snapshot shares one page-cached copy per node); the union-find state and the link
 * buffers are what is split.
 */
#ifndef FT_CLUSTER_MPI_H
#define FT_CLUSTER_MPI_H

#include "heuristics/cluster.h"

/* Runs over MPI_COMM_WORLD when the binary has MPI and MPI is initialised with more than one
 * rank; else it is ft_cluster_run. Collective: every rank calls it with the same graph and
 * options, and gets the same status. *is_root is 1 on rank 0, whose res holds the result;
 * other ranks get an empty res. */
ft_status ft_cluster_mpi_run(const ft_graph *g, const ft_cluster_labels *labels,
                             const ft_cluster_opts *opts, ft_cluster_result *res, int *is_root,
                             ft_err *err) FT_WARN_UNUSED;

#endif
