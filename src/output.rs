//! Printing that never panics: a closed stdout (`bankinfra plan | head`) must not abort a run
//! half-way through an apply, so write errors are ignored and the work goes on.

/// `print!` that ignores a closed or broken stdout.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, $($arg)*);
        let _ = stdout.flush();
    }};
}

/// `println!` that ignores a closed or broken stdout.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub(crate) use {out, outln};
