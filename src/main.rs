//! The `belegt` binary: parses the command line and runs it; errors end as one line
//! on stderr and exit code 2.

fn main() {
    let cli = belegt::cli::parse();
    if let Err(e) = belegt::cli::run(cli) {
        eprintln!("belegt: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(2);
    }
}
