#ifndef INTAKE_CCURL_SHIM_H
#define INTAKE_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind.
static inline CURLcode intake_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*intake_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
static inline CURLcode intake_setopt_read_callback(CURL *h, intake_read_callback cb) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
typedef size_t (*intake_write_callback)(char *data, size_t size, size_t nitems, void *userdata);
static inline CURLcode intake_setopt_write_callback(CURL *h, intake_write_callback cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
typedef int (*intake_debug_callback)(CURL *h, curl_infotype type, char *data, size_t size, void *userdata);
static inline CURLcode intake_setopt_debug_callback(CURL *h, intake_debug_callback cb) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, cb); }
static inline long intake_getinfo_response_code(CURL *h) { long code = 0; curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code); return code; }
#endif
