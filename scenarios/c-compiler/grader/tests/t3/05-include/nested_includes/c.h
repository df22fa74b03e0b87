#pragma once
int printf(const char *fmt, ...);
#define C_VALUE 10
