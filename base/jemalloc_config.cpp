// jemalloc's options for the programs, compiled into each one that links it (CMakeLists.txt,
// entragate_allocator); MALLOC_CONF in the environment still overrides them.
//
// One arena instead of one per half core: with several, what one reading thread frees is kept for
// that arena's threads, and the peak RSS of a 1,000-app plan was 59 MB instead of 48 MB. The
// threads' own caches keep the one arena's lock quiet: no CPU difference was measured on the
// 10,000-app plan or the local tenant's rows (README "Performance").
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:1";
}
