#ifndef POLICYDESK_CCURL_SHIM_H
#define POLICYDESK_CCURL_SHIM_H
#include <curl/curl.h>
#endif
