/*
 * arena.c — bump allocator over a list of chunks (see arena.h).
 */
#include "engine/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/banned.h"

#define ARENA_CHUNK_MIN (64 * 1024)

struct ft_arena_chunk {
    ft_arena_chunk *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void ft_arena_init(ft_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void ft_arena_release(ft_arena *a)
{
    ft_arena_chunk *c = a->head;
    while (c) {
        ft_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    ft_arena_init(a);
}

void *ft_arena_calloc(ft_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes > SIZE_MAX - 15)
        return NULL;
    bytes = (bytes + 15) & ~(size_t)15;
    if (bytes == 0)
        bytes = 16;
    ft_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < bytes) {
        size_t cap = bytes > ARENA_CHUNK_MIN ? bytes : ARENA_CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        /* A one-off large chunk goes second so the current chunk keeps filling. */
        if (a->head && bytes > ARENA_CHUNK_MIN) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += bytes;
    a->used_total += bytes;
    memset(p, 0, bytes);
    return p;
}
