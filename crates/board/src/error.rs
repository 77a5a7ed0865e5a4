//! Errors of the board crate: every message names the board (or file) and what to fix.

/// Why a board could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// No built-in board has this name.
    #[error("unknown board `{name}`; built-in boards: {known}. Pass a path to a board .toml file for others")]
    Unknown {
        /// Requested name.
        name: String,
        /// Comma-separated built-in names.
        known: String,
    },
    /// The board file could not be read.
    #[error("cannot read board file {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// OS error.
        source: std::io::Error,
    },
    /// The board file is not valid TOML for the board schema.
    #[error("board file {path}: {message}")]
    Parse {
        /// File path (or `builtin:<name>`).
        path: String,
        /// Parser message (names the bad key and line).
        message: String,
    },
    /// The board parsed but its contents are inconsistent; every problem is listed.
    #[error("board `{board}` is invalid:\n  - {}", problems.join("\n  - "))]
    Invalid {
        /// Board name.
        board: String,
        /// One line per problem.
        problems: Vec<String>,
    },
    /// The design clock (or the link's baud rate at it) cannot be made on this board.
    #[error("board `{board}`: {problem}")]
    Clock {
        /// Board name.
        board: String,
        /// What cannot be made, and what to choose instead.
        problem: String,
    },
    /// A design asked for a port the board does not have.
    #[error("board `{board}` has no {port}; {hint}")]
    MissingPort {
        /// Board name.
        board: String,
        /// Port description.
        port: String,
        /// What to do instead.
        hint: String,
    },
}
