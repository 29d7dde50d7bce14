/*
 * hookd native plugin ABI, version 1: constants shared by the host engine and
 * the plugin PDK. The normative description is docs/abi.md; this header only
 * gives the numbers names so both sides cannot drift apart.
 *
 * Plain C (C99 and later, C++ of any version): the host includes it too, so it
 * must stay free of wasm-specific attributes and of anything with linkage.
 */
#ifndef HOOKD_ABI_H
#define HOOKD_ABI_H

#include <stdint.h>

#define HOOKD_ABI_VERSION 1

/* Result codes of the hookd_call export (and of PDK function callbacks). */
#define HOOKD_OK 0
#define HOOKD_ERROR 1

/* Wire formats, declared per function in the register_function flags. */
#define HOOKD_FORMAT_BYTES 0   /* application/octet-stream */
#define HOOKD_FORMAT_MSGPACK 1 /* application/msgpack */
#define HOOKD_FORMAT_JSON 2    /* application/json */
#define HOOKD_FORMAT_TEXT 3    /* text/plain; charset=utf-8 */

/* flags = input format in bits 0-3, output format in bits 4-7. */
#define HOOKD_FLAGS(in_format, out_format) \
  ((uint32_t)(((uint32_t)(in_format)&0xFu) | (((uint32_t)(out_format)&0xFu) << 4)))
#define HOOKD_FLAGS_IN(flags) ((int)((uint32_t)(flags)&0xFu))
#define HOOKD_FLAGS_OUT(flags) ((int)(((uint32_t)(flags) >> 4) & 0xFu))

/* Levels of the hookd.log import. */
#define HOOKD_LOG_TRACE 0
#define HOOKD_LOG_DEBUG 1
#define HOOKD_LOG_INFO 2
#define HOOKD_LOG_WARN 3
#define HOOKD_LOG_ERROR 4

/* Return codes of the hookd.host_call import. */
#define HOOKD_HOST_OK 0
#define HOOKD_HOST_ERROR 1     /* the pending result is an error message */
#define HOOKD_HOST_NOT_FOUND 2 /* no such host function is granted */

/* Return codes of the hookd.register_function import (0 = registered). */
#define HOOKD_REGISTER_OK 0
#define HOOKD_REGISTER_DUPLICATE (-1)    /* name already registered */
#define HOOKD_REGISTER_BAD_NAME (-2)     /* empty, too long or bad characters */
#define HOOKD_REGISTER_OUTSIDE_INIT (-3) /* called outside hookd_init */

/* Function names are 1..128 bytes of [A-Za-z0-9_.-]. */
#define HOOKD_MAX_FUNCTION_NAME 128

/* The call frame returned by the hookd_frame export: 12 bytes, little-endian
 * u32 fields. The host should read it by offset rather than through this
 * struct (its pointers are wasm32 addresses, not host pointers). */
typedef struct hookd_frame_layout {
  uint32_t out_ptr; /* output, or the UTF-8 error message on HOOKD_ERROR */
  uint32_t out_len;
  uint32_t status; /* on error: HTTP-style status 400..599, 0 = default */
} hookd_frame_t;

#define HOOKD_FRAME_OUT_PTR 0
#define HOOKD_FRAME_OUT_LEN 4
#define HOOKD_FRAME_STATUS 8
#define HOOKD_FRAME_SIZE 12

#endif /* HOOKD_ABI_H */
