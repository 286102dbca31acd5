/*
 * arena.h — a bump allocator for the many small arrays of one parsed block.
 *
 * A block's transactions, inputs and outputs are allocated from one arena and freed together
 * (ft_arena_release), so parsing a block costs a handful of malloc calls, not one per input.
 * Memory comes in chunks of at least 64 KiB; a request larger than a chunk gets its own.
 * Returned memory is zeroed and aligned to 16 bytes.
 */
#ifndef FT_ARENA_H
#define FT_ARENA_H

#include <stddef.h>

typedef struct ft_arena_chunk ft_arena_chunk;

typedef struct ft_arena {
    ft_arena_chunk *head;
    size_t used_total; /* bytes handed out, for statistics */
} ft_arena;

void ft_arena_init(ft_arena *a);
/* Frees every chunk and re-inits. */
void ft_arena_release(ft_arena *a);
/* Returns n zeroed bytes, or NULL on allocation failure or when n * size overflows. */
void *ft_arena_calloc(ft_arena *a, size_t n, size_t size);

#endif
