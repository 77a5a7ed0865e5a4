//! The built-in boards (`boards/*.toml`) and constraint fragments (`constraints/`), embedded at
//! compile time so the binary needs no data directory.

use std::path::Path;

use crate::{validate::validate, Board, BoardError};

/// (name, TOML text) of every built-in board, sorted by name.
const BOARDS: &[(&str, &str)] = &[
    (
        "colorlight-i5",
        include_str!("../../../boards/colorlight-i5.toml"),
    ),
    (
        "icebreaker",
        include_str!("../../../boards/icebreaker.toml"),
    ),
    ("icestick", include_str!("../../../boards/icestick.toml")),
    (
        "orangecrab-25f",
        include_str!("../../../boards/orangecrab-25f.toml"),
    ),
    (
        "orangecrab-85f",
        include_str!("../../../boards/orangecrab-85f.toml"),
    ),
    (
        "tinyfpga-bx",
        include_str!("../../../boards/tinyfpga-bx.toml"),
    ),
    ("ulx3s-12f", include_str!("../../../boards/ulx3s-12f.toml")),
    ("ulx3s-25f", include_str!("../../../boards/ulx3s-25f.toml")),
    ("ulx3s-45f", include_str!("../../../boards/ulx3s-45f.toml")),
    ("ulx3s-85f", include_str!("../../../boards/ulx3s-85f.toml")),
    (
        "upduino-v3",
        include_str!("../../../boards/upduino-v3.toml"),
    ),
];

/// (file name, text) of the static constraint fragments boards may reference.
const FRAGMENTS: &[(&str, &str)] = &[(
    "ecp5-sysconfig.lpf",
    include_str!("../../../constraints/ecp5-sysconfig.lpf"),
)];

/// Text of a constraint fragment from `constraints/`, if it exists.
pub fn fragment(name: &str) -> Option<&'static str> {
    FRAGMENTS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Every built-in board, parsed and validated, sorted by name.
pub fn list() -> Result<Vec<Board>, BoardError> {
    BOARDS
        .iter()
        .map(|(name, _)| Board::builtin(name))
        .collect()
}

impl Board {
    /// Names of the built-in boards.
    pub fn builtin_names() -> Vec<&'static str> {
        BOARDS.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in board by name (`icebreaker`, `ulx3s-25f`, ...).
    pub fn builtin(name: &str) -> Result<Board, BoardError> {
        let text = BOARDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| BoardError::Unknown {
                name: name.to_string(),
                known: Self::builtin_names().join(", "),
            })?;
        Self::parse(text, &format!("builtin:{name}"))
    }

    /// A board from a TOML file.
    pub fn load(path: &Path) -> Result<Board, BoardError> {
        let text = std::fs::read_to_string(path).map_err(|source| BoardError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// A built-in board name, or else a path to a board file.
    pub fn resolve(name_or_path: &str) -> Result<Board, BoardError> {
        let path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || path.components().count() > 1 {
            Self::load(path)
        } else {
            Self::builtin(name_or_path)
        }
    }

    /// Parse and validate board TOML; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Board, BoardError> {
        let board: Board = toml::from_str(text).map_err(|e| BoardError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        validate(&board)?;
        Ok(board)
    }
}
