/* The version and git commit stamped into manifests and `aimc version`:
 * the build defines AIMC_VERSION and AIMC_GIT_HASH (CMakeLists.txt); these
 * fallbacks serve a compile outside it. */
#ifndef AIMC_VERSION_H
#define AIMC_VERSION_H

#ifndef AIMC_VERSION
#define AIMC_VERSION "0.0.0"
#endif
#ifndef AIMC_GIT_HASH
#define AIMC_GIT_HASH "unknown"
#endif

#endif
