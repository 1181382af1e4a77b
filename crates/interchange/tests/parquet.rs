//! Parquet export read back with the parquet crate's own Arrow reader.
#![cfg(feature = "parquet")]
// Tests fail loudly on the first surprise; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use arrow_array::{Array, Float32Array, Float64Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use racecraft_core::{Channel, Frame};
use racecraft_interchange::parquet::{ROW_GROUP_ROWS, write_parquet};

fn frames(n: usize) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            let mut f = Frame::new(i as i64 * 1_000).with(Channel::Speed, i as f32 * 0.5);
            if i % 2 == 0 {
                f.set(Channel::Rpm, 5000.0 + i as f32);
            }
            f
        })
        .collect()
}

fn read_back(bytes: Vec<u8>) -> (Vec<RecordBatch>, usize) {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(&bytes).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups = builder.metadata().num_row_groups();
    (builder.build().unwrap().collect::<Result<Vec<_>, _>>().unwrap(), groups)
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
    batch.column_by_name(name).unwrap().as_any().downcast_ref::<T>().unwrap()
}

#[test]
fn values_nulls_and_columns_read_back() {
    let frames = frames(10);
    let mut out = Vec::new();
    write_parquet(&mut out, &frames, None).unwrap();
    let (batches, _) = read_back(out);
    let batch = arrow_select_concat(&batches);
    assert_eq!(batch.num_rows(), 10);
    let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["t_s", "speed_mps", "rpm"]);
    let t = column::<Float64Array>(&batch, "t_s");
    let speed = column::<Float32Array>(&batch, "speed_mps");
    let rpm = column::<Float32Array>(&batch, "rpm");
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(t.value(i), f.t_s());
        assert_eq!(speed.value(i), f.get(Channel::Speed).unwrap());
        assert_eq!(rpm.is_null(i), i % 2 == 1);
        if let Some(v) = f.get(Channel::Rpm) {
            assert_eq!(rpm.value(i), v);
        }
    }
}

#[test]
fn chosen_channels_and_all_null_columns() {
    let mut out = Vec::new();
    write_parquet(&mut out, &frames(3), Some(&[Channel::Gear, Channel::Speed])).unwrap();
    let (batches, _) = read_back(out);
    let batch = arrow_select_concat(&batches);
    let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["t_s", "gear", "speed_mps"]);
    assert_eq!(column::<Float32Array>(&batch, "gear").null_count(), 3);
}

#[test]
fn long_sessions_split_into_row_groups() {
    let n = ROW_GROUP_ROWS + 10;
    let mut out = Vec::new();
    write_parquet(&mut out, &frames(n), None).unwrap();
    let (batches, groups) = read_back(out);
    assert_eq!(groups, 2);
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), n);
}

#[test]
fn empty_input_is_a_valid_file() {
    let mut out = Vec::new();
    write_parquet(&mut out, &[], None).unwrap();
    let (batches, _) = read_back(out);
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
}

/// The small tests fit in one batch; keep it that way rather than pull in arrow-select.
fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    assert_eq!(batches.len(), 1);
    batches[0].clone()
}
