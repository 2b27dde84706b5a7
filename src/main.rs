//! The `edgesim` binary: everything lives in the library; this only exits
//! with the code the command returns.

fn main() {
    std::process::exit(edgesim::cli::main_with_args(std::env::args_os()));
}
