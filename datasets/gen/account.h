/*
 * account.h — fundtrace-gen --account: an account-model (EVM, chain `dev`) economy of exchanges,
 * their customers' deposit addresses and the known confounders of the deposit heuristic,
 * written as ethereum-etl CSV files with ground truth (docs/generator.md, "Account chains").
 */
#ifndef FT_GEN_ACCOUNT_H
#define FT_GEN_ACCOUNT_H

/* Runs `fundtrace-gen --account ...` (argv[0] is "--account"); returns the exit code. */
int ft_gen_account_main(int argc, char **argv);

#endif
