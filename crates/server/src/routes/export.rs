//! `GET /api/sessions/{id}/export?format=ld|ldx|csv[&laps=3,7]`: a session, or chosen laps laid end to end,
//! as a file for MoTeC i2 (`.ld` and its `.ldx` beacons) or a spreadsheet (MoTeC-layout CSV).
//!
//! The file is built on a blocking thread (it is CPU work over every frame) and answered as an attachment with
//! a name that says what it holds (`monza-ks_ferrari_488_gt3-s12-L3-L7.ld`). CSV is streamed as it is written
//! (a long session is hundreds of megabytes of text); `.ld` is column after column, so it is built whole.

use std::io::Write;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use racecraft_core::SessionMeta;
use racecraft_interchange::export::Export;
use racecraft_protocol::rest::{ExportFormat as Format, ExportQuery};
use racecraft_store::LapRow;

use crate::AppError;
use crate::error::PathParam;
use crate::state::AppState;

/// The file each format is sent as.
trait AsFile {
    fn extension(self) -> &'static str;
    fn content_type(self) -> &'static str;
}

impl AsFile for Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Ld => "ld",
            Format::Ldx => "ldx",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Ld => "application/octet-stream",
            Format::Ldx => "application/xml",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

fn parse_laps(list: &str) -> Result<Vec<u32>, AppError> {
    let laps: Vec<u32> = list
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().parse().map_err(|_| AppError::BadRequest(format!("laps must be lap numbers, not `{s}`"))))
        .collect::<Result<_, _>>()?;
    if laps.is_empty() {
        return Err(AppError::BadRequest("laps is empty: leave it out to export the whole session".into()));
    }
    // Each lap once, in order (a lap named twice would otherwise be written twice).
    let mut laps = laps;
    laps.sort_unstable();
    laps.dedup();
    Ok(laps)
}

/// Lower-case letters, digits and `_`, other runs as one `-`: safe in a file name on every system.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(40).collect()
}

/// `track-car-s{id}[-L3-L7].ext`.
fn file_name(meta: &SessionMeta, id: i64, laps: Option<&[u32]>, format: Format) -> String {
    let mut parts: Vec<String> = [slug(&meta.track), slug(&meta.car)].into_iter().filter(|s| !s.is_empty()).collect();
    parts.push(format!("s{id}"));
    if let Some(laps) = laps {
        parts.extend(laps.iter().map(|n| format!("L{n}")));
    }
    format!("{}.{}", parts.join("-"), format.extension())
}

pub(super) async fn session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let wanted = q.laps.as_deref().map(parse_laps).transpose()?;
    let session = state.store().session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    let meta = session.meta();
    let stored = state.store().laps(id).await?;
    let export = match &wanted {
        None => {
            let frames = state.store().session_frames(id).await?;
            Export::session(frames, stored.iter().map(LapRow::completed).collect())
        }
        Some(numbers) => {
            let mut laps = Vec::with_capacity(numbers.len());
            for n in numbers {
                let row = stored
                    .iter()
                    .find(|l| l.lap_number == *n)
                    .ok_or_else(|| AppError::NotFound(format!("session {id} has no lap {n}")))?;
                laps.push((row.completed(), state.store().lap_frames(row).await?));
            }
            Export::laps(laps)
        }
    };
    if export.is_empty() {
        return Err(AppError::Unprocessable(format!("session {id} has no frames to export")));
    }
    let format = q.format;
    let name = file_name(&session.meta(), id, wanted.as_deref(), format);
    let body = match format {
        Format::Csv => csv_stream(export, meta, id),
        Format::Ld | Format::Ldx => Body::from(
            tokio::task::spawn_blocking(move || match format {
                Format::Ldx => Ok(export.ldx().into_bytes()),
                _ => export.ld(&meta).map_err(|e| e.to_string()),
            })
            .await
            .map_err(|e| AppError::Unprocessable(format!("export failed: {e}")))?
            .map_err(|e| AppError::Unprocessable(format!("export failed: {e}")))?,
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

/// Bytes handed to the response in pieces of this size.
const PIECE: usize = 64 << 10;

/// An [`std::io::Write`] on a blocking thread feeding a streamed response body.
struct BodyWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<bytes::Bytes>>,
    buf: Vec<u8>,
}

impl Write for BodyWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PIECE {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let piece = bytes::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE)));
            self.tx
                .blocking_send(Ok(piece))
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))?;
        }
        Ok(())
    }
}

/// The CSV, written on a blocking thread while the client reads it. A failure half way ends the body with an
/// error (the client sees a broken download, not a short file that looks whole).
fn csv_stream(export: Export, meta: SessionMeta, id: i64) -> Body {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut w = BodyWriter { tx: tx.clone(), buf: Vec::with_capacity(PIECE) };
        let written = export.write_csv(&mut w, &meta, &Default::default()).map_err(std::io::Error::other);
        if let Err(e) = written.and_then(|()| w.flush()) {
            tracing::warn!(session = id, error = %e, "CSV export stopped");
            let _ = tx.blocking_send(Err(e));
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_say_what_they_hold() {
        let meta = SessionMeta {
            track: "Spa-Francorchamps".into(),
            car: "Ferrari 488 GT3 \"Evo\"/2020".into(),
            ..Default::default()
        };
        assert_eq!(
            file_name(&meta, 12, Some(&[3, 7]), Format::Ld),
            "spa-francorchamps-ferrari-488-gt3-evo-2020-s12-L3-L7.ld"
        );
        assert_eq!(file_name(&SessionMeta::default(), 5, None, Format::Csv), "s5.csv");
    }

    #[test]
    fn lap_lists_are_checked() {
        assert_eq!(parse_laps("3,7,").expect("laps"), vec![3, 7]);
        assert_eq!(parse_laps("7,3,7").expect("laps"), vec![3, 7]);
        assert!(matches!(parse_laps("3,x"), Err(AppError::BadRequest(_))));
        assert!(matches!(parse_laps(""), Err(AppError::BadRequest(_))));
    }
}
