//! The `satupintu` command: parses arguments and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = satupintu::cli::Cli::parse();
    satupintu::cli::run(cli)
}
