//! The files of an export, whether it is a ZIP or its unpacked folder. Exports are read one
//! file at a time, so a large export never sits in memory whole.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Largest single file an export may hold, so that a corrupt archive cannot exhaust memory.
const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// An export's files, named by their path relative to the export's root with `/` separators.
pub struct ExportFiles {
    /// How diagnostics name the export (the path the user gave).
    label: String,
    source: Source,
    names: Vec<String>,
}

enum Source {
    Dir(PathBuf),
    Zip {
        archive: zip::ZipArchive<File>,
        /// The folder inside the archive that holds the export (some tools wrap it in one).
        prefix: String,
    },
}

impl ExportFiles {
    /// Opens a folder or a ZIP; `marker` is a file every export of this kind has at its root
    /// (`users.json` for Slack), which also finds the root inside a wrapped ZIP.
    pub fn open(path: &Path, marker: &str) -> Result<ExportFiles, Diagnostic> {
        let label = path.display().to_string();
        let fail = |message: String| Diagnostic { file: label.clone(), line: 0, message };
        let meta = std::fs::metadata(path).map_err(|err| fail(format!("cannot read it: {err}")))?;
        if meta.is_dir() {
            let mut names = Vec::new();
            list_dir(path, "", &mut names).map_err(|err| fail(format!("cannot list it: {err}")))?;
            names.sort();
            if !names.iter().any(|n| n == marker) {
                return Err(fail(format!("this folder has no {marker}; is it an unpacked export?")));
            }
            return Ok(ExportFiles { label, source: Source::Dir(path.to_path_buf()), names });
        }
        let file = File::open(path).map_err(|err| fail(format!("cannot open it: {err}")))?;
        let archive = zip::ZipArchive::new(file).map_err(|err| fail(format!("not a readable ZIP file: {err}")))?;
        let all: Vec<String> = archive.file_names().map(str::to_string).collect();
        let prefix = all
            .iter()
            .filter_map(|n| n.strip_suffix(marker).filter(|p| p.is_empty() || p.ends_with('/')))
            .min_by_key(|p| p.len())
            .map(str::to_string)
            .ok_or_else(|| fail(format!("this ZIP has no {marker}; is it an export?")))?;
        let mut names: Vec<String> = all
            .iter()
            .filter(|n| !n.ends_with('/'))
            .filter_map(|n| n.strip_prefix(prefix.as_str()))
            .map(str::to_string)
            .collect();
        names.sort();
        Ok(ExportFiles { label, source: Source::Zip { archive, prefix }, names })
    }

    /// Every file, sorted by name.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
    }

    /// How diagnostics name a file of this export: `export.zip!general/2024-01-02.json`.
    pub fn display_name(&self, name: &str) -> String {
        match self.source {
            Source::Dir(_) => Path::new(&self.label).join(name).display().to_string(),
            Source::Zip { .. } => format!("{}!{name}", self.label),
        }
    }

    /// The bytes of one file; a missing file is `None`.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, Diagnostic> {
        if !self.contains(name) {
            return Ok(None);
        }
        let shown = self.display_name(name);
        let fail = |message: String| Diagnostic { file: shown.clone(), line: 0, message };
        let mut bytes = Vec::new();
        match &mut self.source {
            Source::Dir(root) => {
                let path = root.join(name);
                let file = File::open(&path).map_err(|err| fail(format!("cannot read it: {err}")))?;
                file.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|err| fail(format!("cannot read it: {err}")))?;
            }
            Source::Zip { archive, prefix } => {
                let entry = archive
                    .by_name(&format!("{prefix}{name}"))
                    .map_err(|err| fail(format!("cannot unpack it: {err}")))?;
                entry
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|err| fail(format!("cannot unpack it: {err}")))?;
            }
        }
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(fail(format!("larger than {MAX_FILE_BYTES} bytes")));
        }
        Ok(Some(bytes))
    }
}

fn list_dir(root: &Path, relative: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if relative.is_empty() { name } else { format!("{relative}/{name}") };
        if entry.file_type()?.is_dir() {
            // Exports are two levels deep (conversation folders of day files); deeper folders
            // are attachments some tools add, which imports do not read.
            if relative.is_empty() {
                list_dir(root, &path, out)?;
            }
        } else {
            out.push(path);
        }
    }
    Ok(())
}
