//! The `newsfacts` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

// Workers allocate documents and the writer thread frees them: glibc's allocator serializes
// such cross-thread frees on arena locks (measured: ~15% of run time in futex waits);
// mimalloc frees to the owning thread's heap without a global lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    newsfacts::cli::main()
}
