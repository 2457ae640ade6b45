// glibc's allocator tuning (mallopt), which the Glibc module does not bring in.
#ifndef POLICYDESK_CMALLOC_SHIM_H
#define POLICYDESK_CMALLOC_SHIM_H
#ifdef __linux__
#include <malloc.h>
#endif
#endif
