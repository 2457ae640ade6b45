#ifndef POLICYDESK_CCURL_SHIM_H
#define POLICYDESK_CCURL_SHIM_H
#include <curl/curl.h>

/*
 * curl_easy_setopt and curl_easy_getinfo are variadic C functions, which Swift cannot call.
 * These typed wrappers give Swift one non-variadic entry point per argument type.
 * The pd_ prefix keeps them clear of libcurl's own (and any future) names.
 */

/** Signature of libcurl's CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks. */
typedef size_t (*pd_curl_data_callback)(char *data, size_t size, size_t count, void *context);

/** Signature of libcurl's CURLOPT_XFERINFOFUNCTION callback; non-zero aborts the transfer. */
typedef int (*pd_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                         curl_off_t upload_total, curl_off_t upload_now);

/** Initialises libcurl's global state with the default flags (SSL and platform sockets). */
static inline CURLcode pd_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

/** Sets an option that takes a long (flags, timeouts, sizes). */
static inline CURLcode pd_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets an option that takes a C string; libcurl copies string options (since 7.17.0). */
static inline CURLcode pd_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets an option that takes an opaque pointer (callback context, error buffer). */
static inline CURLcode pd_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets an option that takes a header list (CURLOPT_HTTPHEADER). */
static inline CURLcode pd_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets an option that takes a curl_off_t (CURLOPT_POSTFIELDSIZE_LARGE). */
static inline CURLcode pd_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets a body or header callback (CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION). */
static inline CURLcode pd_curl_setopt_callback(CURL *handle, CURLoption option, pd_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/** Sets the progress callback (CURLOPT_XFERINFOFUNCTION), used to abort cancelled transfers. */
static inline CURLcode pd_curl_setopt_progress(CURL *handle, pd_curl_progress_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

/** Reads a long-valued piece of transfer information (CURLINFO_RESPONSE_CODE). */
static inline CURLcode pd_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
