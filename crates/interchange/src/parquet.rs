//! Parquet export: one row per frame, a `t_s` column and one nullable column per channel.
//!
//! Columns: `t_s` (Float64, seconds since session start), then one Float32 column per channel named after the
//! channel (`speed_mps`, ...), null where the frame does not have it. Values are SI, as inside Racecraft.
//! Compression is zstd; row groups hold at most [`ROW_GROUP_ROWS`] rows.

use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use racecraft_core::{Channel, Frame};

/// Rows per row group, and per batch handed to the writer (bounds memory for long sessions).
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Errors writing Parquet.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Parquet writer failed (including I/O).
    #[error("parquet: {0}")]
    Parquet(#[from] ParquetError),
    /// Building an Arrow batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
}

/// `Result` with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Writes `frames` as Parquet to `w`.
///
/// `channels`: the columns to write, in this order; `None` writes every channel present in any frame, in index
/// order.
pub fn write_parquet(w: impl Write + Send, frames: &[Frame], channels: Option<&[Channel]>) -> Result<()> {
    let channels: Vec<Channel> = match channels {
        Some(c) => c.to_vec(),
        None => {
            let mask = frames.iter().fold(0u64, |m, f| m | f.present_mask());
            Channel::ALL.iter().copied().filter(|c| mask & (1 << c.index()) != 0).collect()
        }
    };
    let fields: Vec<Field> = std::iter::once(Field::new("t_s", DataType::Float64, false))
        .chain(channels.iter().map(|c| Field::new(c.name(), DataType::Float32, true)))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let mut writer = ArrowWriter::try_new(w, schema.clone(), Some(props))?;
    for chunk in frames.chunks(ROW_GROUP_ROWS) {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(channels.len() + 1);
        columns.push(Arc::new(chunk.iter().map(Frame::t_s).collect::<Float64Array>()));
        for channel in &channels {
            columns.push(Arc::new(chunk.iter().map(|f| f.get(*channel)).collect::<Float32Array>()));
        }
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.close()?;
    Ok(())
}
