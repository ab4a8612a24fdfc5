/* The C ABI has no code of its own: this file lets SwiftPM build the header-only target. */
