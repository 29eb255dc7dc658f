// Early-return helpers for Result<T, CodecError> chains inside the codec (no exceptions).
#pragma once

#include <utility>

#include "core/result.h"

#define MQTTD_CODEC_CONCAT_INNER(a, b) a##b
#define MQTTD_CODEC_CONCAT(a, b) MQTTD_CODEC_CONCAT_INNER(a, b)

// MQTTD_TRY_ASSIGN(const auto x, reader.u8()); declares x, or returns the error from the
// enclosing function. Several statements: never use it as the body of an unbraced `if`.
#define MQTTD_TRY_ASSIGN(lhs, expr) \
  MQTTD_TRY_ASSIGN_IMPL(MQTTD_CODEC_CONCAT(mqttd_try_, __LINE__), lhs, expr)
#define MQTTD_TRY_ASSIGN_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return ::mqttd::fail(tmp.error()); \
  lhs = std::move(tmp).value()

// MQTTD_TRY_SET(existing_lvalue, expr): one statement, safe after an unbraced `if`.
#define MQTTD_TRY_SET(lhs, expr)                                                \
  do {                                                                          \
    auto mqttd_try_result = (expr);                                             \
    if (!mqttd_try_result.ok()) return ::mqttd::fail(mqttd_try_result.error()); \
    lhs = std::move(mqttd_try_result).value();                                  \
  } while (0)

// MQTTD_TRY(expr) for Result<void, E> (or when the value is not needed).
#define MQTTD_TRY(expr)                                                         \
  do {                                                                          \
    auto mqttd_try_result = (expr);                                             \
    if (!mqttd_try_result.ok()) return ::mqttd::fail(mqttd_try_result.error()); \
  } while (0)
